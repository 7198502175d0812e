"""Django's PostgreSQL backend, with what Aurora behind Lambda needs (ENGINE "core.postgresql").

For each new connection, on top of Django's own backend, as the settings' `POLICY`
(a ConnectionPolicy, built by core/database.py) says:

- credentials: an IAM token signed for it (`iam_region`), or the master secret, read
  once per process (`secret_arn`), or the settings' user and password as they are;
- the session role (`session_role`), so that what an operator's migrations create
  belongs to the application role, not to the master user;
- `connect_retries` more attempts after one fails or times out, so that a resuming
  Aurora cluster is waited for, within a bound.

Pooled connections (`OPTIONS["pool"]`) get their token from the pool's connection class
(see core.database) and their retries from the pool, which keeps trying until its timeout.
One that has sat in the pool longer than `pool_check_idle_after` seconds, or on whose
socket the server has sent something (as it does when it ends a session), is checked with
an empty query before use and replaced if it is gone; a connection in steady use costs no
round trip beyond the request's own statements.
"""

from __future__ import annotations

import logging
from datetime import UTC
from typing import Any

import psycopg
from django.db.backends.postgresql import base
from django.db.backends.postgresql.psycopg_any import register_tzloader
from psycopg.pq import Format
from psycopg_pool import ConnectionPool

from core.postgresql.credentials import master_credentials, with_iam_token
from core.postgresql.idle import has_pending_input, idle_seconds, mark_returned
from core.postgresql.policy import DEFAULT_NAME, ConnectionPolicy
from core.postgresql.timestamps import TIMESTAMPTZ, utc_context

logger = logging.getLogger(__name__)
# How many times a statement runs on a connection, through `prepared_cursor`, before the
# server is asked to keep it prepared (psycopg's own default). Django turns prepared
# statements off for every connection, for the sake of poolers in transaction mode
# (PgBouncer); this app connects to the database itself, or through its own in-process
# pool. Behind such a pooler, set OPTIONS["prepare_threshold"] = None: it is honoured.
# Prepared, so that the server neither parses nor plans them again, the app answers 9 %
# more calls a second on the median operation (within this machine's noise); with the
# other tricks of the shared resource code, which it works with, 126 % (`make bench
# BENCH_BASELINE=3570ae0`, 2026-12-08; 4 and 11 % alone in docs/benchmarks-93ba3ae.md and
# docs/benchmarks-ff5a95a.md).
PREPARE_THRESHOLD = 5


class DatabaseWrapper(base.DatabaseWrapper):
    """Connect with fresh credentials, as the application role, retrying once."""

    @property
    def policy(self) -> ConnectionPolicy:
        """How this connection connects (settings key POLICY; Django's own defaults if absent)."""
        policy = self.settings_dict.get("POLICY")
        return policy if isinstance(policy, ConnectionPolicy) else ConnectionPolicy()

    def get_connection_params(self) -> dict[str, Any]:
        """Return libpq parameters, with the master secret and session role applied."""
        if secret_arn := self.policy.secret_arn:
            self._use_master_credentials(secret_arn)
        params: dict[str, Any] = super().get_connection_params()
        if "prepare_threshold" not in self.settings_dict["OPTIONS"]:
            params["prepare_threshold"] = PREPARE_THRESHOLD
        if self.timezone is UTC and self.timezone_name == "UTC" and "context" in params:
            params["context"] = utc_context(params["context"])
        if role := self.policy.session_role:
            role_option = f"-c role={_libpq_option_value(role)}"
            params["options"] = f"{params.get('options', '')} {role_option}".strip()
        return params

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        """Open a connection, trying again up to CONNECT_RETRIES times.

        :raises psycopg.OperationalError: when the last attempt fails.
        """
        if self.pool:
            return self._pooled_connection(conn_params)
        region = self.policy.iam_region
        attempts = 1 + self.policy.connect_retries
        for attempt in range(1, attempts + 1):
            params = with_iam_token(conn_params, region) if region else conn_params
            try:
                return super().get_new_connection(params)
            except psycopg.OperationalError as error:
                if attempt == attempts:
                    raise
                # The error's text can name hosts and users; its type says enough.
                logger.warning(
                    "Database connection attempt %d of %d failed (%s); trying again",
                    attempt,
                    attempts,
                    type(error).__name__,
                )
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _pooled_connection(self, conn_params: dict[str, Any]) -> Any:
        """Take a connection from the pool, checking first one that has been idle a while
        or that the server has written to (it is ending it).

        A broken one goes back to the pool, which discards it, and the next is taken: the
        server may have ended every idle connection at once. Once the pool has handed out
        as many as it holds, the next is one it has just opened.
        """
        idle_after = self.policy.pool_check_idle_after
        for _ in range(self.pool.max_size):
            connection = super().get_new_connection(conn_params)
            if idle_after is None or (
                idle_seconds(connection) < idle_after and not has_pending_input(connection)
            ):
                return connection
            try:
                ConnectionPool.check_connection(connection)
            except psycopg.Error:
                self.pool.putconn(connection)
            else:
                return connection
        return super().get_new_connection(conn_params)

    def prepared_cursor(self) -> Any:
        """Return a cursor whose statements the server keeps prepared on this connection.

        It binds parameters server-side, so psycopg prepares each statement once it has
        run PREPARE_THRESHOLD times on the connection, and from then on the server
        skips parsing and planning it. Django's own cursors bind client-side, which
        psycopg never prepares: only what is run through this cursor is affected.
        """
        self.close_if_health_check_failed()
        self.ensure_connection()
        with self.wrap_database_errors:
            cursor = psycopg.Cursor(self.connection)
            # As Django's create_cursor does: a connection whose time zone is not the
            # one Django expects (override_settings in a test) loads in Django's.
            loader = self.connection.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
            if self.timezone != loader.timezone:
                register_tzloader(self.timezone, cursor)
            return self._prepare_cursor(cursor)  # type: ignore[attr-defined]  # not in django-stubs

    def drop_pool(self) -> None:
        """Close this alias's pool and its idle connections, if one was opened.

        Django's `close_pool` opens a pool to close it when there is none; this never opens
        one. The pool is shared by every thread, so any thread may drop it.
        """
        pools = getattr(self, "_connection_pools", {})  # Django's, keyed by alias
        if self.alias in pools:
            self.close_pool()

    def _close(self) -> None:
        """Close the connection, or note when it goes back to the pool."""
        if self.pool and self.connection is not None:
            mark_returned(self.connection)
        super()._close()  # type: ignore[misc]  # django-stubs leaves out this hook

    def _use_master_credentials(self, secret_arn: str) -> None:
        """Take user and password, and unless set, host, port and database, from the secret."""
        secret = master_credentials(secret_arn)
        settings_dict = self.settings_dict
        settings_dict["USER"] = secret["username"]
        settings_dict["PASSWORD"] = secret["password"]
        settings_dict["HOST"] = settings_dict["HOST"] or secret.get("host", "")
        settings_dict["PORT"] = settings_dict["PORT"] or str(secret.get("port", ""))
        # A secret RDS manages itself holds only the user and password: default the rest.
        settings_dict["NAME"] = settings_dict["NAME"] or secret.get("dbname") or DEFAULT_NAME


def _libpq_option_value(value: str) -> str:
    """Escape a value for libpq's `options`, where spaces separate arguments."""
    return value.replace("\\", "\\\\").replace(" ", "\\ ")
