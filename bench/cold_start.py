"""Cold start: wall time from process start to the first response through the handler.

Builds the Lambda bundle for this machine (the same pruned tree, compiled to bytecode as
the zip ships it, for Python 3.13 when it is installed), then starts a fresh interpreter
on it again and again; each imports the handler and serves one `GET /dev/api/todos` (a
page of 100 todos) from the private PostgreSQL cluster (bench/cluster.py), signed in: the
request carries the bearer token of a user whose 100 todos are the whole table. The
token is issued once per run, before any clock starts, by a process on the same bundle
that registers the user and signs in; the rows are then written in SQL for that owner.
A fresh instance verifies the token with a signing key it has not read yet: that one
SELECT is part of what is measured. The clock runs from just before the process is
spawned until the response is back.

Apps, started in turn within each run (the order shifts every run), so that a machine
that is slower for a while is slower for all of them:

- "deployed": the bundle as the function runs it: `DB_HOST`, no `DATABASE_URL`, fake AWS
  credentials in the environment, so the first connection signs an IAM token with the
  standard library (core/postgresql/iam_token.py), and a TLS handshake verified with
  `verify-full` against the RDS authorities plus the cluster's own. A copy of the
  runtime's AWS SDK sits beside the bundle, as Lambda's /var/runtime, and must stay
  unused. Each run is checked: 100 todos in the answer, botocore not loaded, the
  connection's password an IAM token, and a TLS connection of its application name in
  the server's log.
- "first response": the same bundle on the deployed path, answering `GET /dev/api/health`
  (one `SELECT 1`, no token): the lightest request that still goes through the whole app
  and to the database, set beside the calibration app's first response.
- "restored": the same, as an instance restored from a SnapStart snapshot finds itself
  (config/aws_lambda/snapstart.py): in one process the handler is imported and
  `before_snapshot(handler)` runs, untimed, as Lambda runs it before the snapshot; the
  process then says so, the clock starts, the event is sent, and the process runs
  `after_restore()` and then the handler. Lambda's own restore (loading the snapshot,
  its `Restore Duration`) is not part of this, nor measurable here.
- "database_url": the same bundle given a `DATABASE_URL`: plain TCP, no token.
- "calibration": what `django-admin startproject` writes plus one Ninja endpoint that
  reads no database, behind Mangum over Django's stock ASGI handler (bench/plain_app),
  with the same locked packages unpruned. A machine that is slower today shows in it.
- "baseline" (with `--baseline REF`): the bundle built from another commit (`git
  archive` into build/, then that commit's own bundle builder), on the deployed path,
  so a change's cost reads "before and after, same run". It serves a database of its
  own, migrated by its own migrations (its schema may differ from this tree's), and
  its token is issued by its own handler. A commit from before accounts is sent no
  token and lists the whole table, which holds the same 100 rows. Whether it loads
  botocore is not checked: an older commit signed its tokens with it.

One more deployed run under `python -X importtime` shows where the import time goes, and
one more run of "deployed" and of "restored" with `log_statement = all` counts what their
first request sends to the server.

    uv run python bench/cold_start.py [--runs 21] [--baseline REF]     # prints JSON
"""

from __future__ import annotations

import argparse
import importlib.metadata
import io
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from packaging.requirements import Requirement

from bench import cluster as clusters
from bench import database
from bench.cluster import Cluster
from bench.driver import HEADERS, bearer, rest_event
from scripts.build_lambda_bundle import LAMBDA_PYTHON, UV, find_python

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build"
BUNDLE = BUILD / "lambda-host"
BASELINE_BUNDLE = BUILD / "lambda-host-baseline"
PLAIN_APP = BUILD / "plain-app"
# The AWS SDK the Lambda runtime provides (/var/runtime there), which the bundle leaves out.
RUNTIME_SDK = BUILD / "lambda-runtime-sdk"
ROWS = 100
# What the Lambda runtime does on a cold start: import the handler, then invoke it.
# argv: sys.path entries, the handler's module, "cold" or "restored", and whether to look
# at the database connection afterwards. "restored" first runs the before-snapshot hook
# and says so on stdout, then waits for the event and runs the after-restore hook before
# the handler. The line after the status, written after the clock has stopped, says
# what the invocation did.
CHILD = """
import importlib, json, logging, os, sys, types
paths, module, mode, probe = sys.argv[1:5]
sys.path[:0] = paths.split(os.pathsep)
handler = importlib.import_module(module).handler
context = types.SimpleNamespace(aws_request_id="cold-start")
snapshot = None
if mode == "restored":
    from config.aws_lambda import snapstart
    kept = []
    class Keep(logging.Handler):
        def emit(self, record):
            kept.append((record.levelname, record.getMessage()))
    logging.getLogger(snapstart.__name__).addHandler(Keep())
    snapstart.before_snapshot(handler)
    snapshot = kept
    print("snapshot", flush=True)
event = json.loads(sys.stdin.readline())
if mode == "restored":
    snapstart.after_restore()
response = handler(event, context)
print(response["statusCode"], flush=True)
body = json.loads(response.get("body") or "null")
items = len(body["items"]) if isinstance(body, dict) and "items" in body else None
signed = None
if probe == "probe":
    from django.db import connection
    connection.ensure_connection()  # the pooled connection the request used
    signed = "X-Amz-Signature=" in (connection.connection.info.password or "")
print(json.dumps({
    "items": items,
    "botocore": "botocore" in sys.modules,
    "iam_token": "core.postgresql.iam_token" in sys.modules,
    "signed": signed,
    "snapshot": snapshot,
}), flush=True)
"""
# What a process on the bundle does to sign a user up: serve the events it is sent, one
# a line, and answer each with its status and body.
SERVE_EVENTS = """
import importlib, json, os, sys, types
sys.path[:0] = sys.argv[1].split(os.pathsep)
handler = importlib.import_module(sys.argv[2]).handler
context = types.SimpleNamespace(aws_request_id="bench-sign-up")
for line in sys.stdin:
    response = handler(json.loads(line), context)
    print(json.dumps([response["statusCode"], response.get("body")]), flush=True)
"""
# What the before-snapshot hook logs when its warm-up answered as it expects.
WARMED_UP = "requests answered as expected"


@dataclass(frozen=True)
class App:
    """One app to start cold, and what its first answer must show."""

    name: str
    paths: tuple[Path, ...]  # sys.path entries, first to last
    module: str
    path: str  # the request: GET /dev<path>
    env: dict[str, str] = field(repr=False)
    # What the child's report must say, key by key (bench/cold_start.py CHILD); a key
    # left out is not checked.
    expect: dict[str, Any] = field(default_factory=dict)
    tls: bool = False  # a TLS connection of its application name in the server's log
    restored: bool = False  # before_snapshot, untimed; after_restore, timed
    token: str = field(default="", repr=False)  # the bearer token its request carries

    @property
    def application(self) -> str:
        """The application name its connections carry, to find them in the server log."""
        return self.env.get("DB_APPLICATION_NAME", "")

    @property
    def probe(self) -> bool:
        """Whether the child looks at its database connection after answering."""
        return "signed" in self.expect

    def event(self) -> str:
        """Return its request's event, as one line of JSON."""
        headers = [*HEADERS, bearer(self.token)] if self.token else HEADERS
        return json.dumps(rest_event("GET", self.path, headers=headers)) + "\n"


@dataclass(frozen=True)
class Run:
    """One cold start: the seconds to the first response, the child's stderr, and the
    server's log lines written meanwhile."""

    seconds: float
    errors: str
    log: list[dict[str, str]]


@dataclass(frozen=True)
class Baseline:
    """Another commit, built and migrated beside this tree, to measure in the same run."""

    ref: str
    commit: str
    commits_between: int  # commits in HEAD that it lacks
    bundle: Path
    handler: str  # the module of its Lambda handler
    features: dict[str, bool]  # what it offers: driver.Features's fields
    database: str  # a database of its own, migrated by its own migrations

    def report(self) -> dict[str, Any]:
        """Return what the report says about it."""
        return {
            "ref": self.ref,
            "commit": self.commit,
            "commits_between": self.commits_between,
            "handler": self.handler,
            "features": self.features,
            "accounts": self.features["accounts"],
            "database": self.database,
        }


# Each feature an older commit may lack, and a file or a text in its code that says it has
# it: accounts (core/identity), ETags and If-Match, idempotency keys.
FEATURE_MARKS = {
    "accounts": ("core/identity/api.py", ""),
    "etags": ("todos/api.py", "If-Match"),
    "idempotency": ("todos/api.py", "Idempotency-Key"),
}
BASELINE_DATABASE = f"{database.NAME}_baseline"
# Apply a bundle's own migrations, with its own Django, to the database its environment
# names. argv: sys.path entries.
MIGRATE = """
import os, sys
sys.path[:0] = sys.argv[1].split(os.pathsep)
import django
from django.core.management import call_command
django.setup()
call_command("migrate", verbosity=0)
"""


def features_of(source: Path) -> dict[str, bool]:
    """Return which of the features an older commit may lack the code in `source` has."""
    found = {}
    for feature, (name, text) in FEATURE_MARKS.items():
        path = source / name
        found[feature] = path.is_file() and text in path.read_text()
    return found


def head_features() -> dict[str, bool]:
    """Return this tree's features: all of them, which also checks that features_of
    still recognises each.

    :raises SystemExit: when one is not recognised in this tree.
    """
    found = features_of(ROOT)
    if missing := [name for name, present in found.items() if not present]:
        raise SystemExit(f"features_of no longer recognises {missing} in this tree.")
    return found


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


# Where a commit's Lambda handler lives, newest first: it moved once.
HANDLER_MODULES = ("config.aws_lambda.handler", "config.lambda_handler")


def handler_module(bundle: Path) -> str:
    """Return the module of the bundle's Lambda handler.

    :raises SystemExit: when the bundle has none of the modules it ever lived in.
    """
    for module in HANDLER_MODULES:
        if (bundle / (module.replace(".", "/") + ".py")).is_file():
            return module
    raise SystemExit(
        f"No Lambda handler in {bundle}: none of {', '.join(HANDLER_MODULES)} is there,"
        " so this benchmark cannot drive that commit."
    )


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


def first_response(python: str, app: App, cluster: Cluster, *flags: str) -> Run:
    """Start a fresh process; time it to its first response, and check what it did.

    :raises SystemExit: when the answer, or what reached the server, is not as expected.
    """
    event = app.event()
    log_start = cluster.log.end()
    paths = os.pathsep.join(map(str, app.paths))
    mode = "restored" if app.restored else "cold"
    probe = "probe" if app.probe else "-"
    command = [python, "-I", "-S", *flags, "-c", CHILD, paths, app.module, mode, probe]
    with tempfile.TemporaryFile("w+") as stderr:  # a pipe could fill up and stall it
        spawned = time.perf_counter()
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=app.env,
            cwd=app.paths[0],
        )
        assert process.stdin is not None
        assert process.stdout is not None
        snapshot = process.stdout.readline().strip() if app.restored else ""
        started = time.perf_counter() if app.restored else spawned
        try:
            process.stdin.write(event)
            process.stdin.flush()
        except BrokenPipeError:
            pass  # it has ended already: its stderr, below, says why
        status = process.stdout.readline().strip()
        elapsed = time.perf_counter() - started
        output = process.stdout.read()
        process.wait()
        stderr.seek(0)
        errors = stderr.read()
    if app.restored and snapshot != "snapshot":
        raise SystemExit(f"{app.name}: no snapshot before the event:\n{errors[-3000:]}")
    if status != "200":
        raise SystemExit(f"{app.name}: first response {status or 'missing'}:\n{errors[-3000:]}")
    try:
        did = json.loads(output)
    except json.JSONDecodeError:
        raise SystemExit(f"{app.name}: no report after the response:\n{errors[-3000:]}") from None
    wrong = {key: did.get(key) for key, value in app.expect.items() if did.get(key) != value}
    if wrong:
        raise SystemExit(f"{app.name}: expected {app.expect}, got {wrong}")
    if app.restored and not warmed_up(did["snapshot"]):
        raise SystemExit(f"{app.name}: before_snapshot did not warm up: {did['snapshot']}")
    log = cluster.log.since(log_start)
    if app.tls and not clusters.tls_connections(log, app.application):
        raise SystemExit(f"{app.name}: the server logged no TLS connection from it.")
    if elapsed <= 0:
        raise SystemExit(f"{app.name}: measured {elapsed} s")
    return Run(elapsed, errors, log)


def warmed_up(logged: list[list[str]] | None) -> bool:
    """Tell whether the before-snapshot hook logged a warm-up that answered as it
    expected, and no warning."""
    lines = logged or []
    return any(WARMED_UP in message for _, message in lines) and not any(
        level != "INFO" for level, _ in lines
    )


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


def sign_up(
    python: str, cluster: Cluster, bundle: Path = BUNDLE, name: str = database.NAME
) -> tuple[str, str]:
    """Register a user and sign in, through the bundle's handler in a process of its own
    on the deployed path, in database `name`; return the user's id and access token.

    :raises SystemExit: when either request does not answer as the API promises.
    """
    account = {"email": f"bench-cold-{uuid.uuid4().hex[:8]}@example.com"}
    account["password"] = secrets.token_urlsafe(18)
    body = json.dumps(account).encode()
    paths = os.pathsep.join(map(str, (bundle, RUNTIME_SDK)))
    events = [
        rest_event("POST", "/api/auth/register", body),
        rest_event("POST", "/api/auth/token", body),
    ]
    result = subprocess.run(
        [python, "-I", "-S", "-c", SERVE_EVENTS, paths, handler_module(bundle)],
        input="".join(json.dumps(event) + "\n" for event in events),
        capture_output=True,
        text=True,
        env=database.deployed_environment(cluster, "bench-cold-sign-up", database=name),
        cwd=bundle,
        check=False,
    )
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    if [status for status, _ in answers] != [201, 200]:
        raise SystemExit(f"Signing up answered {answers}:\n{result.stderr[-3000:]}")
    user, pair = (json.loads(body) for _, body in answers)
    return str(user["id"]), str(pair["access_token"])


def apps(cluster: Cluster, token: str, baseline: Baseline | None, baseline_token: str) -> list[App]:
    """Return the apps to start, with the environments they run in."""
    bundle, module = (BUNDLE, RUNTIME_SDK), "config.aws_lambda.handler"
    # The deployed path: a token signed here, never by botocore, though it is there.
    stdlib_token = {"items": ROWS, "botocore": False, "iam_token": True, "signed": True}
    found = [
        App(
            "deployed",
            bundle,
            module,
            "/api/todos",
            database.deployed_environment(cluster, "bench-cold-deployed"),
            expect=stdlib_token,
            tls=True,
            token=token,
        ),
        App(
            "first response",
            bundle,
            module,
            "/api/health",
            database.deployed_environment(cluster, "bench-cold-first-response"),
            expect={"items": None, "botocore": False, "iam_token": True, "signed": True},
            tls=True,
        ),
        App(
            "restored",
            bundle,
            module,
            "/api/todos",
            database.deployed_environment(cluster, "bench-cold-restored"),
            expect=stdlib_token,
            tls=True,
            restored=True,
            token=token,
        ),
        App(
            "database_url",
            bundle,
            module,
            "/api/todos",
            database.database_url_environment(cluster, "bench-cold-database-url"),
            expect={"items": ROWS, "botocore": False, "signed": False},
            token=token,
        ),
        App(
            "calibration",
            (PLAIN_APP,),
            "plain_app.handler",
            "/api/hello",
            database.lambda_environment(),
            expect={"items": None},
        ),
    ]
    if baseline:
        found.append(
            App(
                "baseline",
                (baseline.bundle, RUNTIME_SDK),
                baseline.handler,
                "/api/todos",
                database.deployed_environment(
                    cluster, "bench-cold-baseline", database=baseline.database
                ),
                # Signed with botocore or without, depending on the commit: not checked.
                expect={"items": ROWS, "signed": True},
                tls=True,
                token=baseline_token,
            )
        )
    return found


def commits_between(commit: str) -> int:
    """Count the commits in HEAD that `commit` lacks (`git log --oneline commit..HEAD`)."""
    git = ["git", "-C", str(ROOT)]
    counted = subprocess.run(
        [*git, "rev-list", "--count", f"{commit}..HEAD"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(counted.stdout)


def first_request_statements(python: str, cluster: Cluster, app: App) -> dict[str, Any]:
    """Return what one cold start of `app` sends to the server, from its CSV log.

    :raises SystemExit: when the log shows no statement from it.
    """
    database.set_statement_logging(cluster, enabled=True)
    try:
        time.sleep(0.5)  # the server passes the new setting on to new sessions
        run = first_response(python, app, cluster)
    finally:
        database.set_statement_logging(cluster, enabled=False)
    sent = clusters.statements(run.log, app.application)
    if not sent:
        raise SystemExit(f"{app.name}: the server log shows no statement from its first request.")
    return {"count": len(sent), "sent": [statement[:120] for statement in sent]}


def build_apps(python: str) -> None:
    """Build this tree's bundle, the runtime's SDK beside it, and the calibration app."""
    build_bundle(python)
    build_runtime_sdk(python)
    build_plain_app(python)


def migrate(python: str, cluster: Cluster, bundle: Path, name: str, whose: str) -> None:
    """Apply the bundle's own migrations, with its own Django, to database `name`, as the
    application role.

    :raises SystemExit: when they fail, saying `whose` they are.
    """
    migrated = subprocess.run(
        [python, "-I", "-S", "-c", MIGRATE, os.pathsep.join(map(str, (bundle, RUNTIME_SDK)))],
        env=database.database_url_environment(
            cluster, "bench-migrate", database=name, DJANGO_SETTINGS_MODULE="config.settings"
        ),
        cwd=bundle,
        capture_output=True,
        text=True,
        check=False,
    )
    if migrated.returncode != 0:
        raise SystemExit(f"{whose} migrations failed:\n{migrated.stderr[-3000:]}")


def prepare_baseline(cluster: Cluster, python: str, ref: str | None) -> Baseline | None:
    """Build the bundle of commit `ref`, and give it a database of its own, migrated by
    that commit's own migrations with its own Django (its schema may differ from this
    tree's); return it, or None without a `ref`.

    :raises SystemExit: when its bundle has no handler this benchmark knows, or its
        migrations fail.
    """
    if not ref:
        return None
    source, commit = baseline_source(ref)
    # Another commit's builder may not recognise a bundle this tree's builder wrote (the
    # handler moved), and refuses to replace it: it is ours to delete.
    shutil.rmtree(BASELINE_BUNDLE, ignore_errors=True)
    build_bundle(python, source=source, output=BASELINE_BUNDLE)
    trust_cluster_in_baseline(BASELINE_BUNDLE, cluster)
    handler = handler_module(BASELINE_BUNDLE)
    database.create_database(cluster, BASELINE_DATABASE)
    migrate(python, cluster, BASELINE_BUNDLE, BASELINE_DATABASE, f"{ref}'s")
    return Baseline(
        ref=ref,
        commit=commit,
        commits_between=commits_between(commit),
        bundle=BASELINE_BUNDLE,
        handler=handler,
        features=features_of(source),
        database=BASELINE_DATABASE,
    )


def measure(cluster: Cluster, runs: int, baseline: Baseline | None = None) -> dict[str, Any]:
    """Time `runs` cold starts of each app (the bundles built, the baseline prepared);
    profile one more, and count what the first request of a fresh instance sends.

    :raises SystemExit: when `runs` is not positive: nothing would be measured.
    """
    if runs < 1:
        raise SystemExit(f"--runs {runs}: at least one run is needed.")
    python = lambda_python()
    owner, token = sign_up(python, cluster)
    database.reset_todos(cluster, owner, ROWS)
    baseline_token = ""
    if baseline:
        baseline_owner = None
        if baseline.features["accounts"]:
            baseline_owner, baseline_token = sign_up(
                python, cluster, baseline.bundle, baseline.database
            )
        database.reset_todos(cluster, baseline_owner, ROWS, baseline.database)
    started = apps(cluster, token, baseline, baseline_token)
    by_name = {app.name: app for app in started}
    for app in started:
        first_response(python, app, cluster)  # warms the file system cache
    times: dict[str, list[float]] = {app.name: [] for app in started}
    for number in range(runs):
        shift = number % len(started)
        for app in started[shift:] + started[:shift]:
            times[app.name].append(first_response(python, app, cluster).seconds)
    profiled = first_response(python, by_name["deployed"], cluster, "-X", "importtime")
    statements = {
        name: first_request_statements(python, cluster, by_name[name])
        for name in ("deployed", "restored")
    }
    version = subprocess.run([python, "--version"], capture_output=True, text=True, check=True)
    return {
        "python": version.stdout.strip(),
        "runs": runs,
        "baseline": baseline.report() if baseline else None,
        "apps": {
            name: {
                "median_s": round(statistics.median(values), 3),
                "min_s": round(min(values), 3),
                "max_s": round(max(values), 3),
            }
            for name, values in times.items()
        },
        # Run by run, in the order they ran: run n of every app ran within a second or so.
        "run_seconds": times,
        "imports": import_profile(profiled.errors),
        "first_request_statements": statements,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--baseline", help="a git commit to build and time beside this tree")
    args = parser.parse_args()
    with clusters.running() as cluster:
        database.prepare(cluster)
        python = lambda_python()
        build_apps(python)
        baseline = prepare_baseline(cluster, python, args.baseline)
        print(json.dumps(measure(cluster, args.runs, baseline), indent=2))


if __name__ == "__main__":
    main()
