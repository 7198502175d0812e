"""Application metrics as CloudWatch embedded metric format (EMF) lines on standard output.

On Lambda, CloudWatch Logs turns each such JSON line into metric data points: no API
call on the request's path and no permission beyond writing logs. The format is AWS's
documented specification, written by hand because both maintained libraries cost a cold
start more than this app allows (docs/emf-import.md). One line per request that counts
something, with a count of 1 for each metric it names; nothing when the namespace is
unset (METRICS_NAMESPACE), which is everywhere but on AWS.

The metrics, all counts, and the answers that make them:

| metric | answer |
| --- | --- |
| SignIns | 200 to POST .../auth/token |
| SignInLockouts | 429 to POST .../auth/token: a locked email and address |
| PreconditionFailed | any 412 (a stale If-Match) |
| IdempotentReplays | an answer with Idempotent-Replayed: true |
| DatabaseUnavailable | any 503 |
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # the app has Django loaded already; the import stays cheap without it
    from django.http import HttpRequest, HttpResponseBase

NAMESPACE_VARIABLE = "METRICS_NAMESPACE"
SIGN_IN_PATH = "/api/auth/token"
# Above 0 while requests that are no one's (SnapStart's warm-up) are served. A plain
# global is enough: an instance serves one request at a time, the warm-up's first.
_paused = 0


@contextmanager
def paused() -> Iterator[None]:
    """Count nothing while the block runs."""
    global _paused
    _paused += 1
    try:
        yield
    finally:
        _paused -= 1


def document(namespace: str, names: Iterable[str], *, now_ms: int) -> dict[str, Any]:
    """Return one EMF document counting 1 of each metric in `names`, with no dimension."""
    counted = sorted(set(names))
    return {
        "_aws": {
            "Timestamp": now_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    # One empty dimension set: each metric is published once, undivided.
                    "Dimensions": [[]],
                    "Metrics": [{"Name": name, "Unit": "Count"} for name in counted],
                }
            ],
        },
        **dict.fromkeys(counted, 1),
    }


def emit(names: Iterable[str], stream: TextIO | None = None) -> None:
    """Write one EMF line counting `names`, if a namespace is configured and any is named."""
    namespace = os.environ.get(NAMESPACE_VARIABLE)
    counted = list(names)
    if not namespace or not counted or _paused:
        return
    line = json.dumps(document(namespace, counted, now_ms=int(time.time() * 1000)))
    (stream or sys.stdout).write(line + "\n")


def counted_by(request: HttpRequest, response: HttpResponseBase) -> list[str]:
    """Return the metrics an answer counts towards (see the table above)."""
    status = response.status_code
    names = []
    if request.method == "POST" and request.path_info == SIGN_IN_PATH:
        if status == 200:
            names.append("SignIns")
        elif status == 429:
            names.append("SignInLockouts")
    if status == 412:
        names.append("PreconditionFailed")
    if status == 503:
        names.append("DatabaseUnavailable")
    if response.get("Idempotent-Replayed") == "true":
        names.append("IdempotentReplays")
    return names


def metrics_middleware(
    get_response: Callable[[HttpRequest], HttpResponseBase],
) -> Callable[[HttpRequest], HttpResponseBase]:
    """Count each answer's metrics once it is final."""

    def middleware(request: HttpRequest) -> HttpResponseBase:
        response = get_response(request)
        emit(counted_by(request, response))
        return response

    return middleware
