"""The calibration app's Lambda handler: Mangum over Django's stock ASGI application."""

import os

from django.core.asgi import get_asgi_application
from mangum import Mangum

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plain_app.settings")
handler = Mangum(get_asgi_application(), lifespan="off")
