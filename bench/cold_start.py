"""Cold start: wall time from process start to the first response through the handler.

Builds the Lambda bundle for this machine (the same pruned tree, compiled to bytecode as
the zip ships it), then starts a fresh interpreter on it again and again; each imports
`config.lambda_handler` and serves one `GET /dev/api/todos` from PostgreSQL. The clock
runs from just before the process is spawned until the response is back. One more run
under `python -X importtime` shows where the import time goes.

    uv run python bench/cold_start.py [--runs 15]     # prints JSON
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import database
from bench.driver import HOST, STAGE
from scripts.apigateway_events import rest_v1_event
from scripts.build_lambda_bundle import LAMBDA_PYTHON, find_python

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "build" / "lambda-host"
# What the Lambda runtime does on a cold start: import the handler, then invoke it.
FIRST_INVOCATION = """
import json, sys, types
sys.path.insert(0, sys.argv[1])
from config.lambda_handler import handler
context = types.SimpleNamespace(aws_request_id="cold-start")
response = handler(json.loads(sys.stdin.readline()), context)
print(response["statusCode"], flush=True)
"""


def lambda_python() -> str:
    """Return a Python 3.13, the Lambda runtime's version, if there is one; else this one.

    The interpreter is one outside any virtual environment, so only the bundle is seen.
    """
    return find_python(LAMBDA_PYTHON, None) or getattr(sys, "_base_executable", sys.executable)


def build_bundle(python: str) -> None:
    """Build the bundle for this machine's platform and the given Python."""
    build = ["scripts/build_lambda_bundle.py", "--platform=host", f"--python={python}"]
    subprocess.run(
        [sys.executable, *build, f"--output={BUNDLE}"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def first_response(python: str, event: str, env: dict[str, str], *flags: str) -> tuple[float, str]:
    """Start a fresh process and return the seconds until its first response, and stderr."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [python, "-I", "-S", *flags, "-c", FIRST_INVOCATION, str(BUNDLE)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    process.stdin.write(event + "\n")
    process.stdin.flush()
    status = process.stdout.readline().strip()
    elapsed = time.perf_counter() - started
    _, errors = process.communicate()
    if status != "200":
        raise SystemExit(f"First response was {status or 'missing'}:\n{errors[-3000:]}")
    return elapsed, errors


def import_profile(report: str, top: int = 12) -> list[dict[str, Any]]:
    """Sum `-X importtime`'s self times by top-level package; return the largest."""
    by_package: dict[str, int] = defaultdict(int)
    for line in report.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        self_us, name = own.strip(), name.strip()
        if self_us.isdigit():
            by_package[name.split(".")[0]] += int(self_us)
    largest = sorted(by_package.items(), key=lambda item: item[1], reverse=True)[:top]
    return [{"package": name, "ms": round(us / 1000, 1)} for name, us in largest]


def measure(runs: int) -> dict[str, Any]:
    """Build the bundle, then time `runs` cold starts and profile one more."""
    python = lambda_python()
    build_bundle(python)
    url = database.database_url()
    database.prepare(url)
    database.reset_todos(url, 100)
    env = database.app_environment(url)
    event = json.dumps(
        rest_v1_event(
            method="GET",
            target=f"/{STAGE}/api/todos",
            headers=[("Host", HOST), ("Accept", "application/json")],
            body=b"",
            stage=STAGE,
            source_ip="198.51.100.7",
            server_port=443,
        )
    )
    first_response(python, event, env)  # warms the file system cache
    times = [first_response(python, event, env)[0] for _ in range(runs)]
    _, report = first_response(python, event, env, "-X", "importtime")
    version = subprocess.run(
        [python, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return {
        "python": version,
        "runs": runs,
        "median_s": round(statistics.median(times), 3),
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
        "import_self_time_by_package": import_profile(report),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    print(json.dumps(measure(parser.parse_args().runs), indent=2))


if __name__ == "__main__":
    main()
