"""JSON log lines, one object per line, in the shape of Lambda's JSON log format.

Keys follow what the Lambda Python runtime writes (`timestamp`, `level`, `message`,
`logger`, `requestId`, and `errorType`/`errorMessage`/`stackTrace` for errors), so
CloudWatch Logs Insights reads ours and the runtime's alike. Fields passed with
`extra=` become keys of their own; a request among them is logged as its method and path,
without its query string.

Database errors keep their type, SQLSTATE and stack trace, never their message: a
PostgreSQL error message can quote the SQL it failed on, and the values in it.
"""

from __future__ import annotations

import json
import logging
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# The request being served, for every line logged while it runs (set by the Lambda handler).
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "message": record.getMessage(),
            "logger": record.name,
        }
        current_request = request_id.get()
        if current_request:
            entry["requestId"] = current_request
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                entry[key] = loggable(value)
        if record.exc_info and record.exc_info[1] is not None:
            entry.update(describe_error(record.exc_info[1]))
        return json.dumps(entry, ensure_ascii=False)


def loggable(value: Any) -> Any:
    """Return an extra field's value as it may be logged.

    Plain JSON values stay as they are. A request (Django passes one with its own log
    records) becomes its method and path: its query string can carry tokens. Anything
    else becomes its type's name, never its text.
    """
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [loggable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): loggable(item) for key, item in value.items()}
    method, path = getattr(value, "method", None), getattr(value, "path", None)
    if isinstance(method, str) and isinstance(path, str):
        return f"{method} {path}"
    return f"<{type(value).__name__}>"


def describe_error(error: BaseException) -> dict[str, Any]:
    """Return the error's type, a message safe to log and its stack trace, causes included."""
    stack: list[str] = []
    for link in _chain(error):
        stack.append(f"{_type_name(link)}: {safe_message(link)}")
        stack.extend(
            line.rstrip("\n") for line in traceback.format_tb(link.__traceback__) if line.strip()
        )
    return {
        "errorType": _type_name(error),
        "errorMessage": safe_message(error),
        "stackTrace": stack,
    }


def safe_message(error: BaseException) -> str:
    """Return the error's message, or only its SQLSTATE for a database error."""
    if not _is_database_error(error):
        return str(error)
    sqlstate = next(
        (
            getattr(link, "sqlstate", None)
            for link in _chain(error)
            if getattr(link, "sqlstate", None)
        ),
        None,
    )
    return f"database error message withheld (SQLSTATE {sqlstate or 'unknown'})"


def _chain(error: BaseException) -> list[BaseException]:
    """Return the error, then what caused it, outermost first."""
    chain: list[BaseException] = []
    link: BaseException | None = error
    while link is not None and link not in chain:
        chain.append(link)
        link = link.__cause__ or (None if link.__suppress_context__ else link.__context__)
    return chain


def _is_database_error(error: BaseException) -> bool:
    return any(
        type(link).__module__.split(".")[0] in {"psycopg", "sqlite3"}
        or type(link).__module__ == "django.db.utils"
        for link in _chain(error)
    )


def _type_name(error: BaseException) -> str:
    kind = type(error)
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


class DisallowedHostFilter(logging.Filter):
    """Log a request refused for its Host header once, at WARNING, without a traceback.

    Django logs DisallowedHost at ERROR with the traceback and the client's Host value,
    then its usual "Bad Request" line: anyone can write that into the log at will. The
    first becomes one WARNING line naming no client input; the second is dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the security record; drop django.request's 400 line for the request."""
        if record.name == "django.security.DisallowedHost":
            if not logging.getLogger(record.name).isEnabledFor(logging.WARNING):
                return False  # as a WARNING it would not have been logged at all
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.msg, record.args = "Refused a request whose Host is not allowed", ()
            record.exc_info = record.exc_text = None
            return True
        if getattr(record, "status_code", None) != 400:
            return True  # anything else about such a request (a 500) is still told
        return not _host_refused(getattr(record, "request", None))


def _host_refused(request: Any) -> bool:
    """Tell whether Django refuses the request's Host header (ALLOWED_HOSTS)."""
    from django.core.exceptions import DisallowedHost

    if request is None or not hasattr(request, "get_host"):
        return False
    try:
        request.get_host()
    except DisallowedHost:
        return True
    return False
