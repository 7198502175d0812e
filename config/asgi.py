"""The ASGI application, for uvicorn and other ASGI servers (Lambda has its own, in
config/aws_lambda/, behind API Gateway's 10 MB cap)."""

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

from core.body_limit import BodyLimit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# An oversized body is refused before it is received, not after (core/body_limit.py).
application = BodyLimit(get_asgi_application(), limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
