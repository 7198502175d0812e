"""What each per-row speed trick earns a list of 100 todos, switched batch by batch in one
process.

Two of the shared resource code's tricks save a few microseconds on every row of a
page: the repository restores each entity as stored (`restorer`,
core/resources/domain.py) instead of making it with its constructor, which checks it
again, and `utc_timestamp` (core/schemas.py) formats a timestamp's fields in one step
instead of through `isoformat` and string edits. `make bench` sets each beside its
stock twin in a process of its own, batches of different processes seconds apart, and
on a machine whose speed drifts from second to second their shares there come out
within the noise. Both can be switched in a running process, so this puts each beside
its twin in the same process, batch after batch, a different variant first every
round: the Lambda handler (config/aws_lambda/handler.py) answering API Gateway events
for the same user's 100 todos, on PostgreSQL, with the stock code swapped in as `make
bench` swaps it (bench/worker.py `constructed_entity`, `utc_isoformat`). Both forms of
each write the same bytes, which is checked; that the switch takes effect shows in
bench/list_instructions.py's counts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/todo \\
        uv run --isolated --no-default-groups --python 3.13 python bench/list_tricks.py \\
        [--rounds 40] [--write docs/benchmarks-list-tricks.md]

(`--python 3.13`, the Lambda runtime's, where it is installed; the runtime's packages
alone are what it needs.)

It creates and drops a throwaway test database (`test_<name>`).
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.in_process import run, set_up

# The handler's own settings, as on Lambda, beside the benchmark's.
os.environ.setdefault("AWS_REGION", "eu-west-1")
os.environ.setdefault("AWS_LAMBDA_FUNCTION_NAME", "bench-list-tricks")
set_up("timing-the-list-tricks")

from django.db import connection  # noqa: E402

import core.schemas  # noqa: E402
from bench.driver import Invoker, bearer, create_todos, sign_up  # noqa: E402
from bench.worker import constructed_entity, utc_isoformat  # noqa: E402
from core.resources.orm import DjangoRepository  # noqa: E402

ROWS = 100
SHIPPED = "shipped"
CHECKED = "entities made by their constructor"
ISOFORMAT = "timestamps through isoformat"
BOTH = "both stock"
VARIANTS = (SHIPPED, CHECKED, ISOFORMAT, BOTH)


@contextmanager
def checked_entities() -> Iterator[None]:
    """Make each entity the repository reads with its constructor, for a while."""
    restore = DjangoRepository._entity
    DjangoRepository._entity = constructed_entity  # type: ignore[method-assign]
    try:
        yield
    finally:
        DjangoRepository._entity = restore  # type: ignore[method-assign]


@contextmanager
def isoformat_timestamps() -> Iterator[None]:
    """Write timestamps with the stock code, for a while: the function keeps its
    identity, so the schemas and writers that hold it run that code."""
    shipped = core.schemas.utc_timestamp.__code__
    core.schemas.utc_timestamp.__code__ = utc_isoformat.__code__
    try:
        yield
    finally:
        core.schemas.utc_timestamp.__code__ = shipped


def variant(name: str) -> ExitStack:
    """Return the switches of one variant, entered together."""
    stack = ExitStack()
    if name in (CHECKED, BOTH):
        stack.enter_context(checked_entities())
    if name in (ISOFORMAT, BOTH):
        stack.enter_context(isoformat_timestamps())
    return stack


def lists() -> Callable[[], Any]:
    """Sign up a user of its own through the Lambda handler, create its ROWS todos, and
    return the call that lists them (checking that every one is answered)."""
    from config.aws_lambda.handler import handler

    account = sign_up(handler, f"list-tricks-{uuid.uuid4().hex[:8]}@example.com")
    invoke = Invoker(handler, [bearer(account.access_token)])
    create_todos(invoke, ROWS)

    def listed() -> Any:
        page = invoke("GET", "/api/todos")
        if len(page["items"]) != ROWS:
            raise SystemExit("a list did not answer every todo")
        return page

    return listed


def measure(rounds: int, per_round: int) -> dict[str, list[float]]:
    """Return each variant's lists per second, batch by batch, one round at a time."""
    listed = lists()
    shipped_page = listed()
    names = list(VARIANTS)
    for name in names:  # every variant answers the same bytes, or it is not a twin
        with variant(name):
            if listed() != shipped_page:
                raise SystemExit(f"{name}: its page differs from the shipped one")
    results: dict[str, list[float]] = {name: [] for name in names}
    for number in range(rounds):
        shift = number % len(names)  # a different variant goes first each round
        for name in names[shift:] + names[:shift]:
            with variant(name):
                for _ in range(3):  # untimed: the variant's code is warm
                    listed()
                started = time.perf_counter()
                for _ in range(per_round):
                    listed()
                results[name].append(per_round / (time.perf_counter() - started))
    return results


def gains(results: dict[str, list[float]], without: str) -> list[float]:
    """Return, round by round, how much faster the shipped batch was than `without`'s."""
    return [s / w - 1 for s, w in zip(results[SHIPPED], results[without], strict=True)]


def render(results: dict[str, list[float]], rounds: int, per_round: int) -> str:
    """Return the results as a Markdown page."""
    today = datetime.date.today().isoformat()
    with connection.cursor() as cursor:
        number = cursor.connection.info.server_version  # 150020: 15.20
    version = f"{number // 10000}.{number % 100}"
    python = ".".join(map(str, sys.version_info[:3]))
    lines = [
        "# What the per-row tricks earn a list, switched in one process",
        "",
        f"Measured {today} by `bench/list_tricks.py --rounds {rounds}"
        f" --per-round {per_round}` on Python {python}, PostgreSQL {version}: lists of"
        f" {ROWS} todos through the Lambda handler, {rounds} rounds of one batch of"
        f' {per_round} per variant, a different variant first every round. "Faster by" is the'
        " median, over the rounds, of how much faster the shipped batch was than the"
        " variant's of the same round, with the lowest and highest beside it. The"
        " variants differ from the shipped code only by the trick they put back.",
        "",
        "| without | lists per second | shipped, per second | faster by | round by round |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    shipped = statistics.median(results[SHIPPED])
    for name in (CHECKED, ISOFORMAT, BOTH):
        by_round = gains(results, name)
        lines.append(
            f"| {name} | {statistics.median(results[name]):.1f} | {shipped:.1f}"
            f" | {statistics.median(by_round) * 100:+.1f} %"
            f" | {min(by_round) * 100:+.0f} to {max(by_round) * 100:+.0f} % |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    run(__doc__.splitlines()[0], measure, lambda results: list(results.values()), render)


if __name__ == "__main__":
    main()
