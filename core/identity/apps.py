from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "core.identity"
    label = "identity"
