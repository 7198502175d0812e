"""A failover, staged: the server ends the connection in the middle of one statement.

A trigger on a table calls `pg_terminate_backend(pg_backend_pid())` for the first row
written that matches a condition, exactly as a failover or a dropped network ends a
session between two statements of one operation: what the statement did is rolled back,
what earlier statements committed stays, and the client gets an OperationalError.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import close_old_connections, connection
from django.test import Client

# A sequence, not a table: nextval() is not rolled back with the statement it ends.
_ARM = """
    CREATE SEQUENCE fault_shots;
    CREATE FUNCTION fault_end_session() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF nextval('fault_shots') <= {times} THEN
            PERFORM pg_terminate_backend(pg_backend_pid());
        END IF;
        RETURN NEW;
    END $$;
    CREATE TRIGGER fault_end_session BEFORE {event} ON {table}
        FOR EACH ROW WHEN ({condition}) EXECUTE FUNCTION fault_end_session();
"""
_DISARM = """
    DROP TRIGGER IF EXISTS fault_end_session ON {table};
    DROP FUNCTION IF EXISTS fault_end_session();
    DROP SEQUENCE IF EXISTS fault_shots;
"""


@contextmanager
def session_ends_on(
    table: str, *, event: str = "INSERT", condition: str, times: int = 1
) -> Iterator[None]:
    """End the session of the first `times` statements that write a row of `table`
    matching `condition` (SQL over NEW), until the block ends."""
    with connection.cursor() as cursor:
        cursor.execute(_ARM.format(table=table, event=event, condition=condition, times=times))
    try:
        yield
    finally:
        connection.close()  # the session may be the one the trigger ended
        with connection.cursor() as cursor:
            cursor.execute(_DISARM.format(table=table))


def shots_fired() -> int:
    """Return how many statements reached the trigger (proof the fault was staged)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_value, is_called FROM fault_shots")
        last_value, is_called = cursor.fetchone()
    return int(last_value) if is_called else 0


class ServerClient(Client):
    """A test client that ends each request as a server does: Django's test client
    leaves out the `request_finished` handler that closes a connection the request
    found broken, so the next request would reuse the dead one."""

    def request(self, **request: object) -> object:  # type: ignore[override]
        """Serve the request, then close the connection if it became unusable."""
        try:
            return super().request(**request)
        finally:
            close_old_connections()
