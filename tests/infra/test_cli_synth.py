"""The CDK CLI, as a user runs it: `npx cdk synth` in infra/ bundles the function for real,
and cdk-nag passes the result. Needs Node.js and the CLI that `make test` installs."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import INFRA, Synth, npm_package
from tests.infra.test_checks import offline_env

pytestmark = [pytest.mark.node, pytest.mark.bundle]

AARCH64 = 183  # ELF e_machine


@pytest.fixture(scope="module")
def cli_synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run `npx cdk synth` in infra/ as a user would, bundling the function; return cdk.out."""
    npm_package("aws-cdk")
    npx = shutil.which("npx")
    assert npx is not None, "npx comes with Node.js, which the CDK needs"
    out = tmp_path_factory.mktemp("cdk.out")
    result = subprocess.run(  # noqa: S603
        [npx, "--no-install", "cdk", "synth", "--quiet", "--no-notices", "--output", str(out)],
        cwd=INFRA,
        env=offline_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    return out


def asset_of_the_function(out: Path) -> Path:
    """Return the asset folder the synthesized functions' code points at (the API's and
    the deploy migrations' share it)."""
    keys = {function["Properties"]["Code"]["S3Key"] for function in python_functions(out)}
    (key,) = keys
    return out / f"asset.{key.removesuffix('.zip')}"


def python_functions(out: Path) -> list[dict[str, Any]]:
    """Return the API stack's Python functions: the API's and the migrations'."""
    template = json.loads((out / "TodoApi-dev.template.json").read_text())
    return [r for r in template["Resources"].values()
            if r["Type"] == "AWS::Lambda::Function"
            and r["Properties"].get("Runtime", "").startswith("python")]  # fmt: skip


def test_the_cdk_cli_bundles_arm64_psycopg_binary_into_the_asset(cli_synth: Path) -> None:
    """The asset, built by scripts/build_lambda_bundle.py, holds psycopg's aarch64 build."""
    asset = asset_of_the_function(cli_synth)
    (library,) = (asset / "psycopg_binary").glob("_psycopg.cpython-313-*.so")
    header = library.read_bytes()[:20]
    assert header[:4] == b"\x7fELF"
    assert int.from_bytes(header[18:20], "little") == AARCH64


def test_the_cdk_cli_bundles_the_handler_module_and_the_app(cli_synth: Path) -> None:
    """The function's Handler names a module in the asset that binds that name at its top
    level; the app and its static files are there."""
    asset = asset_of_the_function(cli_synth)
    handlers = sorted(f["Properties"]["Handler"] for f in python_functions(cli_synth))
    assert handlers == [
        "config.aws_lambda.deploy_hook.handler",
        "config.aws_lambda.handler.handler",
    ]
    for handler in handlers:
        module, _, name = handler.rpartition(".")
        tree = ast.parse((asset / f"{module.replace('.', '/')}.py").read_text())
        bound = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            for target in node.targets
            if isinstance(target, ast.Name)
        } | {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert name in bound, handler
    for part in ("todos/api.py", "core/database.py", "manage.py", "staticfiles"):
        assert (asset / part).exists(), part
    assert not (asset / "infra").exists(), "the CDK app is not part of the function"
    assert not (asset / "tests").exists()


def test_the_cdk_cli_synth_passes_cdk_nag(cli_synth: Path, dev: Synth) -> None:
    """The CLI's synth ran the same checks and produced the same resources."""
    report = json.loads((cli_synth / "validation-report.json").read_text())
    assert report["pluginReports"] == []
    cli = json.loads((cli_synth / "TodoData-dev.template.json").read_text())
    # The CLI adds its version-reporting resource; everything else is the same.
    assert cli["Resources"].keys() - {"CDKMetadata"} == dev.data["Resources"].keys()
