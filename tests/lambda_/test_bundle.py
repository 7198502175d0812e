"""The Lambda bundle is complete: its handler serves requests with nothing but the bundle.

The bundle is built for this machine (arm64 wheels cannot load here) by the same script
that builds the Lambda asset, then invoked in a fresh interpreter that sees only the
bundle and the standard library (tests/lambda_/bundle_probe.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.bundle

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "scripts" / "build_lambda_bundle.py"
PROBE = Path(__file__).with_name("bundle_probe.py")
EVENT = Path(__file__).with_name("events") / "rest_execute_api.json"
# The interpreter the virtual environment was made from: no project packages in it.
BASE_PYTHON = Path(sys.base_prefix, "bin", "python{}.{}".format(*sys.version_info))


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the bundle for the host platform, once for this module."""
    out = tmp_path_factory.mktemp("bundle") / "lambda"
    build = [sys.executable, BUILD, "--platform", "host", "--output", out]
    result = subprocess.run(build, capture_output=True, text=True, check=False)  # noqa: S603
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def probe(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Invoke the bundle's handler as Lambda would, away from the repository; return what
    it answered."""
    cwd = tmp_path_factory.mktemp("task")
    env = {
        "PATH": os.environ["PATH"],
        "AWS_LAMBDA_FUNCTION_NAME": "todo-api",
        "AWS_REGION": "eu-west-1",
        "SECRET_KEY": "bundle-test-only",
        "DATABASE_URL": f"sqlite:///{cwd}/db.sqlite3",
        "LOG_LEVEL": "ERROR",
    }
    # -I -S: neither the repository, nor site-packages, nor PYTHON* variables; -B: Lambda's
    # /var/task is read-only, so nothing is written beside the bundle's bytecode.
    result = subprocess.run(  # noqa: S603
        [BASE_PYTHON, "-I", "-S", "-B", PROBE, bundle, EVENT],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answers: dict[str, Any] = json.loads(result.stdout)
    return answers


def test_the_bundle_runs_the_allowed_management_commands(probe: dict[str, Any]) -> None:
    assert {name: answer["exitStatus"] for name, answer in probe["manage"].items()} == {
        "check": 0,
        "migrate": 0,
        "seed_todos": 0,
    }
    assert "todos.0001_initial... OK" in probe["manage"]["migrate"]["output"]
    assert "identity.0001_initial... OK" in probe["manage"]["migrate"]["output"]


def test_the_bundle_serves_the_api_and_its_docs(probe: dict[str, Any]) -> None:
    statuses = {path: answer["statusCode"] for path, answer in probe["get"].items()}
    assert statuses == {
        "/api/health": 200,
        "/api/docs": 200,
        "/api/openapi.json": 200,
        "/api/todos": 200,
    }
    assert json.loads(probe["get"]["/api/todos"]["body"])["count"] == 5  # the seeded samples


def test_the_bundle_registers_and_signs_in_with_argon2_and_hs256(probe: dict[str, Any]) -> None:
    assert probe["register"]["statusCode"] == 201
    assert probe["token"]["statusCode"] == 200
    assert json.loads(probe["token"]["body"])["token_type"] == "Bearer"


def test_the_bundle_ships_no_cryptography_and_never_imports_it(
    bundle: Path, probe: dict[str, Any]
) -> None:
    # HS256 needs only hmac; cryptography would cost about 150 ms of imports on Lambda.
    assert not (bundle / "cryptography").exists()
    assert probe["jwt_has_crypto"] is False
    assert probe["cryptography_imported"] is False


def test_swagger_ui_finds_every_asset_it_references_in_the_bundle(
    probe: dict[str, Any],
) -> None:
    assert {"/static/ninja/swagger-ui-bundle.js", "/static/ninja/swagger-ui.css"} <= set(
        probe["assets"]
    )
    failed = {
        path: a["statusCode"] for path, a in probe["assets"].items() if a["statusCode"] != 200
    }
    assert not failed
    assert all(answer["body"] > 0 for answer in probe["assets"].values())


def test_the_bundle_loads_psycopg_from_its_binary_wheel(probe: dict[str, Any]) -> None:
    assert probe["psycopg"] == "binary"


def test_the_bundle_holds_the_app_and_its_runtime_dependencies_only(bundle: Path) -> None:
    top = {path.name for path in bundle.iterdir()}
    assert {"config", "core", "todos", "manage.py", "staticfiles", "psycopg_binary"} <= top
    assert not top & {"tests", "infra", "docs", "scripts", "bench", "bin", ".venv", ".env"}
    assert not top & {"boto3", "botocore", "s3transfer"}, "the Lambda runtime provides them"
    assert not (bundle / "django" / "contrib" / "admin").exists()
    assert not (bundle / "ninja" / "static").exists(), "served from staticfiles/"
    assert not [*bundle.rglob("*.map"), *bundle.rglob("*.po")]


def test_the_bundle_compiles_its_own_bytecode_rather_than_copy_the_source_trees(
    bundle: Path,
) -> None:
    compiled = list(bundle.rglob("*.pyc"))
    # Python's own caches check timestamps (flags 0); the build writes unchecked-hash pycs,
    # which stay valid whatever times the zip gives the files.
    stale_checked = [pyc for pyc in compiled if pyc.read_bytes()[4:8] != b"\x01\0\0\0"]
    assert compiled
    assert not stale_checked
    assert (bundle / "todos" / "__pycache__").is_dir()
