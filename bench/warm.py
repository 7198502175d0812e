"""Warm invocations per second through the Lambda handler, and the statements each sends.

Each setup (which code, how it reaches the database, the connection mode, a variant of
the app) runs in a process of its own (bench/worker.py) on a Lambda bundle, with the
Lambda runtime's Python: this tree's bundle, the calibration app's, or, given a
baseline commit, that commit's bundle, driven by this tree's driver code. The process
imports the handler, signs up a user of its own through it when the app has accounts
(register, then sign in: every todo call carries that user's bearer token), creates
ROWS todos through the API, and warms up: one Lambda instance, serving one invocation
at a time. The operations (bench/driver.py: list of 100 rows, get, create, update,
delete; on the shipped app their conditional twins, a create with an Idempotency-Key
and an update and a delete with If-Match, and the account operations, a sign-in with
the right password and a refresh) run in batches of PER_ROUND invocations (a fifth of
that for a sign-in, which hashes a password), interleaved across the setups (the list
batch of every setup, then the get batch of every setup, ..., ROUNDS times over), so a
machine that slows down for a while slows every setup alike; a figure is the median of
an operation's batches. Each round deletes as many todos as it creates, so every list
sees ROWS.

The baseline runs exactly as the "deployed pool" setup runs this tree (DB_HOST, IAM
token, TLS verify-full, pool mode), on a database of its own migrated by its own
migrations (bench/cold_start.py prepare_baseline). A commit from before accounts sends
no token and lists the whole table, which holds its 100 rows; an operation it lacks is
not run, and the report shows it as missing.

The "generated deployed pool" setup runs, exactly as "deployed pool" runs this tree, the
bundle of a copy of this tree in which `manage.py startresource notes` wrote a resource
(bench/generated.py), and drives that resource instead of todos: its list of 100, get,
create, update and delete, and their conditional twins, under the same names, so that a
resource a user generates compares with todos operation by operation, in the same run.

The variants put each of the app's speed tricks beside what it replaces, in the same
run; they are set up in the setup's process, never by a switch in the app:

- "stock ASGI handler": `make_handler(django.core.handlers.asgi.ASGIHandler())` instead
  of the shipped `LambdaASGIHandler` (config/aws_lambda/django_asgi.py);
- "thread hop": the shipped handler sending each request to a worker thread and back
  (`sync_to_async`), instead of calling it on the invoking thread (`synchronously`);
- "ORM queries": a todo repository that builds its queries with the ORM on every call,
  instead of the statements core/resources/orm.py writes once;
- "Ninja answers": views that return the domain's object for Ninja to validate and
  render, instead of JsonWriter's bytes (core/answers.py);
- "Django timestamps": Django's own timestamptz loader instead of psycopg's compiled one
  (core/postgresql/timestamps.py);
- "unprepared statements": connections that never keep a statement prepared, as
  Django's are by default, instead of the repository's prepared ones
  (core/postgresql/base.py PREPARE_THRESHOLD);
- "checked entities": a repository that builds each entity it reads with the entity's
  constructor, which checks it again, instead of restoring it as stored (`restorer`,
  core/resources/domain.py);
- "isoformat timestamps": timestamps written with `isoformat` and string edits instead
  of formatted in one step (core/schemas.py `utc_timestamp`);
- the last six of those at once ("ORM queries" to "isoformat timestamps", the shared
  resource code's): the set of tricks that work together, against its stock twins.

Then statement logging is switched on at the server and each operation runs once more in
each setup; the statements are read from the server's CSV log by application name
(bench/cluster.py), so transaction control and anything sent while connecting count too.
A count of zero stops the benchmark: something is not being measured.

    uv run python bench/warm.py [--rounds 10] [--per-round 100] [--baseline REF]
    uv run python bench/warm.py --rounds 1 --per-round 5           # a quick smoke run

It starts its own PostgreSQL cluster, and prints JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cluster as clusters
from bench import cold_start, database, generated
from bench.cluster import Cluster
from bench.cold_start import (
    BASELINE_BUNDLE,
    BUILD,
    BUNDLE,
    PLAIN_APP,
    RUNTIME_SDK,
    Baseline,
    handler_module,
    head_features,
    lambda_python,
)
from bench.driver import batch_calls
from bench.worker import (
    ALL_STOCK,
    CHECKED_ENTITIES,
    DJANGO_TIMESTAMPS,
    ISOFORMAT_TIMESTAMPS,
    NINJA_ANSWERS,
    ORM_QUERIES,
    SHIPPED,
    STOCK_HANDLER,
    THREAD_HOP,
    UNPREPARED,
)

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 10
PER_ROUND = 100

# The app's code and packages each setup runs: this tree's bundle, the baseline commit's,
# or the calibration app's (all built by bench/cold_start.py), or the bundle of this tree
# with a resource startresource wrote (bench/generated.py), which drives that resource.
HEAD, BASELINE, CALIBRATION = "this tree", "baseline", "calibration"
GENERATED = "generated resource"
BENCH_DIR = Path(__file__).resolve().parent
# What each setup's process imports from this tree, copied alone beside nothing else, so
# that the app's own packages come from the setup's bundle (bench/worker.py).
HARNESS = BUILD / "bench-harness"
HARNESS_FILES = (
    "bench/__init__.py",
    "bench/driver.py",
    "bench/worker.py",
    "scripts/apigateway_events.py",
)


@dataclass(frozen=True)
class Setup:
    """One way of running the app: code, path to the database, connection mode, variant."""

    name: str
    path: str  # "deployed", "database_url", or "calibration" (bench/plain_app, no database)
    mode: str = "pool"
    variant: str = SHIPPED
    code: str = HEAD  # HEAD, BASELINE, CALIBRATION or GENERATED

    @property
    def application(self) -> str:
        """The application name its connections carry, to find them in the server log."""
        return "bench-" + self.name.replace(" ", "-").replace(",", "").replace("'", "")


SETUPS = (
    Setup("deployed pool", "deployed", "pool"),
    Setup("deployed pool stock handler", "deployed", "pool", STOCK_HANDLER),
    Setup("deployed pool thread hop", "deployed", "pool", THREAD_HOP),
    Setup("deployed pool orm queries", "deployed", "pool", ORM_QUERIES),
    Setup("deployed pool ninja answers", "deployed", "pool", NINJA_ANSWERS),
    Setup("deployed pool django timestamps", "deployed", "pool", DJANGO_TIMESTAMPS),
    Setup("deployed pool unprepared", "deployed", "pool", UNPREPARED),
    Setup("deployed pool checked entities", "deployed", "pool", CHECKED_ENTITIES),
    Setup("deployed pool isoformat timestamps", "deployed", "pool", ISOFORMAT_TIMESTAMPS),
    Setup("deployed pool all stock", "deployed", "pool", ALL_STOCK),
    Setup("deployed request", "deployed", "request"),
    Setup("database_url pool", "database_url", "pool"),
    Setup("database_url request", "database_url", "request"),
    Setup("calibration", "calibration", code=CALIBRATION),
    Setup("generated deployed pool", "deployed", "pool", code=GENERATED),
)
# Whose list is profiled (bench/worker.py profile) once the rounds are done.
PROFILED_SETUP, PROFILED_OPERATION = "deployed pool", "list (100 rows)"
# The baseline commit's bundle, run exactly as "deployed pool" runs this tree's.
BASELINE_SETUP = Setup("baseline deployed pool", "deployed", "pool", code=BASELINE)


def build_harness() -> Path:
    """Copy the driver code every setup's process runs into HARNESS; return it."""
    shutil.rmtree(HARNESS, ignore_errors=True)
    for name in HARNESS_FILES:
        (HARNESS / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, HARNESS / name)
    return HARNESS


# --- In the benchmark's process ---------------------------------------------------------


class Worker:
    """A setup's process (bench/worker.py), driven one command at a time."""

    def __init__(
        self, setup: Setup, spec: dict[str, Any], env: dict[str, str], log: IO[str]
    ) -> None:
        self.setup, self.log = setup, log
        self.process = subprocess.Popen(
            [lambda_python(), "-I", "-S", str(HARNESS / "bench" / "worker.py"), json.dumps(spec)],
            env=env,
            cwd=spec["paths"][0],
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


def environment(cluster: Cluster, setup: Setup, baseline: Baseline | None) -> dict[str, str]:
    """Return the environment of a setup's process."""
    extra = {
        "DB_CONNECTION_MODE": setup.mode,
        # A setup sits idle while the others run their batches, which a busy instance
        # never does: the server must not close its pooled connections meanwhile.
        "DB_POOL_IDLE_TIMEOUT": "0",
    }
    if setup.code == CALIBRATION:
        return database.lambda_environment()
    name = baseline.database if setup.code == BASELINE and baseline else database.NAME
    if setup.path == "deployed":
        return database.deployed_environment(cluster, setup.application, database=name, **extra)
    return database.database_url_environment(cluster, setup.application, database=name, **extra)


def worker_spec(setup: Setup, baseline: Baseline | None) -> dict[str, Any]:
    """Return what a setup's process needs to know: where its code is, which handler and
    variant to serve, and what the app offers.

    :raises SystemExit: when the baseline's bundle has no handler it knows (from
        cold_start.handler_module).
    """
    if setup.code == CALIBRATION:
        paths, module, features = [PLAIN_APP], "plain_app.handler", {}
    elif setup.code == BASELINE:
        if baseline is None:
            raise SystemExit("A baseline setup without a baseline.")
        paths = [BASELINE_BUNDLE, RUNTIME_SDK]
        module, features = handler_module(BASELINE_BUNDLE), baseline.features
    else:
        bundle = generated.BUNDLE if setup.code == GENERATED else BUNDLE
        paths = [bundle, RUNTIME_SDK]
        module, features = handler_module(bundle), head_features()
    return {
        "harness": str(HARNESS),
        "paths": [str(path) for path in paths],
        "handler": module,
        "variant": setup.variant,
        "features": features,
        "calibration": setup.code == CALIBRATION,
        "deployed": setup.path == "deployed",
        "application": setup.application,
        # The generated resource's plural, which it drives instead of todos.
        "resource": generated.PLURAL if setup.code == GENERATED else None,
    }


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


def measure(
    cluster: Cluster,
    rounds: int = ROUNDS,
    per_round: int = PER_ROUND,
    baseline: Baseline | None = None,
) -> dict[str, Any]:
    """Return invocations per second and server-side statements, by setup: `rounds`
    batches of each operation in each setup, `per_round` invocations a batch (fewer for
    a sign-in, driver.SHORTER_BATCHES). The bundles must be built (bench/cold_start.py),
    and the generated resource's prepared (bench/generated.py).

    :raises SystemExit: when either is not positive (nothing would be measured), when a
        setup's process dies, or when an operation's batch or statements count nothing.
    """
    if rounds < 1 or per_round < 1:
        raise SystemExit(f"{rounds} rounds of {per_round} calls would measure nothing.")
    build_harness()
    database.empty_todos(cluster)  # each setup creates its user's todos itself
    setups = [*SETUPS, BASELINE_SETUP] if baseline else list(SETUPS)
    if baseline:
        database.empty_todos(cluster, baseline.database)  # left by the cold starts
    seconds: dict[str, dict[str, list[float]]] = {setup.name: {} for setup in setups}
    calls: dict[str, int] = {}
    results: dict[str, Any] = {"rounds": rounds, "per_round": per_round, "setups": {}}
    with tempfile.TemporaryDirectory() as logs:
        workers: list[Worker] = []
        try:
            for setup in setups:
                log = open(Path(logs) / f"{setup.application}.log", "w+")  # noqa: SIM115
                spec = worker_spec(setup, baseline)
                workers.append(Worker(setup, spec, environment(cluster, setup, baseline), log))
            operations = list(dict.fromkeys(op for worker in workers for op in worker.operations))
            for number in range(rounds):
                shift = number % len(workers)  # a different setup goes first each round
                for operation in operations:
                    calls[operation] = batch_calls(operation, per_round)
                    for worker in workers[shift:] + workers[:shift]:
                        if operation in worker.operations:
                            spent = worker.ask(
                                do="batch",
                                operation=operation,
                                first=number * calls[operation],
                                calls=calls[operation],
                            )
                            seconds[worker.setup.name].setdefault(operation, []).append(spent)
            # Where the headline setup's list spends its time, before statement logging
            # (which slows the server) is switched on.
            headline = next(w for w in workers if w.setup.name == PROFILED_SETUP)
            results["list_profile"] = headline.ask(
                do="profile", operation=PROFILED_OPERATION, calls=max(per_round, 20)
            )
            database.set_statement_logging(cluster, enabled=True)
            time.sleep(0.5)  # the server passes the new setting on to open sessions
            for worker in workers:
                setup = worker.setup
                results["setups"][setup.name] = {
                    "path": setup.path,
                    "mode": setup.mode,
                    "variant": setup.variant,
                    "code": setup.code,
                    "per_second": {
                        operation: round(statistics.median(calls[operation] / s for s in spent), 1)
                        for operation, spent in seconds[setup.name].items()
                    },
                    # Batch by batch, in the order they ran: round n of every setup ran
                    # within seconds, so setups compare best round by round.
                    "batch_seconds": seconds[setup.name],
                }
                if setup.code != CALIBRATION:
                    results["setups"][setup.name]["statements"] = statements_per_operation(
                        cluster, worker
                    )
        finally:
            database.set_statement_logging(cluster, enabled=False)
            for worker in workers:
                worker.close()
                worker.log.close()
    results["batch_calls"] = calls
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--per-round", type=int, default=PER_ROUND)
    parser.add_argument("--baseline", help="a git commit to run beside this tree")
    args = parser.parse_args()
    with clusters.running() as cluster:
        database.prepare(cluster)
        python = lambda_python()
        cold_start.build_apps(python)
        generated.prepare(cluster, python)
        baseline = cold_start.prepare_baseline(cluster, python, args.baseline)
        print(json.dumps(measure(cluster, args.rounds, args.per_round, baseline), indent=2))


if __name__ == "__main__":
    main()
