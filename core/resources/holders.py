"""Who holds an idempotency claim: the PostgreSQL session that made it.

A claim still open whose session has ended belongs to a request that failed with its
connection (a failover, a dropped network); it will never be completed or released, so a
retry may take it over at once rather than after STALE_CLAIM. SQLite has no other session
to outlive, and only STALE_CLAIM frees a claim left open there.
"""

from __future__ import annotations

from django.db import connection
from django.db.models.expressions import RawSQL

# The claiming session's pid, and a moment it was alive by the server's clock. Reading
# its own backend_start from pg_stat_activity instead made keyed creates 16 % slower
# (179 against 212 per second: `bench/claim_holder.py`, docs/benchmarks-claim-holder.md);
# the statement's time tells a reused pid apart as well: a later session with the same
# pid started after it.
HOLDER = {"holder_pid": "pg_backend_pid()", "holder_seen_at": "statement_timestamp()"}


def postgresql() -> bool:
    """Tell whether the database is PostgreSQL, where sessions can be looked up."""
    return connection.vendor == "postgresql"


def holder_sql() -> str:
    """The holder columns' values in an INSERT: filled in by the server, or NULL."""
    return ", ".join(HOLDER.values()) if postgresql() else "NULL, NULL"


def holder_values() -> dict[str, RawSQL]:
    """The holder columns of an UPDATE, as SQL the server fills in (PostgreSQL only)."""
    if not postgresql():
        return {}
    return {name: RawSQL(sql, ()) for name, sql in HOLDER.items()}  # noqa: S611 (constant SQL)


def holder_gone(table: str) -> str:
    """SQL that tells whether a row's open claim belongs to a session that has ended.

    The holder is gone when no session with its pid started at or before the moment it
    claimed. Fail closed: a claim whose holder is not fully known, or whose pid is alive
    with a start this role may not see (another login role), counts as still held, and
    only STALE_CLAIM frees it.
    """
    return f"""
        CASE WHEN {table}.created IS NULL
              AND {table}.holder_pid IS NOT NULL AND {table}.holder_seen_at IS NOT NULL
        THEN NOT EXISTS (
            SELECT 1 FROM pg_stat_activity AS session
            WHERE session.pid = {table}.holder_pid
              AND (session.backend_start IS NULL
                   OR session.backend_start <= {table}.holder_seen_at)
        ) ELSE false END
    """  # noqa: S608 (the table is the model's own)
