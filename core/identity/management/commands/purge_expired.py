"""manage.py purge_expired: delete what no request can use any more.

Safe to schedule (say, daily): it deletes only refresh tokens that expired over a
token lifetime ago, sign-in counters idle for over an hour, and idempotency keys over
24 hours old. Nothing a user can see is touched.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from config.composition import adapters
from core.identity.services import EMAIL_WINDOW


class Command(BaseCommand):
    help = (
        "Delete expired refresh tokens, idle sign-in counters and idempotency keys past "
        "their 24 hours. Deletes nothing a user can see; safe to run on a schedule."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        now = adapters.clock()
        # Spent tokens are kept a lifetime past their expiry: presenting one that long
        # after still ends the sign-in it belongs to (reuse detection).
        tokens = adapters.refresh_tokens.purge_expired(
            before=now - adapters.token_policy.refresh_ttl
        )
        counters = adapters.sign_in_attempts.purge_idle(before=now - EMAIL_WINDOW)
        keys = adapters.create_requests.purge_expired(now=now)
        self.stdout.write(
            f"Deleted {tokens} expired refresh token(s), {counters} idle sign-in counter(s) "
            f"and {keys} idempotency key(s) past 24 hours."
        )
