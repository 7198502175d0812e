"""Static file URLs that follow the request's script prefix (an API Gateway stage)."""

from __future__ import annotations

from django.contrib.staticfiles.storage import StaticFilesStorage
from django.urls import get_script_prefix


class ScriptPrefixedStaticFilesStorage(StaticFilesStorage):
    """Put the current request's script prefix in front of every static URL.

    Behind API Gateway the app lives under `/dev` (or a custom domain's base path), and
    the prefix can differ from one request to the next. Django adds a script prefix to a
    relative STATIC_URL only once, the first time the setting is read, so STATIC_URL is
    absolute ("/static/") and the prefix is added here, per request, instead.
    """

    def url(self, name: str | None) -> str:
        """Return the URL of a static file under the current script prefix."""
        return get_script_prefix().rstrip("/") + super().url(name)
