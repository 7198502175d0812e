"""Database settings: where the database is, who connects and how, and how long to wait.

Four ways to name the database, the first that applies winning:

- `DB_SECRET_ARN`: an operator, through the SSM tunnel, as the master user whose secret
  RDS generated (read by the app itself), acting as the application role;
- `DATABASE_URL`: local runs and CI;
- `DB_HOST`: the Lambda function, as the application role with an IAM token, no password;
- none: SQLite in the project directory.

The backend's own choices (IAM tokens, the secret, the session role, retries, pool
checks) go into one typed value, `DATABASES["default"]["POLICY"]`
(core/postgresql/policy.py), which core/postgresql/base.py reads.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace
from pathlib import Path
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

from core.postgresql.ca_bundle import regional_bundle
from core.postgresql.policy import DEFAULT_NAME, ConnectionPolicy
from core.runtime import on_lambda

ENGINE = "core.postgresql"
DEFAULT_APP_ROLE = "todo_app"
# AWS's bundle of RDS certificate authorities; scripts/update_rds_ca_bundle.py refreshes it.
RDS_CA_BUNDLE = Path(__file__).parent / "postgresql" / "rds-global-bundle.pem"
# API Gateway gives up at 29 s: every connect attempt together must end before that.
AURORA_CONNECT_TIMEOUT = 12
LOCAL_CONNECT_TIMEOUT = 5
POOL_MAX_SIZE = 2
# Seconds a pooled connection may stay idle before the server closes it.
POOL_IDLE_TIMEOUT = 60.0
# A pooled connection idle for longer than this is checked (one empty round trip) before
# a request uses it; a busy function's connections are trusted as they are.
POOL_CHECK_IDLE_AFTER = 10.0


def database_settings(env: environ.Env, *, base_dir: str) -> dict[str, Any]:
    """Return Django's DATABASES["default"] from the environment."""
    secret_arn = env.str("DB_SECRET_ARN", default="")
    url = env.str("DATABASE_URL", default="")
    aurora = bool(secret_arn) or (not url and bool(env.str("DB_HOST", default="")))
    policy = ConnectionPolicy()
    if aurora:
        config, policy = _aurora(env, secret_arn=secret_arn)
    else:
        config = env.db_url_config(url or f"sqlite:///{base_dir}/db.sqlite3")
    config["CONN_MAX_AGE"] = 0  # persistent connections leak under ASGI's thread pool
    if config["ENGINE"] in (ENGINE, "django.db.backends.postgresql"):
        config["POLICY"] = _connect_options(env, config, policy, aurora=aurora)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # A transaction takes SQLite's write lock when it begins, so concurrent ones wait
        # their turn (up to the busy timeout) instead of failing with "database is
        # locked" when a deferred one that has read tries to write (a sign-in's count).
        config.setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    return config


def _aurora(env: environ.Env, *, secret_arn: str) -> tuple[dict[str, Any], ConnectionPolicy]:
    """Return the settings of Aurora PostgreSQL, reached directly or through the tunnel."""
    host = env.str("DB_HOST", default="")
    app_role = env.str("DB_USER", default=DEFAULT_APP_ROLE)
    tls_mode = "verify-ca" if _is_loopback(host) else "verify-full"
    config: dict[str, Any] = {
        "ENGINE": ENGINE,
        "HOST": host,
        "OPTIONS": {
            # Through the tunnel the name is 127.0.0.1, which no certificate names;
            # the chain up to the RDS authorities is still checked.
            "sslmode": env.str("DB_SSLMODE", default=tls_mode),
            # Another bundle of authorities: a copy of RDS's with a test server's added.
            "sslrootcert": env.str("DB_SSLROOTCERT", default=str(RDS_CA_BUNDLE)),
        },
    }
    if secret_arn:  # master credentials, resolved on the first connection
        config.update(
            PORT=env.str("DB_PORT", default=""),
            NAME=env.str("DB_NAME", default=""),
            USER="",
            PASSWORD="",
        )
        return config, ConnectionPolicy(secret_arn=secret_arn, session_role=app_role)
    config.update(
        PORT=env.str("DB_PORT", default="5432"),
        NAME=env.str("DB_NAME", default=DEFAULT_NAME),
        USER=app_role,
        PASSWORD="",
    )
    region = env.str("AWS_REGION")
    # Only the authorities of the cluster's region (core/postgresql/ca_bundle.py): libpq
    # parses the file for each new connection, and the whole bundle costs each one 6.3
    # to 9.5 ms more, while cutting it costs the init 1 to 2 ms, once (`uv run python
    # bench/tls_connect.py`, two runs of 101 connections each, median of pair-by-pair
    # differences, 2026-12-07).
    options = config["OPTIONS"]
    options["sslrootcert"] = regional_bundle(options["sslrootcert"], region)
    return config, ConnectionPolicy(iam_region=region)


def _connect_options(
    env: environ.Env, config: dict[str, Any], policy: ConnectionPolicy, *, aurora: bool
) -> ConnectionPolicy:
    """Set the engine, connect timeout and connection mode of PostgreSQL; return the
    policy with its retries and pool checks."""
    config["ENGINE"] = ENGINE
    timeout = env.int(
        "DB_CONNECT_TIMEOUT", default=AURORA_CONNECT_TIMEOUT if aurora else LOCAL_CONNECT_TIMEOUT
    )
    retries = env.int("DB_CONNECT_RETRIES", default=1)
    policy = replace(policy, connect_retries=retries)
    options = config.setdefault("OPTIONS", {})
    options["connect_timeout"] = timeout
    # Start sessions in UTC, as Django wants them; otherwise Django spends one
    # extra statement on every new connection to set the time zone.
    options.setdefault("options", "-c TimeZone=UTC")
    options["application_name"] = env.str(
        "DB_APPLICATION_NAME", default=options.get("application_name", "todo-api")
    )
    # On Lambda a warm instance reuses its pooled connection; elsewhere (runserver, tests)
    # a connection per request keeps things simple. See docs/lambda.md for the trade-off.
    default_mode = "pool" if on_lambda(env.ENVIRON) else "request"
    mode = env.str("DB_CONNECTION_MODE", default=default_mode)
    if mode == "pool":
        options["pool"] = _pool(policy, timeout=timeout * (1 + retries))
        # An open connection keeps Aurora from pausing, and a function frozen between
        # invocations cannot close its idle ones: the server ends them instead.
        idle = env.float("DB_POOL_IDLE_TIMEOUT", default=POOL_IDLE_TIMEOUT)
        if idle > 0:
            options["options"] += f" -c idle_session_timeout={round(idle * 1000)}"
        # So a pooled connection may be gone when a request comes. The backend checks
        # one that has been idle for a while, not every one (POOL_CHECK_IDLE_AFTER).
        check_after = min(POOL_CHECK_IDLE_AFTER, idle / 2) if idle > 0 else POOL_CHECK_IDLE_AFTER
        policy = replace(policy, pool_check_idle_after=check_after)
    elif mode != "request":
        raise ImproperlyConfigured("DB_CONNECTION_MODE must be request or pool")
    return policy


def _pool(policy: ConnectionPolicy, *, timeout: int) -> dict[str, Any]:
    """Return psycopg pool options: small, and waiting no longer than the connect budget."""
    # No `reset` callback: with one, psycopg returns connections to the pool in a worker
    # thread, which a Lambda function frozen after its response may never run.
    pool: dict[str, Any] = {"min_size": 0, "max_size": POOL_MAX_SIZE, "timeout": timeout}
    if region := policy.iam_region:
        # Imported here: only this configuration needs psycopg while settings load.
        from core.postgresql.credentials import iam_auth_connection_class

        pool["connection_class"] = iam_auth_connection_class(region)
    return pool


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
