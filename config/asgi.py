"""The ASGI application, for uvicorn and other ASGI servers."""

import os

import django

from config.handlers import SyncViewsASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)  # as get_asgi_application(): the prefix is set per request

application = SyncViewsASGIHandler()
