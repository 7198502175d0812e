"""Count the SQL statements each API operation sends, through the full HTTP stack.

Runs against a throwaway test database on whatever DATABASE_URL points at (SQLite
when unset) and prints a Markdown table. Usage:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/todo uv run python scripts/sql_statements.py

Statements are counted as Django sends them; connection set-up and transaction
control that the driver adds on its own are not included.
"""

from __future__ import annotations

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

JSON = "application/json"


def count(request: Callable[[], Any], expected_status: int) -> int:
    """Return how many statements `request` sent, after checking it succeeded."""
    with CaptureQueriesContext(connection) as captured:
        response = request()
    assert response.status_code == expected_status, response.content
    return len(captured.captured_queries)


def measure(client: Client) -> list[tuple[str, int]]:
    """Run each operation once on a table of 150 todos and count its statements."""
    for n in range(150):
        client.post("/api/todos", {"title": f"Todo {n}"}, content_type=JSON)
    todo_id = client.get("/api/todos", {"limit": 1}).json()["items"][0]["id"]
    todo = f"/api/todos/{todo_id}"
    return [
        ("GET /api/todos (100 of 150)", count(lambda: client.get("/api/todos"), 200)),
        (
            "GET /api/todos?offset=100 (last page)",
            count(lambda: client.get("/api/todos", {"offset": 100}), 200),
        ),
        ("GET /api/todos/{id}", count(lambda: client.get(todo), 200)),
        (
            "POST /api/todos",
            count(lambda: client.post("/api/todos", {"title": "x"}, content_type=JSON), 201),
        ),
        (
            "PATCH /api/todos/{id}",
            count(lambda: client.patch(todo, {"completed": True}, content_type=JSON), 200),
        ),
        ("DELETE /api/todos/{id}", count(lambda: client.delete(todo), 204)),
        ("GET /api/health", count(lambda: client.get("/api/health"), 200)),
    ]


def main() -> None:
    setup_test_environment()
    original_name = connection.creation.create_test_db(verbosity=0)
    try:
        version = ".".join(map(str, connection.get_database_version()))
        results = measure(Client())
    finally:
        connection.creation.destroy_test_db(original_name, verbosity=0)
        teardown_test_environment()
    print(f"Database: {connection.display_name} {version}, Django {django.__version__}")
    print()
    print("| operation | SQL statements |")
    print("| --- | ---: |")
    for operation, statements in results:
        print(f"| `{operation}` | {statements} |")


if __name__ == "__main__":
    main()
