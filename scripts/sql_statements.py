"""Count the SQL statements each API operation sends, through the full HTTP stack.

Runs against a throwaway test database on whatever DATABASE_URL points at (SQLite
when unset) and prints a Markdown table. Usage:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/todo uv run python scripts/sql_statements.py
    make sql-statements     # the same, written into docs/sql-statements.md

Statements are counted as Django sends them; connection set-up and transaction
control that the driver adds on its own are not included.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "only-for-counting-sql-statements")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)

from config.composition import adapters  # noqa: E402

JSON = "application/json"
ACCOUNT = {"email": "counter@example.com", "password": "a password to count with"}


class CountedNothing(Exception):
    """An operation that reaches the database was counted at 0 statements: the count is
    broken, not the operation free."""


def count(request: Callable[[], Any], expected_status: int) -> int:
    """Return how many statements `request` sent, after checking it succeeded.

    :raises CountedNothing: when none were counted (every operation here reads or writes).
    """
    with CaptureQueriesContext(connection) as captured:
        response = request()
    assert response.status_code == expected_status, response.content
    if not captured.captured_queries:
        raise CountedNothing(f"{response.request['PATH_INFO']}: no statement counted")
    return len(captured.captured_queries)


def post(client: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(path, body, content_type=JSON, headers=headers)


def measure(client: Client) -> list[tuple[str, int]]:
    """Run each operation once, signed in, on a table of 150 todos; count its statements."""
    accounts = [
        ("POST /api/auth/register", count(lambda: post(client, "/api/auth/register", ACCOUNT), 201))
    ]
    pairs: list[dict[str, Any]] = []

    def sign_in() -> Any:
        response = post(client, "/api/auth/token", ACCOUNT)
        pairs.append(response.json())
        return response

    accounts.append(
        ("POST /api/auth/token (the first: makes the signing key)", count(sign_in, 200))
    )
    accounts.append(("POST /api/auth/token", count(sign_in, 200)))
    refresh = {"refresh_token": pairs[-1]["refresh_token"]}

    def refreshed() -> Any:
        response = post(client, "/api/auth/refresh", refresh)
        pairs.append(response.json())
        return response

    accounts.append(("POST /api/auth/refresh", count(refreshed, 200)))
    bearer = {"Authorization": f"Bearer {pairs[-1]['access_token']}"}
    signed_in = Client(headers=bearer)
    for n in range(150):
        signed_in.post("/api/todos", {"title": f"Todo {n}"}, content_type=JSON)
    todo_id = signed_in.get("/api/todos", {"limit": 1}).json()["items"][0]["id"]
    todo = f"/api/todos/{todo_id}"

    def on_a_new_instance() -> Any:
        adapters.keys.forget()  # no key cached yet, as in a fresh Lambda instance
        return signed_in.get(todo)

    todos = [
        ("GET /api/todos (100 of 150)", count(lambda: signed_in.get("/api/todos"), 200)),
        (
            "GET /api/todos?offset=100 (last page)",
            count(lambda: signed_in.get("/api/todos", {"offset": 100}), 200),
        ),
        ("GET /api/todos/{id}", count(lambda: signed_in.get(todo), 200)),
        ("GET /api/todos/{id}, a new instance (reads the keys)", count(on_a_new_instance, 200)),
        (
            "POST /api/todos",
            count(lambda: signed_in.post("/api/todos", {"title": "x"}, content_type=JSON), 201),
        ),
        (
            "PATCH /api/todos/{id}",
            count(lambda: signed_in.patch(todo, {"completed": True}, content_type=JSON), 200),
        ),
        ("DELETE /api/todos/{id}", count(lambda: signed_in.delete(todo), 204)),
        ("GET /api/health", count(lambda: client.get("/api/health"), 200)),
    ]
    todos += conditional(signed_in)
    logout = {"refresh_token": pairs[-1]["refresh_token"]}
    accounts.append(
        ("POST /api/auth/logout", count(lambda: post(client, "/api/auth/logout", logout), 204))
    )
    return todos + accounts


def conditional(signed_in: Client) -> list[tuple[str, int]]:
    """Count the conditional requests and the creates with an Idempotency-Key."""
    created = signed_in.post("/api/todos", {"title": "Conditional"}, content_type=JSON)
    location = created["Location"]
    etags = [created["ETag"]]

    def patch_if_match() -> Any:
        response = signed_in.patch(
            location, {"completed": True}, content_type=JSON, headers={"If-Match": etags[-1]}
        )
        etags.append(response["ETag"])
        return response

    keyed = {"Idempotency-Key": "counted-1"}

    def create_with_key() -> Any:
        return signed_in.post("/api/todos", {"title": "Once"}, content_type=JSON, headers=keyed)

    return [
        (
            "GET /api/todos/{id} with If-None-Match (304)",
            count(lambda: signed_in.get(location, headers={"If-None-Match": etags[-1]}), 304),
        ),
        ("PATCH /api/todos/{id} with If-Match", count(patch_if_match, 200)),
        (
            "DELETE /api/todos/{id} with If-Match",
            count(lambda: signed_in.delete(location, headers={"If-Match": etags[-1]}), 204),
        ),
        ("POST /api/todos with a new Idempotency-Key", count(create_with_key, 201)),
        ("POST /api/todos, a replay of that key", count(create_with_key, 201)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", type=Path, help="also write the table into this Markdown file")
    args = parser.parse_args()
    setup_test_environment()
    original_name = connection.creation.create_test_db(verbosity=0)
    try:
        version = ".".join(map(str, connection.get_database_version()))
        results = measure(Client())
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
        teardown_test_environment()
    table = "\n".join(
        [
            f"Database: {connection.display_name} {version}, Django {django.__version__}",
            "",
            "| operation | SQL statements |",
            "| --- | ---: |",
            *(f"| `{operation}` | {statements} |" for operation, statements in results),
        ]
    )
    print(table)
    if args.write:
        page = args.write.read_text()
        begin, end = "<!-- sql-statements -->", "<!-- /sql-statements -->"
        before, _, rest = page.partition(begin)
        _, found, after = rest.partition(end)
        if not found:
            raise SystemExit(f"{args.write} has no {begin} ... {end} block to replace")
        today = datetime.date.today().isoformat()
        args.write.write_text(f"{before}{begin}\nMeasured on {today}.\n\n{table}\n{end}{after}")
        print(f"Wrote {args.write}")


if __name__ == "__main__":
    main()
