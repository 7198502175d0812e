"""Create once per idempotency key (API.md, "Idempotent creates"), for any owned resource.

The first request with a key claims it, creates and remembers what it created; a repeat
of that request gets the same answer back; a claim whose request died is taken over.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from uuid import uuid4

from core.identity.domain import Actor, InvalidAccessToken
from core.resources.domain import E, KeyReused, RequestInProgress
from core.resources.ports import Claim, CreateRequests, Entities
from core.resources.services import UPDATE_ATTEMPTS


def create_once(
    repo: Entities[E],
    requests: CreateRequests[E],
    *,
    entity: E,
    actor: Actor,
    key: str,
    fingerprint: str,
    now: datetime,
) -> tuple[E, bool]:
    """Create `entity` once per idempotency key: a repeat of the first request with `key`
    (same `fingerprint`) gets what it created back. Return it and whether it is a replay.

    :raises KeyReused: if the key came with another request before, even one in flight.
    :raises RequestInProgress: if the first request with the key is still being served.
    :raises InvalidAccessToken: if the actor is no longer an active user.
    """
    claim = _claim(repo, requests, actor=actor, key=key, fingerprint=fingerprint, now=now)
    if not isinstance(claim, Claim):
        return claim, True
    try:
        completed = requests.complete(claim, entity)
    except Exception:
        # A request that failed may be retried with its key. When the failure is the
        # database itself (a dropped connection), releasing fails too; the claim is then
        # taken over by the retry once its holder is known gone, and the caller must see
        # the first error, not the second.
        with contextlib.suppress(Exception):
            requests.release(claim)
        raise
    if completed:
        return entity, False
    requests.release(claim)
    if not repo.owner_is_active(actor.user_id):
        raise InvalidAccessToken
    raise RequestInProgress  # too slow: a retry took the claim over


def _claim(
    repo: Entities[E],
    requests: CreateRequests[E],
    *,
    actor: Actor,
    key: str,
    fingerprint: str,
    now: datetime,
) -> Claim | E:
    """Claim the key for this request, or return what its first request created.

    :raises KeyReused: if the key is remembered with another fingerprint.
    :raises RequestInProgress: if its first request is still being served.
    :raises InvalidAccessToken: if the actor is no longer an active user.
    """
    for _ in range(UPDATE_ATTEMPTS):
        record = requests.find(actor.user_id, key)
        created_at = now
        if record is not None and not record.expired(now):
            if record.created is None and record.stale(now):
                # Its request died unanswered, and only a 201 is remembered: take it over,
                # whatever that request's body was. The key keeps its age.
                created_at = record.claim.created_at
            elif record.claim.fingerprint != fingerprint:
                raise KeyReused
            elif record.created is not None:
                return record.created
            else:
                raise RequestInProgress
        claim = Claim(actor.user_id, key, fingerprint, created_at, now, uuid4())
        if requests.claim(claim, replacing=record):
            return claim
        if not repo.owner_is_active(actor.user_id):
            raise InvalidAccessToken
    raise RequestInProgress
