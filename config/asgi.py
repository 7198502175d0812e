"""The ASGI application, for uvicorn and other ASGI servers (Lambda has its own, in
config/aws_lambda/)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_asgi_application()
