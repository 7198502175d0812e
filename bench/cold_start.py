"""Cold start: wall time from process start to the first response through the handler.

Builds the Lambda bundle for this machine (the same pruned tree, compiled to bytecode as
the zip ships it, for Python 3.13 when it is installed), then starts a fresh interpreter
on it again and again; each imports `config.aws_lambda.handler` and serves one
`GET /dev/api/todos` from PostgreSQL. The clock runs from just before the process is
spawned until the response is back. One more run under `python -X importtime` shows
where the import time goes.

For scale, the same runs, interleaved, start a calibration app: what
`django-admin startproject` writes, plus one Ninja endpoint that reads no database,
behind Mangum over Django's stock ASGI handler (bench/plain_app), with the same locked
packages unpruned. A machine that is slower today shows in both.

    uv run python bench/cold_start.py [--runs 21]     # prints JSON
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import database
from bench.driver import CLIENT_IP, GATEWAY
from scripts.build_lambda_bundle import LAMBDA_PYTHON, UV, find_python

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "build" / "lambda-host"
PLAIN_APP = ROOT / "build" / "plain-app"
# What the Lambda runtime does on a cold start: import the handler, then invoke it.
FIRST_INVOCATION = """
import importlib, json, sys, types
sys.path.insert(0, sys.argv[1])
handler = importlib.import_module(sys.argv[2]).handler
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


def build_plain_app(python: str) -> None:
    """Install the locked packages, unpruned, beside the calibration app; compile them."""
    requirements = PLAIN_APP.with_suffix(".txt")
    export = ["export", "--locked", "--no-default-groups", "--no-emit-project", "--no-hashes"]
    subprocess.run([UV, *export, "-q", "-o", str(requirements)], cwd=ROOT, check=True)
    shutil.rmtree(PLAIN_APP, ignore_errors=True)
    install = ["pip", "install", "-q", "--only-binary", ":all:", "--python", python]
    subprocess.run([UV, *install, "--target", str(PLAIN_APP), "-r", str(requirements)], check=True)
    shutil.copytree(ROOT / "bench" / "plain_app", PLAIN_APP / "plain_app")
    subprocess.run([python, "-m", "compileall", "-q", str(PLAIN_APP)], check=True)


def first_response(
    python: str, app: tuple[Path, str], event: str, env: dict[str, str], *flags: str
) -> tuple[float, str]:
    """Start a fresh process and return the seconds until its first response, and stderr."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [python, "-I", "-S", *flags, "-c", FIRST_INVOCATION, str(app[0]), app[1]],
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


def api_event(path: str) -> str:
    """Return the REST API event for GET /dev<path>, as JSON."""
    target = f"{GATEWAY.prefix}{path}"
    event = GATEWAY.event(
        "GET", target, headers={"Accept": "application/json"}, source_ip=CLIENT_IP
    )
    return json.dumps(event)


def measure(runs: int) -> dict[str, Any]:
    """Build both apps, then time `runs` cold starts of each and profile one more of ours."""
    python = lambda_python()
    build_bundle(python)
    build_plain_app(python)
    url = database.database_url()
    database.prepare(url)
    database.reset_todos(url, 100)
    ours = ((BUNDLE, "config.aws_lambda.handler"), api_event("/api/todos"))
    plain = ((PLAIN_APP, "plain_app.handler"), api_event("/api/hello"))
    env = database.app_environment(url)
    for app, event in (ours, plain):
        first_response(python, app, event, env)  # warms the file system cache
    times: dict[str, list[float]] = {"ours": [], "plain": []}
    for _ in range(runs):
        times["ours"].append(first_response(python, *ours, env)[0])
        times["plain"].append(first_response(python, *plain, env)[0])
    _, report = first_response(python, *ours, env, "-X", "importtime")
    version = subprocess.run([python, "--version"], capture_output=True, text=True, check=True)
    return {
        "python": version.stdout.strip(),
        "runs": runs,
        **{
            name: {
                "median_s": round(statistics.median(values), 3),
                "min_s": round(min(values), 3),
                "max_s": round(max(values), 3),
            }
            for name, values in times.items()
        },
        "import_self_time_by_package": import_profile(report),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    print(json.dumps(measure(parser.parse_args().runs), indent=2))


if __name__ == "__main__":
    main()
