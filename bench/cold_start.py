"""Cold start: wall time from process start to the first response through the handler.

Builds the Lambda bundle for this machine (the same pruned tree, compiled to bytecode as
the zip ships it, for Python 3.13 when it is installed), then starts a fresh interpreter
on it again and again; each imports the handler and serves one `GET /dev/api/todos` (a
page of 100 todos) from the private PostgreSQL cluster (bench/cluster.py). The clock
runs from just before the process is spawned until the response is back.

Apps, started in turn within each run (the order shifts every run), so that a machine
that is slower for a while is slower for all of them:

- "deployed": the bundle as the function runs it: `DB_HOST`, no `DATABASE_URL`, fake AWS
  credentials in the environment, so the first connection imports botocore (from a
  copy of the runtime's AWS SDK beside the bundle, as Lambda's /var/runtime) and signs
  an IAM token, and a TLS handshake verified with `verify-full` against the RDS
  authorities plus the cluster's own. Each run is checked: 100 todos in the answer,
  botocore loaded, and a TLS connection of its application name in the server's log.
- "database_url": the same bundle given a `DATABASE_URL`: plain TCP, no token.
- "calibration": what `django-admin startproject` writes plus one Ninja endpoint that
  reads no database, behind Mangum over Django's stock ASGI handler (bench/plain_app),
  with the same locked packages unpruned. A machine that is slower today shows in it.
- "baseline" (with `--baseline REF`): the bundle built from another commit (`git
  archive` into build/, then that commit's own bundle builder), on the deployed path,
  so a change's cost reads "before and after, same run".

One more deployed run under `python -X importtime` shows where the import time goes.

    uv run python bench/cold_start.py [--runs 21] [--baseline REF]     # prints JSON
"""

from __future__ import annotations

import argparse
import importlib.metadata
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from packaging.requirements import Requirement

from bench import cluster as clusters
from bench import database
from bench.cluster import Cluster
from bench.driver import rest_event
from scripts.build_lambda_bundle import LAMBDA_PYTHON, UV, find_python

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
BUNDLE = BUILD / "lambda-host"
BASELINE_BUNDLE = BUILD / "lambda-host-baseline"
PLAIN_APP = BUILD / "plain-app"
# The AWS SDK the Lambda runtime provides (/var/runtime there), which the bundle leaves out.
RUNTIME_SDK = BUILD / "lambda-runtime-sdk"
ROWS = 100
# What the Lambda runtime does on a cold start: import the handler, then invoke it. The
# second line, written after the clock has stopped, says what the invocation did.
FIRST_INVOCATION = """
import importlib, json, os, sys, types
sys.path[:0] = sys.argv[1].split(os.pathsep)
handler = importlib.import_module(sys.argv[2]).handler
context = types.SimpleNamespace(aws_request_id="cold-start")
response = handler(json.loads(sys.stdin.readline()), context)
print(response["statusCode"], flush=True)
body = json.loads(response.get("body") or "null")
items = len(body["items"]) if isinstance(body, dict) and "items" in body else None
print(json.dumps({"items": items, "botocore": "botocore" in sys.modules}), flush=True)
"""


@dataclass(frozen=True)
class App:
    """One app to start cold, and what its first answer must show."""

    name: str
    paths: tuple[Path, ...]  # sys.path entries, first to last
    module: str
    path: str  # the request: GET /dev<path>
    env: dict[str, str] = field(repr=False)
    items: int | None = None  # the todos the answer lists
    deployed: bool = False  # botocore signed a token; TLS in the server's log

    @property
    def application(self) -> str:
        """The application name its connections carry, to find them in the server log."""
        return self.env.get("DB_APPLICATION_NAME", "")


def lambda_python() -> str:
    """Return a Python 3.13, the Lambda runtime's version, if there is one; else this one.

    The interpreter is one outside any virtual environment, so only the bundle is seen.
    """
    return find_python(LAMBDA_PYTHON, None) or str(getattr(sys, "_base_executable", sys.executable))


def build_bundle(python: str, *, source: Path = ROOT, output: Path = BUNDLE) -> None:
    """Build the bundle of the code in `source`, with its own builder, for this machine."""
    builder = source / "scripts" / "build_lambda_bundle.py"
    subprocess.run(
        [sys.executable, builder, "--platform=host", f"--python={python}", f"--output={output}"],
        cwd=source,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def baseline_source(ref: str) -> tuple[Path, str]:
    """Extract the tree of commit `ref` into build/; return it and the commit's hash."""
    git = ["git", "-C", str(ROOT)]
    commit = subprocess.run(
        [*git, "rev-parse", "--verify", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    source = BUILD / "baseline-source" / commit
    if not source.is_dir():
        archive = subprocess.run([*git, "archive", commit], capture_output=True, check=True)
        staging = source.with_name(f"{commit}.partial")
        shutil.rmtree(staging, ignore_errors=True)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(staging, filter="data")
        staging.rename(source)
    return source, commit


def trust_cluster_in_baseline(bundle: Path, cluster: Cluster) -> None:
    """Append the cluster's authority to the baseline bundle's RDS bundle, for a commit
    that predates DB_SSLROOTCERT (for a later one, the copy goes unused).

    :raises SystemExit: when the bundle has no RDS bundle to append to.
    """
    bundles = list(bundle.rglob("rds-global-bundle.pem"))
    if not bundles:
        raise SystemExit(f"No rds-global-bundle.pem in {bundle}: cannot verify TLS.")
    for pem in bundles:
        pem.write_text(pem.read_text() + cluster.authority.read_text())


def handler_module(bundle: Path) -> str:
    """Return the module of the bundle's Lambda handler (it moved once)."""
    for module in ("config.aws_lambda.handler", "config.lambda_handler"):
        if (bundle / (module.replace(".", "/") + ".py")).is_file():
            return module
    raise SystemExit(f"No Lambda handler module in {bundle}")


def install(python: str, target: Path, requirements: list[str]) -> None:
    """Install binary wheels into `target` for `python`, and compile them."""
    shutil.rmtree(target, ignore_errors=True)
    command = ["pip", "install", "-q", "--only-binary", ":all:", "--python", python]
    subprocess.run([UV, *command, "--target", str(target), *requirements], check=True)
    subprocess.run([python, "-m", "compileall", "-q", str(target)], check=True)


def build_runtime_sdk(python: str) -> None:
    """Install botocore and what it needs, at this project's locked versions."""
    pinned, todo = {}, ["botocore"]
    while todo:
        name = todo.pop()
        if name in pinned:
            continue
        pinned[name] = importlib.metadata.version(name)
        for line in importlib.metadata.requires(name) or []:
            requirement = Requirement(line)
            if not requirement.marker or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    install(python, RUNTIME_SDK, ["--no-deps", *(f"{n}=={v}" for n, v in pinned.items())])


def build_plain_app(python: str) -> None:
    """Install the locked packages, unpruned, beside the calibration app."""
    requirements = PLAIN_APP.with_suffix(".txt")
    export = ["export", "--locked", "--no-default-groups", "--no-emit-project", "--no-hashes"]
    subprocess.run([UV, *export, "-q", "-o", str(requirements)], cwd=ROOT, check=True)
    install(python, PLAIN_APP, ["-r", str(requirements)])
    shutil.copytree(ROOT / "bench" / "plain_app", PLAIN_APP / "plain_app")
    subprocess.run([python, "-m", "compileall", "-q", str(PLAIN_APP / "plain_app")], check=True)


def first_response(python: str, app: App, cluster: Cluster, *flags: str) -> tuple[float, str]:
    """Start a fresh process; return the seconds until its first response, and stderr.

    :raises SystemExit: when the answer, or what reached the server, is not as expected.
    """
    event = json.dumps(rest_event("GET", app.path)) + "\n"
    log_start = cluster.log.end()
    paths = os.pathsep.join(map(str, app.paths))
    with tempfile.TemporaryFile("w+") as stderr:  # a pipe could fill up and stall it
        started = time.perf_counter()
        process = subprocess.Popen(
            [python, "-I", "-S", *flags, "-c", FIRST_INVOCATION, paths, app.module],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=app.env,
            cwd=app.paths[0],
        )
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(event)
        process.stdin.flush()
        status = process.stdout.readline().strip()
        elapsed = time.perf_counter() - started
        output = process.stdout.read()
        process.wait()
        stderr.seek(0)
        errors = stderr.read()
    if status != "200":
        raise SystemExit(f"{app.name}: first response {status or 'missing'}:\n{errors[-3000:]}")
    try:
        did = json.loads(output)
    except json.JSONDecodeError:
        raise SystemExit(f"{app.name}: no report after the response:\n{errors[-3000:]}") from None
    if did["items"] != app.items or did["botocore"] != app.deployed:
        raise SystemExit(f"{app.name}: expected {app.items} todos, botocore {app.deployed}: {did}")
    if app.deployed and not clusters.tls_connections(cluster.log.since(log_start), app.application):
        raise SystemExit(f"{app.name}: the server logged no TLS connection from it.")
    if elapsed <= 0:
        raise SystemExit(f"{app.name}: measured {elapsed} s")
    return elapsed, errors


def import_profile(report: str) -> dict[str, Any]:
    """Return `-X importtime`'s largest self times: by module, and summed by package."""
    by_module: dict[str, int] = {}
    for line in report.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        own, _, name = line.removeprefix("import time:").split("|")
        if own.strip().isdigit():
            by_module[name.strip()] = by_module.get(name.strip(), 0) + int(own)
    if not by_module:
        raise SystemExit("-X importtime reported no import.")
    by_package: dict[str, int] = defaultdict(int)
    for name, us in by_module.items():
        by_package[name.split(".")[0]] += us

    def largest(times: dict[str, int], top: int) -> list[dict[str, Any]]:
        ranked = sorted(times.items(), key=lambda item: item[1], reverse=True)[:top]
        return [{"name": name, "ms": round(us / 1000, 1)} for name, us in ranked]

    return {
        "modules": largest(by_module, 15),
        "packages": largest(by_package, 12),
        "total_ms": round(sum(by_module.values()) / 1000, 1),
    }


def apps(cluster: Cluster, baseline: bool) -> list[App]:
    """Return the apps to start, with the environments they run in."""
    bundle, sdk = (BUNDLE, RUNTIME_SDK), "config.aws_lambda.handler"
    found = [
        App(
            "deployed",
            bundle,
            sdk,
            "/api/todos",
            database.deployed_environment(cluster, "bench-cold-deployed"),
            items=ROWS,
            deployed=True,
        ),
        App(
            "database_url",
            bundle,
            sdk,
            "/api/todos",
            database.database_url_environment(cluster, "bench-cold-database-url"),
            items=ROWS,
        ),
        App(
            "calibration",
            (PLAIN_APP,),
            "plain_app.handler",
            "/api/hello",
            database.lambda_environment(),
        ),
    ]
    if baseline:
        found.append(
            App(
                "baseline",
                (BASELINE_BUNDLE, RUNTIME_SDK),
                handler_module(BASELINE_BUNDLE),
                "/api/todos",
                database.deployed_environment(cluster, "bench-cold-baseline"),
                items=ROWS,
                deployed=True,
            )
        )
    return found


def measure(cluster: Cluster, runs: int, baseline: str | None = None) -> dict[str, Any]:
    """Build the apps, then time `runs` cold starts of each and profile one more."""
    python = lambda_python()
    build_bundle(python)
    build_runtime_sdk(python)
    build_plain_app(python)
    commit = None
    if baseline:
        source, commit = baseline_source(baseline)
        build_bundle(python, source=source, output=BASELINE_BUNDLE)
        trust_cluster_in_baseline(BASELINE_BUNDLE, cluster)
    database.reset_todos(cluster, ROWS)
    started = apps(cluster, baseline=commit is not None)
    for app in started:
        first_response(python, app, cluster)  # warms the file system cache
    times: dict[str, list[float]] = {app.name: [] for app in started}
    for number in range(runs):
        shift = number % len(started)
        for app in started[shift:] + started[:shift]:
            times[app.name].append(first_response(python, app, cluster)[0])
    _, report = first_response(python, started[0], cluster, "-X", "importtime")
    version = subprocess.run([python, "--version"], capture_output=True, text=True, check=True)
    return {
        "python": version.stdout.strip(),
        "runs": runs,
        "baseline": {"ref": baseline, "commit": commit} if commit else None,
        "apps": {
            name: {
                "median_s": round(statistics.median(values), 3),
                "min_s": round(min(values), 3),
                "max_s": round(max(values), 3),
            }
            for name, values in times.items()
        },
        "imports": import_profile(report),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--baseline", help="a git commit to build and time beside this tree")
    args = parser.parse_args()
    with clusters.running() as cluster:
        database.prepare(cluster)
        print(json.dumps(measure(cluster, args.runs, args.baseline), indent=2))


if __name__ == "__main__":
    main()
