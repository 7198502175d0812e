"""Every synth is checked: cdk-nag fails it on a new finding, cfn-lint finds nothing, and
the app synthesizes offline both on its own and through the pinned CDK CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aws_cdk import App
from aws_cdk import aws_ec2 as ec2

from infra.app import build, default_context
from tests.infra.conftest import INFRA, ROOT, Synth

CFN_LINT = Path(sys.executable).with_name("cfn-lint")
# Offline and credential-free, as on a laptop with no AWS account configured.
NO_AWS = {
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "CDK_DISABLE_CLI_TELEMETRY": "true",
    "CDK_DISABLE_VERSION_CHECK": "true",
}


def offline_env() -> dict[str, str]:
    """This environment without AWS credentials or settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return {**env, **NO_AWS}


def test_a_finding_nobody_acknowledged_fails_the_synth(tmp_path: Path) -> None:
    """cdk-nag runs as a validation plugin: SSH open to the world stops the synth."""
    app = App(context={**default_context(), "aws:cdk:bundling-stacks": []}, outdir=str(tmp_path))
    data, _ = build(app)
    open_group = ec2.SecurityGroup(data, "OpenToTheWorld", vpc=data.vpc)
    open_group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(22))
    with pytest.raises(RuntimeError, match="ValidationFailed") as failure:
        app.synth()
    assert "AwsSolutions-EC23" in str(failure.value)
    report = (tmp_path / "validation-report.json").read_text()
    assert "AwsSolutions-EC23" in report
    assert "OpenToTheWorld" in report


@pytest.mark.parametrize(
    ("layout", "stacks"),
    # data, API and web; and the GitHub deploy role's stack where a repository is named
    [("dev", 3), ("prod", 3), ("isolated", 3), ("snapstart", 3), ("tuned", 3), ("with_github", 4)],
)
def test_cfn_lint_finds_nothing_in_the_templates(
    layout: str, stacks: int, request: pytest.FixtureRequest
) -> None:
    """Errors and warnings alike, with the one ignored check explained in .cfnlintrc.yaml."""
    synth: Synth = request.getfixturevalue(layout)
    templates = sorted(str(p) for p in synth.outdir.glob("*.template.json"))
    assert len(templates) == stacks
    config = ["--config-file", str(INFRA / ".cfnlintrc.yaml")]
    result = subprocess.run(  # noqa: S603
        [CFN_LINT, *config, *templates], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_app_synthesizes_when_run_as_a_plain_script(tmp_path: Path) -> None:
    """`python infra/app.py`, without the CDK CLI or AWS credentials, writes every stack."""
    env = {
        **offline_env(),
        "CDK_OUTDIR": str(tmp_path),
        "CDK_CONTEXT_JSON": json.dumps({"aws:cdk:bundling-stacks": []}),
    }
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(INFRA / "app.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.glob("*.template.json")) == [
        "TodoApi-dev.template.json",
        "TodoData-dev.template.json",
        "TodoWeb-dev.template.json",
    ]
