"""The first request of a new instance, with and without what SnapStart's snapshot holds.

Each run starts a fresh interpreter that imports the handler, as the Lambda runtime does,
then serves `GET /dev/api/todos` from PostgreSQL. Half the runs first do what the
before-snapshot hook does (config/aws_lambda/snapstart.py: the warm-up requests on the
in-memory adapters, then closing connections), as a restored instance would find it
done. Reported: the import, and the first request's own duration, both ways, interleaved.
Neither counts Lambda's restore, which AWS reports per instance as `Restore Duration`.

    uv run python bench/first_request.py [--runs 21]     # prints JSON
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import database
from bench.cold_start import api_event

ROOT = Path(__file__).resolve().parent.parent
CHILD = """
import json, sys, time
started = time.perf_counter()
import config.aws_lambda.handler as entry
imported = time.perf_counter()
if sys.argv[1] == "snapshot":
    from config.aws_lambda import snapstart
    snapstart.before_snapshot(entry.handler)
event = json.loads(sys.stdin.read())
asked = time.perf_counter()
status = entry.handler(event, None)["statusCode"]
answered = time.perf_counter()
assert status == 200, status
print(json.dumps({"import": imported - started, "first_request": answered - asked}))
"""
WAYS = {"imported only": "import", "as restored from a snapshot": "snapshot"}


def run_once(way: str, url: str, event: str) -> dict[str, float]:
    """Start one instance; return its import and first request times, in seconds."""
    result = subprocess.run(
        [sys.executable, "-c", CHILD, way],
        cwd=ROOT,
        env=database.app_environment(url, DB_CONNECTION_MODE="pool", LOG_LEVEL="WARNING"),
        input=event,
        capture_output=True,
        text=True,
        check=True,
    )
    times: dict[str, float] = json.loads(result.stdout.splitlines()[-1])
    return times


def main() -> None:
    """Print medians in milliseconds, for each way."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    url = database.database_url()
    database.prepare(url)
    database.reset_todos(url, 100)
    event = api_event("/api/todos")
    times: dict[str, list[dict[str, float]]] = {name: [] for name in WAYS}
    for _ in range(runs):
        for name, way in WAYS.items():
            times[name].append(run_once(way, url, event))
    report = {
        name: {
            key: round(statistics.median(run[key] for run in values) * 1000, 1)
            for key in ("import", "first_request")
        }
        | {"runs": runs}
        for name, values in times.items()
    }
    print(json.dumps({"median_ms": report}, indent=2))


if __name__ == "__main__":
    main()
