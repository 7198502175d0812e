"""What the benchmarks that time the app inside their own process share.

`set_up` configures Django for them (the project's settings, quiet logs, a secret of
their own when the shell has none); `run` parses their options, creates a throwaway
test database (`test_<name>` beside DATABASE_URL's), measures, drops it whatever
happens, and prints the page (and writes it, with --write); `signed_in` registers a
user there and returns a test client carrying its access token.
"""

from __future__ import annotations

import argparse
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

Results = TypeVar("Results")


def set_up(purpose: str) -> None:
    """Configure and set up Django for a benchmark that runs the app in this process."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", f"only-for-{purpose}")
    os.environ["LOG_LEVEL"] = "ERROR"
    django.setup()


def signed_in() -> tuple[Any, Any]:
    """Register bench@example.com in the test database; return the user and a test
    client that sends its access token with every request.

    :raises SystemExit: unless the database is PostgreSQL.
    """
    from django.db import connection
    from django.test import Client

    from config.composition import adapters
    from core.identity import services
    from core.identity.tokens import issue_access_token

    if connection.vendor != "postgresql":
        raise SystemExit("Needs PostgreSQL: set DATABASE_URL=postgres://...")
    password = secrets.token_urlsafe(16)
    user = services.register(adapters, email="bench@example.com", password=password)
    token = issue_access_token(
        adapters.keys, adapters.token_policy, user_id=user.id, now=adapters.clock()
    )
    return user, Client(headers={"Authorization": f"Bearer {token}"})


def run(
    description: str,
    measure: Callable[[int, int], Results],
    rates: Callable[[Results], list[list[float]]],
    render: Callable[[Results, int, int], str],
) -> None:
    """Parse --rounds, --per-round and --write; measure on a throwaway test database;
    print the page `render` makes and write it where --write says.

    :raises SystemExit: when any series of `rates(results)` is empty or not positive.
    """
    from django.db import connection
    from django.test.utils import setup_databases, setup_test_environment, teardown_databases

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--per-round", type=int, default=100)
    parser.add_argument("--write", type=Path, help="write the page here too")
    arguments = parser.parse_args()
    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False)
    try:
        results = measure(arguments.rounds, arguments.per_round)
        if any(not series or min(series) <= 0 for series in rates(results)):
            raise SystemExit("a variant measured nothing")
        page = render(results, arguments.rounds, arguments.per_round)
    finally:
        connection.close()
        teardown_databases(databases, verbosity=0)
    print(page)
    if arguments.write:
        arguments.write.write_text(page)
