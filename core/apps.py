"""The core app: management commands, shared resource building blocks and their checks."""

from django.apps import AppConfig
from django.core import checks


class CoreConfig(AppConfig):
    """Register the checks of the shared resource code when Django starts."""

    name = "core"

    def ready(self) -> None:
        """Register the system check that each resource's model matches its entity."""
        from core.resources.checks import check_owned_models

        checks.register(check_owned_models, checks.Tags.models)
