"""What a new instance spends building the app: this tree against another commit, or
against itself with an environment variable changed.

It runs the Lambda bundle as the function does (`scripts/build_lambda_bundle.py`, built
for this machine with bytecode, on Python 3.13 when installed, the runtime's AWS SDK
beside it), in a fresh interpreter each time, in a function's environment with no
database reached, and times two steps:

- "import": importing the Lambda handler, `django.setup()` included, which is what the
  runtime does before the first invocation;
- "urls": importing the URL configuration, which builds the API's routers and their
  schemas. The handler now loads it while it initialises, so on this tree the step
  finds it loaded and reads about 0; it still shows what an older commit's first
  request paid before anything else.

The two run in turn, run after run, so that a machine busier for a while weighs on
both; the report gives the medians of each and the median of the run-by-run
differences. Use it to decide whether moving or trimming an import pays.

    uv run python bench/startup.py --baseline REF [--runs 31]            # prints JSON
    uv run python bench/startup.py --variant PYDANTIC_DISABLE_PLUGINS=   # this tree, twice
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.cold_start import (
    BUILD,
    RUNTIME_SDK,
    baseline_source,
    build_bundle,
    build_runtime_sdk,
    lambda_python,
)

# Apart from the cold-start benchmark's bundles, so that both may run at once.
BUNDLE = BUILD / "lambda-host-startup"
BASELINE_BUNDLE = BUILD / "lambda-host-startup-baseline"
CHILD = """
import os, sys, time
sys.path[:0] = sys.argv[1].split(os.pathsep)
started = time.perf_counter()
import config.aws_lambda.handler
imported = time.perf_counter()
import config.urls
built = time.perf_counter()
from django.urls import get_resolver
if not get_resolver().url_patterns:
    raise SystemExit("the URL configuration has no pattern")
print(f'{{"import": {imported - started}, "urls": {built - imported}}}')
"""
ENVIRONMENT = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "LANG": "en_US.UTF-8",
    "TZ": ":UTC",
    "AWS_LAMBDA_FUNCTION_NAME": "todo-api-startup",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
    "AWS_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLE",
    "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "DB_HOST": "todo.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com",
    "DB_NAME": "todo",
    "DB_USER": "todo_app",
    "ENV_FILE": os.devnull,
    "LOG_LEVEL": "WARNING",
}


def start(python: str, bundle: Path, environment: dict[str, str]) -> dict[str, float]:
    """Start one interpreter on `bundle`; return its two times, in seconds.

    :raises SystemExit: when the child fails or reports a time that is not positive.
    """
    paths = os.pathsep.join(map(str, (bundle, RUNTIME_SDK)))
    result = subprocess.run(
        [python, "-I", "-S", "-c", CHILD, paths],
        cwd=bundle,
        env=environment,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"{bundle}: the child failed:\n{result.stderr[-3000:]}")
    times: dict[str, float] = json.loads(result.stdout.splitlines()[-1])
    if min(times.values()) <= 0:
        raise SystemExit(f"{bundle}: measured {times}")
    return times


def main() -> None:
    """Print the medians of each and their median difference, in milliseconds."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    against = parser.add_mutually_exclusive_group(required=True)
    against.add_argument("--baseline", help="a git commit to compare this tree with")
    against.add_argument("--variant", metavar="KEY=VALUE", help="compare with this set too")
    parser.add_argument("--runs", type=int, default=31)
    args = parser.parse_args()
    python = lambda_python()
    build_bundle(python, output=BUNDLE)
    if not RUNTIME_SDK.is_dir():  # shared with bench/cold_start.py, which may be running
        build_runtime_sdk(python)
    if args.baseline:
        source, commit = baseline_source(args.baseline)
        build_bundle(python, source=source, output=BASELINE_BUNDLE)
        other = (f"{args.baseline} ({commit[:10]})", BASELINE_BUNDLE, ENVIRONMENT)
    else:
        key, _, value = args.variant.partition("=")
        other = (f"this tree, {key}={value!r}", BUNDLE, {**ENVIRONMENT, key: value})
    setups = {"this tree": (BUNDLE, ENVIRONMENT), other[0]: other[1:]}
    for bundle, environment in setups.values():
        start(python, bundle, environment)  # files in the page cache
    times: dict[str, list[dict[str, float]]] = {name: [] for name in setups}
    for number in range(args.runs):
        order = list(setups.items())[:: 1 if number % 2 else -1]
        for name, (bundle, environment) in order:
            times[name].append(start(python, bundle, environment))
    ours, theirs = times.values()

    def ms(values: list[float]) -> float:
        return round(statistics.median(values) * 1000, 1)

    version = subprocess.run([python, "--version"], capture_output=True, text=True, check=True)
    report = {
        "python": version.stdout.strip(),
        "runs": args.runs,
        "median_ms": {
            name: {step: ms([run[step] for run in runs]) for step in ("import", "urls")}
            for name, runs in times.items()
        },
        f"this tree minus {other[0]}, median of run-by-run differences, ms": {
            step: ms([a[step] - b[step] for a, b in zip(ours, theirs, strict=True)])
            for step in ("import", "urls")
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
