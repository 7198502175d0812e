"""The one settings module. Every deployment-specific value comes from the environment
(or a `.env` file beside manage.py, for local runs: see .env.example)."""

import warnings
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from core.database import database_settings
from core.origins import allowed_origins
from core.runtime import draw_secret_key, on_lambda

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Local settings file; values already in the environment win over it.
ENV_FILE = Path(env.str("ENV_FILE", default=str(BASE_DIR / ".env")))
if ENV_FILE.is_file():
    env.read_env(ENV_FILE)

DEBUG = env.bool("DEBUG", default=False)
ON_LAMBDA = on_lambda()

# An operator's management commands through the tunnel (DB_SECRET_ARN, docs/infra.md).
OPERATOR = bool(env.str("DB_SECRET_ARN", default=""))

SECRET_KEY = env.str("SECRET_KEY", default="")
# True when the key below is this instance's own; a SnapStart restore draws it again
# (config/aws_lambda/snapstart.py), or every restored instance would share one.
SECRET_KEY_PER_INSTANCE = not SECRET_KEY and (ON_LAMBDA or OPERATOR)
if SECRET_KEY_PER_INSTANCE:
    # The API signs nothing that must outlive a process: no sessions, no CSRF or
    # password-reset tokens. So each Lambda instance (and each operator's command) draws
    # its own key, and no key sits in the function's configuration. Set SECRET_KEY (from
    # a secret) before adding anything that signs data for later, such as sessions.
    SECRET_KEY = draw_secret_key()
elif not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for local development).")
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105
# Empty with DEBUG on means localhost only (Django's own rule). On Lambda the default is
# any API Gateway execute-api host of the function's region; a custom domain is added here.
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=[f".execute-api.{env.str('AWS_REGION')}.amazonaws.com"] if ON_LAMBDA else [],
)

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",  # runserver serves static files as production does
    "django.contrib.staticfiles",  # Swagger UI's assets, served by the app (no CDN)
    "corsheaders",
    "ninja",  # its templates and static files
    "core",  # its management commands (create_app_role)
    "core.identity",  # accounts and tokens (label "identity")
    "todos",
]

MIDDLEWARE = [
    # Outermost: it counts the answers as clients get them (core/metrics.py).
    "core.metrics.metrics_middleware",
    "core.http_errors.json_errors_middleware",
    # Before anything that answers on its own, so errors carry the CORS headers too.
    "core.cors.ExactOriginCorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that static files too are served only to admitted hosts.
    "django.middleware.common.CommonMiddleware",  # enforces ALLOWED_HOSTS
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
    },
]

DATABASES = {"default": database_settings(env, base_dir=str(BASE_DIR))}
# UUID ids, email as the login, case-insensitive unique (core/identity/models.py).
AUTH_USER_MODEL = "identity.UserModel"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Bodies above this size are refused with 413 before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = False
LANGUAGE_CODE = "en-us"

# Absolute, so that Django never bakes a script prefix into it; the storage adds the
# current request's prefix (the API Gateway stage) to each URL instead.
STATIC_URL = "/static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "core.staticfiles.ScriptPrefixedStaticFilesStorage"},
}
# `collectstatic` writes here (the Lambda bundle ships the result). When the directory
# exists the app serves from it; otherwise (a fresh clone, the tests) it serves straight
# from the installed packages, with no collectstatic step.
_collected_static = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATIC_ROOT = _collected_static if _collected_static.is_dir() else None
WHITENOISE_USE_FINDERS = STATIC_ROOT is None

# Security: these defaults suit local runs; production sets them through the
# environment (see .env.example and `manage.py check --deploy`).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    # Only behind a proxy (API Gateway, a load balancer) that sets this header itself.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
# --- Accounts and tokens (API.md, docs/auth.md) -----------------------------------------
# Argon2id at OWASP's parameters; any other Argon2 hash is still read, and updated.
PASSWORD_HASHERS = ["core.identity.adapters.passwords.OwaspArgon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["email"]},
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lifetimes in seconds: a short-lived access token, a long-lived single-use refresh token.
ACCESS_TOKEN_TTL = env.int("ACCESS_TOKEN_TTL", default=15 * 60)
REFRESH_TOKEN_TTL = env.int("REFRESH_TOKEN_TTL", default=30 * 24 * 60 * 60)
# The `iss` and `aud` of access tokens, checked on every request.
JWT_ISSUER = env.str("JWT_ISSUER", default="todo-api")
JWT_AUDIENCE = env.str("JWT_AUDIENCE", default="todo-api")

# --- Browsers (API.md "Browsers (CORS)") --------------------------------------------------
# Locally a Next.js dev server; on Lambda the CDK context value `corsOrigins` sets it.
LOCAL_FRONTEND_ORIGINS = ["http://localhost:3000", "http://127.0.0.1:3000"]
# Compared exactly with each request's Origin (core/cors.py), so normalised here.
CORS_ALLOWED_ORIGINS = allowed_origins(
    env.list("CORS_ALLOWED_ORIGINS", default=[] if ON_LAMBDA else LOCAL_FRONTEND_ORIGINS)
)
CORS_URLS_REGEX = r"^/api/"  # matched against the path below the script prefix (/dev)
CORS_ALLOW_METHODS = ["GET", "POST", "PATCH", "DELETE", "OPTIONS"]
CORS_ALLOW_HEADERS = [
    "authorization",
    "content-type",
    "if-match",
    "if-none-match",
    "idempotency-key",
]
CORS_EXPOSE_HEADERS = [
    "ETag",
    "Location",
    "Retry-After",
    "Idempotent-Replayed",
    "WWW-Authenticate",
]
# Tokens travel in the Authorization header, never in cookies.
CORS_ALLOW_CREDENTIALS = False

SILENCED_SYSTEM_CHECKS = [
    # CSRF protects cookie-authenticated browser sessions; this API sets no cookies and
    # Ninja exempts its views, so the CSRF middleware would be dead weight.
    "security.W003",
]

# WhiteNoise answers with a synchronous file iterator, which Django's stock ASGI handler
# (config/asgi.py, for uvicorn) reads in a worker thread, warning that it does (Lambda's
# reads it before sending, with no thread). The static files here are small (Swagger UI's
# assets), so the thread hop costs little; the warning would only be noise in every log.
warnings.filterwarnings(
    "ignore",
    message="StreamingHttpResponse must consume synchronous iterators",
    module="django.core.handlers.asgi",
)

# JSON lines on Lambda (CloudWatch's JSON log format reads them), plain text locally.
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if ON_LAMBDA else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "core.logging.JsonFormatter"},
    },
    "filters": {"disallowed_host": {"()": "core.logging.DisallowedHostFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO").upper()},
    "loggers": {
        # Never log SQL, whatever LOG_LEVEL says: statements can carry personal data.
        "django.db.backends": {"level": "WARNING"},
        # Mangum's own access line would repeat the handler's JSON request line.
        "mangum": {"level": "WARNING"},
        # A Host header not in ALLOWED_HOSTS: one WARNING line, no traceback, no Host value.
        "django.security.DisallowedHost": {"filters": ["disallowed_host"]},
        "django.request": {"filters": ["disallowed_host"]},
    },
}
