"""Warm invocations per second through the Lambda handler, and the statements each sends.

Each setup (how the app reaches the database, the connection mode, a variant of the app)
runs in a process of its own, which imports the handler, signs up a user of its own
through it (register, then sign in: every todo call carries that user's bearer token),
creates the user's ROWS todos through the API, and warms up: one Lambda instance,
serving one invocation at a time. The operations (list of 100 rows, get, create,
update, delete, and on the shipped app their conditional twins: create with an
Idempotency-Key, update and delete with If-Match; bench/driver.py) run in batches of
PER_ROUND invocations, interleaved across the setups (the list batch of every setup,
then the get batch of every setup, ..., ROUNDS times over), so a machine that slows
down for a while slows every setup alike; a figure is the median of an operation's
batches. Each round deletes as many todos as it creates, so every list sees ROWS.

The variants put each of the app's speed tricks beside what it replaces, in the same
run; they are set up here, in the benchmark's process, never by a switch in the app:

- "stock ASGI handler": `make_handler(django.core.handlers.asgi.ASGIHandler())` instead
  of the shipped `LambdaASGIHandler` (config/aws_lambda/django_asgi.py);
- "QuerySet.delete()": the repository's `delete` through `QuerySet.delete()` instead of
  `_raw_delete` (core/resources/orm.py).

Then statement logging is switched on at the server and each operation runs once more in
each setup; the statements are read from the server's CSV log by application name
(bench/cluster.py), so transaction control and anything sent while connecting count too.
A count of zero stops the benchmark: something is not being measured.

    uv run python bench/warm.py [--rounds 10] [--per-round 100]   # prints JSON
    uv run python bench/warm.py --rounds 1 --per-round 5           # a quick smoke run

It starts its own PostgreSQL cluster.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cluster as clusters
from bench import database
from bench.cluster import Cluster

ROWS = 100
ROUNDS = 10
PER_ROUND = 100
WARM_UP = 20
# Untimed calls before each batch: a setup idle while the others ran theirs checks its
# pooled connection first, which a busy instance does not.
ROUND_WARM_UP = 3
BENCH_DIR = Path(__file__).resolve().parent
# What a variant swaps in stays until its process ends.
_FOR_GOOD = ExitStack()


@dataclass(frozen=True)
class Setup:
    """One way of running the app: path to the database, connection mode, variant."""

    name: str
    path: str  # "deployed", "database_url", or "calibration" (bench/plain_app, no database)
    mode: str = "pool"
    variant: str = "shipped"

    @property
    def application(self) -> str:
        """The application name its connections carry, to find them in the server log."""
        return "bench-" + self.name.replace(" ", "-").replace(",", "").replace("'", "")


SHIPPED = "shipped"
STOCK_HANDLER = "stock ASGI handler"
QUERYSET_DELETE = "QuerySet.delete()"
SETUPS = (
    Setup("deployed pool", "deployed", "pool"),
    Setup("deployed pool stock handler", "deployed", "pool", STOCK_HANDLER),
    Setup("deployed pool queryset delete", "deployed", "pool", QUERYSET_DELETE),
    Setup("deployed request", "deployed", "request"),
    Setup("database_url pool", "database_url", "pool"),
    Setup("database_url request", "database_url", "request"),
    Setup("calibration", "calibration"),
)
BY_NAME = {setup.name: setup for setup in SETUPS}


# --- In the setup's own process --------------------------------------------------------


def shipped() -> Any:
    """Return the handler the function ships."""
    from config.aws_lambda.handler import handler

    return handler


def stock_asgi_handler() -> Any:
    """Return the shipped handler over Django's stock ASGIHandler."""
    from django.core.handlers.asgi import ASGIHandler

    from config.aws_lambda.handler import make_handler

    return make_handler(ASGIHandler())


def queryset_delete() -> Any:
    """Return the shipped handler, serving a repository that deletes with QuerySet.delete().

    The same owner scope and version condition as the shipped `delete`
    (core/resources/orm.py), built by the same method; only the deletion differs.
    """
    handler = shipped()
    from dataclasses import replace
    from uuid import UUID

    from config.composition import adapters, serving
    from todos.adapters.orm import DjangoTodoRepository

    class QuerySetDeleteRepository(DjangoTodoRepository):
        def delete(
            self, owner: UUID, entity_id: UUID, *, versions: frozenset[int] | None = None
        ) -> bool:
            matching = self.mine(owner).filter(pk=entity_id)
            if versions is not None:
                matching = matching.filter(version__in=versions)
            deleted, _ = matching.delete()
            return deleted == 1

    _FOR_GOOD.enter_context(serving(replace(adapters, todos=QuerySetDeleteRepository())))
    if not isinstance(adapters.todos, QuerySetDeleteRepository):
        raise SystemExit("The variant does not serve its repository.")
    return handler


VARIANTS: dict[str, Callable[[], Any]] = {
    SHIPPED: shipped,
    STOCK_HANDLER: stock_asgi_handler,
    QUERYSET_DELETE: queryset_delete,
}


def setup_operations(setup: Setup) -> tuple[Any, dict[str, Callable[[int], Any]]]:
    """Build the setup's invoker and operations, signed in as a user of its own with
    ROWS todos, warmed up.

    The variants run the five base operations only: their tricks' rules look at no other.
    """
    from bench.driver import Invoker, Operation, bearer, create_todos, operations, sign_up

    ops: dict[str, Operation]
    if setup.path == "calibration":
        sys.path.insert(0, str(BENCH_DIR))
        os.environ["DJANGO_SETTINGS_MODULE"] = "plain_app.settings"
        from plain_app.handler import handler

        invoke = Invoker(handler)
        ops = {"hello": lambda n: invoke("GET", "/api/hello")}
    else:
        handler = VARIANTS[setup.variant]()
        _, token = sign_up(handler, f"{setup.application}-{uuid.uuid4().hex[:8]}@example.com")
        invoke = Invoker(handler, [bearer(token)])
        todos = create_todos(invoke, ROWS)
        ops = operations(invoke, todos, conditional=setup.variant == SHIPPED)
    # In this order each create is followed by its delete: the table stays as it was.
    for n in range(WARM_UP):
        for op in ops.values():
            op(n)
    return invoke, ops


def timed_batch(
    invoke: Any, ops: dict[str, Callable[[int], Any]], name: str, first: int, calls: int
) -> float:
    """Run `calls` calls of one operation, numbered from `first`; return the seconds.

    :raises SystemExit: when the handler was not invoked `calls` times.
    """
    warm_up = ops.get("get") or ops[name]  # reads nothing another batch needs
    for n in range(ROUND_WARM_UP):
        warm_up(n)
    op, before, started = ops[name], invoke.calls, time.perf_counter()
    for n in range(first, first + calls):
        op(n)
    seconds = time.perf_counter() - started
    if calls <= 0 or invoke.calls - before != calls or seconds <= 0:
        raise SystemExit(f"{name}: {invoke.calls - before} invocations timed, not {calls}")
    return seconds


def serve_commands(setup: Setup) -> None:
    """Warm up, then run the batches and single calls the benchmark asks for on stdin."""
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever else prints goes to the log with the app's own lines
    invoke, ops = setup_operations(setup)
    replies.write(json.dumps({"operations": list(ops)}) + "\n")
    for line in sys.stdin:
        command = json.loads(line)
        if command["do"] == "batch":
            spent = timed_batch(
                invoke, ops, command["operation"], command["first"], command["calls"]
            )
            replies.write(json.dumps(spent) + "\n")
        elif command["do"] == "once":
            ops[command["operation"]](command["n"])
            replies.write("{}\n")


# --- In the benchmark's process ---------------------------------------------------------


class Worker:
    """A setup's process, driven one command at a time."""

    def __init__(self, setup: Setup, env: dict[str, str], log: IO[str]) -> None:
        self.setup, self.log = setup, log
        self.process = subprocess.Popen(
            [sys.executable, __file__, setup.name],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        self.operations: list[str] = self.reply()["operations"]

    def reply(self) -> Any:
        """Return the process's next answer.

        :raises SystemExit: when it ended instead, with the end of its log.
        """
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            self.log.flush()
            self.log.seek(0)
            raise SystemExit(f"{self.setup.name} failed:\n{self.log.read()[-3000:]}")
        return json.loads(line)

    def ask(self, **command: Any) -> Any:
        """Send a command and return its answer."""
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return self.reply()

    def close(self) -> None:
        """End the process."""
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def environment(cluster: Cluster, setup: Setup) -> dict[str, str]:
    """Return the environment of a setup's process."""
    extra = {
        "DB_CONNECTION_MODE": setup.mode,
        # A setup sits idle while the others run their batches, which a busy instance
        # never does: the server must not close its pooled connections meanwhile.
        "DB_POOL_IDLE_TIMEOUT": "0",
    }
    if setup.path == "deployed":
        return database.deployed_environment(cluster, setup.application, **extra)
    return database.database_url_environment(cluster, setup.application, **extra)


def statements_per_operation(cluster: Cluster, worker: Worker) -> dict[str, Any]:
    """Return what one call of each operation sends to the server, in steady use.

    Two calls first: a pool of two connections hands them out in turn, and checks one
    that sat idle before use, which a busy instance does not.

    :raises SystemExit: when an operation's call shows no statement in the log.
    """
    counted = {}
    for number, operation in enumerate(worker.operations):
        n = 10**6 + 3 * number  # past every number the batches used
        for warm_up in (n, n + 1):
            worker.ask(do="once", operation=operation, n=warm_up)
        start = cluster.log.end()
        worker.ask(do="once", operation=operation, n=n + 2)
        sent = clusters.statements(cluster.log.since(start), worker.setup.application)
        if not sent:
            raise SystemExit(
                f"{worker.setup.name}: the server log shows no statement for {operation}."
            )
        counted[operation] = {"count": len(sent), "sent": [s[:120] for s in sent]}
    return counted


def measure(cluster: Cluster, rounds: int = ROUNDS, per_round: int = PER_ROUND) -> dict[str, Any]:
    """Return invocations per second and server-side statements, by setup: `rounds`
    batches of `per_round` invocations of each operation in each setup.

    :raises SystemExit: when either is not positive: nothing would be measured.
    """
    if rounds < 1 or per_round < 1:
        raise SystemExit(f"{rounds} rounds of {per_round} calls would measure nothing.")
    database.empty_todos(cluster)  # each setup creates its user's todos itself
    seconds: dict[str, dict[str, list[float]]] = {setup.name: {} for setup in SETUPS}
    results: dict[str, Any] = {"rounds": rounds, "per_round": per_round, "setups": {}}
    with tempfile.TemporaryDirectory() as logs:
        workers: list[Worker] = []
        try:
            for setup in SETUPS:
                log = open(Path(logs) / f"{setup.application}.log", "w+")  # noqa: SIM115
                workers.append(Worker(setup, environment(cluster, setup), log))
            operations = list(dict.fromkeys(op for worker in workers for op in worker.operations))
            for number in range(rounds):
                shift = number % len(workers)  # a different setup goes first each round
                for operation in operations:
                    for worker in workers[shift:] + workers[:shift]:
                        if operation in worker.operations:
                            spent = worker.ask(
                                do="batch",
                                operation=operation,
                                first=number * per_round,
                                calls=per_round,
                            )
                            seconds[worker.setup.name].setdefault(operation, []).append(spent)
            database.set_statement_logging(cluster, enabled=True)
            time.sleep(0.5)  # the server passes the new setting on to open sessions
            for worker in workers:
                setup = worker.setup
                results["setups"][setup.name] = {
                    "path": setup.path,
                    "mode": setup.mode,
                    "variant": setup.variant,
                    "per_second": {
                        operation: round(statistics.median(per_round / s for s in spent), 1)
                        for operation, spent in seconds[setup.name].items()
                    },
                    # Batch by batch, in the order they ran: round n of every setup ran
                    # within seconds, so setups compare best round by round.
                    "batch_seconds": seconds[setup.name],
                }
                if setup.path != "calibration":
                    results["setups"][setup.name]["statements"] = statements_per_operation(
                        cluster, worker
                    )
        finally:
            database.set_statement_logging(cluster, enabled=False)
            for worker in workers:
                worker.close()
                worker.log.close()
    return results


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in BY_NAME:  # a setup's own process
        serve_commands(BY_NAME[sys.argv[1]])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--per-round", type=int, default=PER_ROUND)
    args = parser.parse_args()
    with clusters.running() as cluster:
        database.prepare(cluster)
        print(json.dumps(measure(cluster, args.rounds, args.per_round), indent=2))


if __name__ == "__main__":
    main()
