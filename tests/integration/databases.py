"""Database settings built from a given environment, and connections made from them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import environ
import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from core.database import database_settings


def settings_from(**variables: str) -> dict[str, Any]:
    """Return DATABASES["default"] as the app derives it from exactly these variables."""
    env = environ.Env()
    env.ENVIRON = variables
    return database_settings(env, base_dir="/srv/app")


def local_server(database: str = "postgres") -> dict[str, str]:
    """Return the server the tests run against, and one of its databases, as DB_* variables."""
    here = connection.settings_dict
    return {
        "DB_HOST": here["HOST"] or "127.0.0.1",
        "DB_PORT": str(here["PORT"] or 5432),
        "DB_NAME": database,
        "DB_USER": here["USER"] or "postgres",
    }


def point_database_at(port: int, **options: Any) -> Iterator[None]:
    """Point the default connection at 127.0.0.1:`port` until the test ends."""
    saved = connection.settings_dict.copy()
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(port))
    connection.settings_dict["OPTIONS"] = {**saved.get("OPTIONS", {}), **options}
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def server_connection(database: str = "postgres", **options: Any) -> psycopg.Connection[Any]:
    """Connect to the tests' server outside Django, as the tests' own user."""
    here = connection.settings_dict
    params = {
        "host": here["HOST"] or "127.0.0.1",
        "port": here["PORT"] or 5432,
        "user": here["USER"] or None,
        "password": here["PASSWORD"] or None,
        "dbname": database,
        "autocommit": True,
    }
    return psycopg.connect(**{**params, **options})


@contextmanager
def database_alias(alias: str, config: dict[str, Any]) -> Iterator[BaseDatabaseWrapper]:
    """Make `config` a database alias of its own, as `--database` names one.

    Outside pytest-django's test databases: use it with the `database_access` fixture.
    """
    configured = connections.configure_settings({DEFAULT_DB_ALIAS: config})[DEFAULT_DB_ALIAS]
    connections.settings[alias] = configured
    try:
        yield connections[alias]
    finally:
        wrapper = connections[alias]
        wrapper.close()
        if getattr(wrapper, "pool", None):
            wrapper.close_pool()
        del connections[alias]
        del connections.settings[alias]
