"""What the owner scope's is-active check costs: warm calls per second with and without it.

Every statement of a resource's repository keeps to the owner's rows while the owner is
an active user, with `EXISTS (SELECT 1 FROM users WHERE id = owner_id AND is_active)`
in the statement itself (core/resources/orm.py), so a deactivated user is refused at
once, whatever token it still holds. This times list (100 rows), get and update
through Django's full HTTP stack on PostgreSQL, in interleaved batches, with the
shipped statements and with the same statements without that EXISTS (which would let
a deactivated user's live access token keep working until it expires): how much of a
call the check is.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/todo \\
        uv run python bench/owner_scope.py [--rounds 8] [--write docs/benchmarks-owner-scope.md]

It creates and drops a throwaway test database (`test_<name>`).
"""

from __future__ import annotations

import datetime
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.in_process import run, set_up, signed_in

set_up("timing-the-owner-scope")

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from core.postgresql.base import PREPARE_THRESHOLD  # noqa: E402
from core.resources.orm import statements  # noqa: E402
from todos.adapters.orm import DjangoTodoRepository  # noqa: E402

ROWS = 100
SHIPPED, UNCHECKED = "shipped: the owner's rows while the owner is active", "the owner's rows"


class UncheckedRepository(DjangoTodoRepository):
    """The shipped repository, its owner scope without the is-active EXISTS."""

    def __init__(self) -> None:
        super().__init__()
        owner = self._column("owner")
        self._mine = f"{owner} = %s"
        # The same parameters as the shipped read scope: the owner, twice.
        self._reading = f"{owner} = %s AND {owner} = %s"
        self._get = (
            f"SELECT {self._select} FROM {self._table}"  # noqa: S608 (the model's names)
            f" WHERE {self._column('id')} = %s AND {self._reading}"
        )


def measure(rounds: int, per_round: int) -> dict[str, dict[str, list[float]]]:
    """Return each variant's calls per second, by operation, batch by batch."""
    from config.composition import adapters, serving

    user, client = signed_in()
    ids = []
    for n in range(ROWS):
        answer = client.post("/api/todos", {"title": f"Todo {n}"}, content_type="application/json")
        ids.append(answer.json()["id"])

    def listed(n: int) -> None:
        if len(client.get("/api/todos").json()["items"]) != ROWS:
            raise SystemExit("a list did not answer every todo")

    def got(n: int) -> None:
        if client.get(f"/api/todos/{ids[n % ROWS]}").status_code != 200:
            raise SystemExit("a get did not answer 200")

    def updated(n: int) -> None:
        answer = client.patch(
            f"/api/todos/{ids[n % ROWS]}", {"completed": n % 2 == 0}, "application/json"
        )
        if answer.status_code != 200:
            raise SystemExit("an update did not answer 200")

    operations: dict[str, Callable[[int], None]] = {
        "list (100 rows)": listed,
        "get": got,
        "update": updated,
    }
    variants = {SHIPPED: DjangoTodoRepository(), UNCHECKED: UncheckedRepository()}
    for name, repository in variants.items():
        with (
            serving(replace(adapters, todos=repository)),
            CaptureQueriesContext(connection) as sent,
        ):
            for operation in operations.values():
                operation(0)
        checked = all("EXISTS" in query["sql"] for query in sent.captured_queries)
        if checked != (name == SHIPPED):
            raise SystemExit(f"{name}: its statements are not the ones this page describes")

    results: dict[str, dict[str, list[float]]] = {name: {} for name in variants}
    # The statements alone, sent straight to the server as the repository sends them
    # (prepared once run often enough): the check's own cost, apart from a request's.
    for _ in range(rounds):
        for name, repository in variants.items():
            page = repository._page(())
            got_one = repository._get
            for label, sql, params in (
                # The total's owner, the page's (twice), the window.
                ("list statement", page, [user.id, user.id, user.id, ROWS, 0]),
                ("get statement", got_one, [ids[0], user.id, user.id]),
            ):
                with statements() as cursor:  # as the repository sends them: prepared
                    for _ in range(PREPARE_THRESHOLD + 2):
                        cursor.execute(sql, params)
                        cursor.fetchall()
                    started = time.perf_counter()
                    for _ in range(per_round):
                        cursor.execute(sql, params)
                        if not cursor.fetchall():
                            raise SystemExit(f"{name}: the {label} found nothing")
                    spent = time.perf_counter() - started
                results[name].setdefault(label, []).append(per_round / spent)
    calls = 0
    for _ in range(rounds):
        for op_name, operation in operations.items():
            for name, repository in variants.items():
                with serving(replace(adapters, todos=repository)):
                    for n in range(3):  # untimed: the variant's statements are prepared
                        operation(n)
                    started = time.perf_counter()
                    for n in range(per_round):
                        operation(calls + n)
                    spent = time.perf_counter() - started
                calls += per_round
                results[name].setdefault(op_name, []).append(per_round / spent)
    return results


def render(results: dict[str, dict[str, list[float]]], rounds: int, per_round: int) -> str:
    """Return the results as a Markdown page."""
    today = datetime.date.today().isoformat()
    with connection.cursor() as cursor:
        version = cursor.connection.info.server_version
    lines = [
        "# What the owner scope's is-active check costs",
        "",
        f"Measured {today} by `uv run python bench/owner_scope.py` on PostgreSQL ({version}):"
        " the repository's statements alone (sent as the repository sends them, prepared)"
        f" and calls through Django's HTTP stack, {rounds} interleaved batches of {per_round}"
        f' per variant and operation, a user with {ROWS} todos. "Cost" is the median,'
        " over the rounds, of how much longer the shipped batch took than the unchecked"
        " one of the same round.",
        "",
        f"| operation | {SHIPPED}, per second | {UNCHECKED}, per second | cost of the check |",
        "| --- | ---: | ---: | ---: |",
    ]
    for op_name in results[SHIPPED]:
        shipped, unchecked = results[SHIPPED][op_name], results[UNCHECKED][op_name]
        cost = statistics.median(u / s for s, u in zip(shipped, unchecked, strict=True)) - 1
        lines.append(
            f"| {op_name} | {statistics.median(shipped):.1f} | {statistics.median(unchecked):.1f}"
            f" | {cost * 100:+.1f} % |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    run(
        __doc__.splitlines()[0],
        measure,
        lambda results: [r for ops in results.values() for r in ops.values()],
        render,
    )


if __name__ == "__main__":
    main()
