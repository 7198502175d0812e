"""The pre-commit hooks run the ruff that uv.lock pins, so a commit is checked as `make lint`
checks it."""

from __future__ import annotations

import tomllib
from typing import Any

import yaml

from tests.infra.conftest import ROOT

RUFF_HOOKS = "https://github.com/astral-sh/ruff-pre-commit"


def locked_version(package: str) -> str:
    """Return the version of a package that uv.lock pins."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    (version,) = [p["version"] for p in lock["package"] if p["name"] == package]
    return str(version)


def ruff_hooks() -> dict[str, Any]:
    """Return the ruff entry of .pre-commit-config.yaml."""
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    (repo,) = [r for r in config["repos"] if r["repo"] == RUFF_HOOKS]
    return dict(repo)


def test_the_hooks_run_the_ruff_version_uv_lock_pins() -> None:
    """ruff-pre-commit tags each release v<ruff version>; a bumped lock needs a bumped rev."""
    assert ruff_hooks()["rev"] == f"v{locked_version('ruff')}"


def test_the_hooks_fix_lint_findings_and_then_format() -> None:
    """Lint with --fix first: a fix can leave code that the formatter then reflows."""
    hooks = [(hook["id"], hook.get("args", [])) for hook in ruff_hooks()["hooks"]]
    assert hooks == [("ruff-check", ["--fix"]), ("ruff-format", [])]
