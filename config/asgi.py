"""The ASGI application, for uvicorn, other ASGI servers and the Lambda handler."""

import os
import warnings

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# WhiteNoise answers with a synchronous file iterator, which Django's ASGI handler reads
# in a worker thread, warning that it does. The static files here are small (Swagger UI's
# assets), so the thread hop costs little; the warning would only be noise in every log.
warnings.filterwarnings(
    "ignore",
    message="StreamingHttpResponse must consume synchronous iterators",
    module="django.core.handlers.asgi",
)

application = get_asgi_application()
