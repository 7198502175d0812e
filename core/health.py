"""GET /api/health: can the API reach its database?"""

from __future__ import annotations

import logging
from typing import Literal

from django.db import Error, connection
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from core.http_errors import RETRY_AFTER_SECONDS, ErrorOut, documented_headers

logger = logging.getLogger(__name__)

router = Router(tags=["health"])


class HealthOk(Schema):
    """The API and its database are up."""

    status: Literal["ok"] = "ok"
    database: Literal["connected"] = "connected"


class HealthDown(Schema):
    """The database cannot be reached."""

    status: Literal["error"] = "error"
    database: Literal["disconnected"] = "disconnected"
    detail: Literal["Database unavailable"] = "Database unavailable"


@router.get(
    "/health",
    response={200: HealthOk, 503: HealthDown, 500: ErrorOut},
    operation_id="get_health",
    openapi_extra=documented_headers(),
    summary="Check the API and its database",
)
def get_health(request: HttpRequest, response: HttpResponse) -> Status[HealthOk | HealthDown]:
    """Answer 200 when the database answers `SELECT 1`, or 503 with `Retry-After`
    when it cannot be reached within the connect timeout."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Error as exc:
        logger.warning("Health check: database unavailable (%s)", type(exc).__name__)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return Status(503, HealthDown())
    return Status(200, HealthOk())
