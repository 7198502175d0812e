"""Warm invocations per second through the Lambda handler, and the statements each sends.

For each connection mode, a fresh process imports the handler, warms it up, then runs
every operation in turn (list of 100 rows, get, create, update, delete) on a table of 100
todos, one invocation at a time as a Lambda instance serves them. Statements are counted
at the PostgreSQL server, from its log with `log_statement = all`: transaction control
and anything sent while connecting are included.

    uv run python bench/warm.py     # both connection modes; prints JSON
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import database

MODES = ("request", "pool")
ROWS = 100
ROUNDS = 5
PER_ROUND = 200
WARM_UP = 50


def rates_in_this_process(ids: list[str]) -> dict[str, float]:
    """Return the median invocations per second of each operation."""
    from bench.driver import Invoker, operations

    ops = operations(Invoker(), ids)
    for n in range(WARM_UP):
        ops["list (100 rows)"](n)
        ops["get"](n)
    return {name: median_rate(op) for name, op in ops.items()}


def calibration_rate() -> float:
    """Return the calibration app's invocations per second (bench/plain_app, no database)."""
    sys.path.insert(0, str(Path(__file__).parent))
    os.environ["DJANGO_SETTINGS_MODULE"] = "plain_app.settings"
    from plain_app.handler import handler

    from bench.driver import Invoker

    invoke = Invoker(handler)
    for _ in range(WARM_UP):
        invoke("GET", "/api/hello")
    return median_rate(lambda n: invoke("GET", "/api/hello"))


def median_rate(op: Any) -> float:
    """Run `op` for ROUNDS rounds of PER_ROUND calls; return the median calls per second."""
    per_round = []
    for round_number in range(ROUNDS):
        started = time.perf_counter()
        for n in range(PER_ROUND):
            op(round_number * PER_ROUND + n)
        per_round.append(PER_ROUND / (time.perf_counter() - started))
    return round(statistics.median(per_round), 1)


def statements_in_this_process(ids: list[str], log: Path) -> dict[str, Any]:
    """Return what one call of each operation sent to the server, as its log shows."""
    from bench.driver import Invoker, operations

    ops = operations(Invoker(), ids)
    return {name: server_statements(op, log) for name, op in ops.items()}


def server_statements(op: Any, log: Path) -> dict[str, Any]:
    """Run `op` once and read, from the server log, what it sent to the benchmark database."""
    database_marker = f"@{database.database_url().rsplit('/', 1)[-1]} "
    op(0)  # the same operation once more first, so pooled connections exist in pool mode
    start = log.stat().st_size
    op(1)
    time.sleep(0.2)  # the server writes its log line after answering
    with log.open("rb") as lines:
        lines.seek(start)
        mine = [line.decode(errors="replace") for line in lines if database_marker in str(line)]
    sent = [line.split("LOG:", 1)[1].strip() for line in mine if " LOG:  " in line]
    statements = [s for s in sent if s.startswith(("statement:", "execute"))]
    return {"count": len(statements), "sent": [s[:120] for s in statements]}


def in_fresh_process(task: str, mode: str, url: str, log: Path) -> Any:
    """Run `task` (rates, statements or calibration) in a fresh process, in one mode."""
    ids = database.reset_todos(url, ROWS)
    env = database.app_environment(url, DB_CONNECTION_MODE=mode, BENCH_IDS=json.dumps(ids))
    done = subprocess.run(
        [sys.executable, __file__, task, str(log)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(f"{task} in {mode} mode failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure() -> dict[str, Any]:
    """Return invocations per second and server-side statements, by connection mode."""
    url = database.database_url()
    database.prepare(url)
    log = database.server_log(url)
    results: dict[str, Any] = {
        mode: {"per_second": in_fresh_process("rates", mode, url, log)} for mode in MODES
    }
    results["calibration_per_second"] = in_fresh_process("calibration", "request", url, log)
    # Statement logging slows the server down, so it is on only while statements are counted.
    database.set_statement_logging(url, enabled=True)
    try:
        for mode in MODES:
            results[mode]["statements"] = in_fresh_process("statements", mode, url, log)
    finally:
        database.set_statement_logging(url, enabled=False)
    return results


def main() -> None:
    task = sys.argv[1] if len(sys.argv) > 1 else ""
    ids = json.loads(os.environ.get("BENCH_IDS", "[]"))
    if task == "rates":
        print(json.dumps(rates_in_this_process(ids)))
    elif task == "calibration":
        print(json.dumps(calibration_rate()))
    elif task == "statements":
        print(json.dumps(statements_in_this_process(ids, Path(sys.argv[2]))))
    else:
        print(json.dumps(measure(), indent=2))


if __name__ == "__main__":
    main()
