"""The SnapStart hooks, run by the real snapshot_restore_py as the Lambda runtime runs them.

Each case starts a fresh interpreter with a function's environment, imports the handler
as the runtime does, then calls the registered hooks the runtime's way: the
before-snapshot ones in reverse order of registration, the after-restore ones in order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from uuid import uuid4

import pytest

from config.aws_lambda.snapstart import release_connections_and_credentials
from core.postgresql.credentials import iam_auth_token
from tests.credentials_endpoint import CredentialsEndpoint, serving_credentials

ROOT = Path(__file__).resolve().parents[2]
LAMBDA = {
    "AWS_LAMBDA_FUNCTION_NAME": "todo-api-dev",
    "AWS_REGION": "eu-west-1",
    "ENV_FILE": os.devnull,
    "LOG_LEVEL": "INFO",
}
# A function's initialisation as the runtime runs it, noting what can be seen from
# outside: `steps` run once the handler is imported.
INITIALISE = """
import json, logging, random, sys
import psycopg

notes, logged = {{}}, []
logging.getLogger("config.aws_lambda.snapstart").addHandler(
    type("Keep", (logging.Handler,), {{"emit": lambda self, r: logged.append(r.getMessage())}})()
)
{before_import}
import config.aws_lambda.handler as entry
from django.conf import settings

notes["hooks_module_loaded"] = "snapshot_restore_py" in sys.modules
notes["snapstart_module_loaded"] = "config.aws_lambda.snapstart" in sys.modules
notes["urls_loaded"] = "config.urls" in sys.modules
event = {event}

def serve():
    return entry.handler(event, None)["statusCode"]

def server_connections():
    with psycopg.connect({observer!r}, autocommit=True) as observer:
        query = "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s"
        return observer.execute(query, [{application!r}]).fetchone()[0]

{steps}
notes["logged"] = logged
print(json.dumps(notes))
"""
RUNTIME = """
import snapshot_restore_py as runtime
notes["registered"] = [len(runtime.get_before_snapshot()), len(runtime.get_after_restore())]
"""
TAKE_SNAPSHOT = """
for hook, args, kwargs in reversed(runtime.get_before_snapshot()):
    hook(*args, **kwargs)
"""
RESTORE = """
for hook, args, kwargs in runtime.get_after_restore():
    hook(*args, **kwargs)
"""
AROUND_THE_SNAPSHOT = (
    RUNTIME
    + """
notes["first_answer"] = serve()
notes["before_snapshot"] = server_connections()
"""
    + TAKE_SNAPSHOT
    + """
notes["in_snapshot"] = server_connections()
key, state = settings.SECRET_KEY, random.getstate()
"""
    + RESTORE
    + """
notes["key_redrawn"] = settings.SECRET_KEY != key
notes["key_length"] = len(settings.SECRET_KEY)
snapshot_random = random.Random()
snapshot_random.setstate(state)
notes["random_reseeded"] = [random.random() for _ in range(3)] != [
    snapshot_random.random() for _ in range(3)
]
notes["after_restore"] = server_connections()
notes["restored_answer"] = serve()
"""
)


def health_event() -> dict[str, Any]:
    recorded = ROOT / "tests" / "lambda_" / "events" / "rest_execute_api.json"
    event: dict[str, Any] = json.loads(recorded.read_text())
    return event


def database_url(port: int | None = None) -> str:
    """The tests' PostgreSQL server, its `postgres` database (or a port nobody listens on)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    netloc = parts.netloc if port is None else f"{parts.netloc.rpartition('@')[0]}@127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc, path="/postgres"))


def start_function(steps: str, *, before_import: str = "", **env: str) -> dict[str, Any]:
    """Initialise a function in a fresh interpreter, run `steps`, return what they noted."""
    application = f"snapstart-{uuid4().hex[:8]}"
    code = INITIALISE.format(
        before_import=before_import,
        event=health_event(),
        observer=database_url(),
        application=application,
        steps=steps,
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DB_"))}
    clean.pop("SECRET_KEY", None)
    variables = {"DATABASE_URL": database_url(), "DB_APPLICATION_NAME": application}
    result = subprocess.run(  # noqa: S603 (this interpreter, this project's code)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **LAMBDA, **variables, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    notes: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return notes


@pytest.fixture(scope="module")
def snapshot_and_restore() -> dict[str, Any]:
    """A pooled function with SnapStart, through one snapshot and one restore."""
    return start_function(
        AROUND_THE_SNAPSHOT,
        AWS_LAMBDA_INITIALIZATION_TYPE="snap-start",
        DB_CONNECTION_MODE="pool",
    )


pytestmark = pytest.mark.postgresql


def test_the_runtime_finds_one_hook_before_the_snapshot_and_one_after(
    snapshot_and_restore: dict[str, Any],
) -> None:
    assert snapshot_and_restore["registered"] == [1, 1]


def test_the_init_phase_loads_the_url_configuration(snapshot_and_restore: dict[str, Any]) -> None:
    """Loaded with the handler, the routers are in the snapshot, not on a first request."""
    assert snapshot_and_restore["urls_loaded"] is True


def test_the_snapshot_holds_no_database_connection(snapshot_and_restore: dict[str, Any]) -> None:
    """A pooled connection open at snapshot time would be one socket shared by every
    restored instance; the server sees it closed before the snapshot."""
    assert snapshot_and_restore["first_answer"] == 200
    assert snapshot_and_restore["before_snapshot"] == 1
    assert snapshot_and_restore["in_snapshot"] == 0
    assert snapshot_and_restore["after_restore"] == 0


def test_a_restored_instance_serves_and_connects_afresh(
    snapshot_and_restore: dict[str, Any],
) -> None:
    assert snapshot_and_restore["restored_answer"] == 200


def test_a_restored_instance_draws_its_own_key_and_random_state(
    snapshot_and_restore: dict[str, Any],
) -> None:
    """Every instance restored from one snapshot starts with the same memory."""
    assert snapshot_and_restore["key_redrawn"] is True
    assert snapshot_and_restore["key_length"] >= 50
    assert snapshot_and_restore["random_reseeded"] is True


def test_the_warm_up_serves_every_operation_without_the_database() -> None:
    """Nothing listens on the database's port: an answer that needed it would be a 503."""
    notes = start_function(
        RUNTIME + TAKE_SNAPSHOT,
        AWS_LAMBDA_INITIALIZATION_TYPE="snap-start",
        DATABASE_URL=database_url(port=9),
    )
    assert notes["logged"] == ["SnapStart warm-up: 13 requests answered as expected"]


def test_a_configured_secret_key_survives_a_restore() -> None:
    notes = start_function(
        RUNTIME + TAKE_SNAPSHOT + RESTORE + 'notes["key"] = settings.SECRET_KEY\n',
        AWS_LAMBDA_INITIALIZATION_TYPE="snap-start",
        SECRET_KEY="k" * 60,
    )
    assert notes["key"] == "k" * 60


def test_without_snapstart_the_hooks_library_is_never_imported() -> None:
    notes = start_function('notes["answer"] = serve()\n' + RUNTIME)
    assert notes["hooks_module_loaded"] is False
    assert notes["snapstart_module_loaded"] is False  # nor its own imports
    assert notes["registered"] == [0, 0]
    assert notes["answer"] == 200


def test_with_snapstart_but_no_hooks_library_the_function_still_serves() -> None:
    """As on a machine without the runtime's library: a warning, and no hooks."""
    notes = start_function(
        'notes["answer"] = serve()\n',
        # An entry of None makes `import snapshot_restore_py` fail, as if it were absent.
        before_import="sys.modules['snapshot_restore_py'] = None",
        AWS_LAMBDA_INITIALIZATION_TYPE="snap-start",
    )
    assert notes["answer"] == 200
    assert notes["logged"] == [
        "SnapStart without snapshot_restore_py: no hooks around the snapshot"
    ]


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[CredentialsEndpoint]:
    with serving_credentials(monkeypatch) as served:
        yield served


def test_the_snapshot_holds_no_credentials(endpoint: CredentialsEndpoint) -> None:
    """Credentials read before the snapshot are read again after it."""

    def sign() -> str:
        return iam_auth_token(host="db.example.com", port=5432, user="todo_app", region="eu-west-1")

    sign()
    release_connections_and_credentials()
    sign()
    assert len(endpoint.requests) == 2


def test_the_warm_up_counts_no_application_metric() -> None:
    """Its sign-in, replay and 412 are nobody's: no EMF line, though metrics are on."""
    capture = "import io, sys\ncaptured = io.StringIO()\nsys.stdout = captured\n"
    release = (
        "sys.stdout = sys.__stdout__\n"
        'notes["emf"] = [l for l in captured.getvalue().splitlines() if "_aws" in l]\n'
    )
    notes = start_function(
        RUNTIME + capture + TAKE_SNAPSHOT + release,
        AWS_LAMBDA_INITIALIZATION_TYPE="snap-start",
        DATABASE_URL=database_url(port=9),
        METRICS_NAMESPACE="TodoApi/test",
    )
    assert notes["logged"] == ["SnapStart warm-up: 13 requests answered as expected"]
    assert notes["emf"] == []
