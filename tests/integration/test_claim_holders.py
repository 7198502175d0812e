"""Idempotency-key claims on PostgreSQL: a claim whose session is alive is held, whoever
looks; once the session has ended, the claim is known abandoned."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from django.db import connection, connections

from core.identity.domain import User
from todos.adapters.orm import DjangoCreateRequests
from todos.ports import Claim

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def live_holder(user: User) -> Iterator[tuple[Claim, threading.Event]]:
    """A claim made by another session that stays open until the event is set."""
    now = datetime.now(UTC)
    claim = Claim(user.id, "held", "f1", created_at=now, claimed_at=now, token=uuid4())
    claimed, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            assert DjangoCreateRequests().claim(claim, replacing=None)
            claimed.set()
            release.wait(10)
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert claimed.wait(10)
    yield claim, release
    release.set()
    holder.join()


def gone(claim: Claim) -> bool:
    record = DjangoCreateRequests().find(claim.owner, claim.key)
    assert record is not None
    return record.holder_gone


def test_a_claim_is_held_while_its_session_lives_and_gone_once_it_ends(
    live_holder: tuple[Claim, threading.Event],
) -> None:
    claim, release = live_holder
    assert gone(claim) is False
    release.set()
    deadline = time.monotonic() + 10
    while not gone(claim):  # the server notices the closed session within moments
        assert time.monotonic() < deadline, "the ended session still looks alive"
        time.sleep(0.05)


@pytest.mark.usefixtures("superuser")
def test_a_role_that_cannot_see_the_holders_start_still_sees_the_claim_held(
    live_holder: tuple[Claim, threading.Event],
) -> None:
    """pg_stat_activity hides another role's backend_start: unknown counts as alive."""
    role = f"claim_reader_{uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(f"GRANT SELECT ON idempotency_keys, users TO {role}")
        try:
            cursor.execute(f"SET ROLE {role}")
            claim, _ = live_holder
            assert gone(claim) is False
        finally:
            cursor.execute("RESET ROLE")
            cursor.execute(f"REVOKE ALL ON idempotency_keys, users FROM {role}")
            cursor.execute(f"DROP ROLE {role}")
