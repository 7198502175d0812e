"""Database settings: where the database is and how long to wait for it."""

from __future__ import annotations

from typing import Any

import environ


def database_settings(env: environ.Env, *, base_dir: str) -> dict[str, Any]:
    """Return Django's DATABASES["default"] from DATABASE_URL (SQLite when unset).

    A short connect timeout lets a dead or paused database answer 503 in seconds
    rather than hang until the caller gives up.
    """
    config: dict[str, Any] = env.db_url("DATABASE_URL", default=f"sqlite:///{base_dir}/db.sqlite3")
    config["CONN_MAX_AGE"] = 0  # persistent connections leak under ASGI's thread pool
    if config["ENGINE"] == "django.db.backends.postgresql":
        options = config.setdefault("OPTIONS", {})
        options["connect_timeout"] = env.int("DB_CONNECT_TIMEOUT", default=5)
        # Start sessions in UTC, as Django wants them; otherwise Django spends one
        # extra statement on every new connection to set the time zone.
        options.setdefault("options", "-c TimeZone=UTC")
    return config
