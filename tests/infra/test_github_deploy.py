"""Continuous delivery from GitHub: the OIDC deploy role, the workflow, and the script that
trades the job's token for credentials. None of it can run here; what can be checked
offline is: the synthesized stack, the workflow's shape and its commands (make -n), and
the script against a local token service and botocore's Stubber."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
import yaml
from botocore.stub import Stubber

from infra.app import GITHUB_DEPLOY_STACK
from infra.stacks.github_deploy_stack import PROD_ENVIRONMENT, subjects
from scripts import github_oidc
from tests.infra.conftest import ROOT, Synth

WORKFLOWS = ROOT / ".github" / "workflows"
REPOSITORY = "example/todo-api"
ROLE_ARN = "arn:aws:iam::123456789012:role/TodoGitHubDeploy-DeployRole"


@pytest.fixture(scope="module")
def github(with_github: Synth) -> dict[str, Any]:
    """The deploy-role stack, synthesized with the app for one repository (cdk-nag ran on
    it; tests/infra/test_checks.py runs cfn-lint on it)."""
    template: dict[str, Any] = json.loads(
        (with_github.outdir / f"{GITHUB_DEPLOY_STACK}.template.json").read_text()
    )
    return template


def of_type(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


def test_the_stack_exists_only_when_a_repository_is_named(dev: Synth) -> None:
    assert GITHUB_DEPLOY_STACK not in dev.manifest["artifacts"]


def test_github_is_the_identity_provider_for_sts(github: dict[str, Any]) -> None:
    (provider,) = of_type(github, "AWS::IAM::OIDCProvider")
    assert provider["Url"] == "https://token.actions.githubusercontent.com"
    assert provider["ClientIdList"] == ["sts.amazonaws.com"]


def test_the_role_trusts_this_repository_on_main_and_in_the_prod_environment_only(
    github: dict[str, Any],
) -> None:
    (role,) = of_type(github, "AWS::IAM::Role")
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    (provider_id,) = [k for k, v in github["Resources"].items()
                      if v["Type"] == "AWS::IAM::OIDCProvider"]  # fmt: skip
    assert statement["Principal"] == {"Federated": {"Ref": provider_id}}
    assert statement["Condition"] == {
        "StringEquals": {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": [
                "repo:example/todo-api:ref:refs/heads/main",
                "repo:example/todo-api:environment:prod",
            ],
        }
    }
    assert role["MaxSessionDuration"] == 3600


def test_the_role_may_only_assume_the_cdk_bootstrap_roles(github: dict[str, Any]) -> None:
    """Deploy, file publishing and lookup: what `cdk deploy` needs, and nothing else."""
    (policy,) = of_type(github, "AWS::IAM::Policy")
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert (statement["Effect"], statement["Action"]) == ("Allow", "sts:AssumeRole")
    names = sorted("".join(p if isinstance(p, str) else "<>" for p in r["Fn::Join"][1])
                   for r in statement["Resource"])  # fmt: skip
    assert names == [
        f"arn:<>:iam::<>:role/cdk-hnb659fds-{role}-<>-<>"
        for role in ("deploy-role", "file-publishing-role", "lookup-role")
    ]
    assert "DeployRoleArn" in github["Outputs"]


def workflow(name: str) -> dict[str, Any]:
    """Load a workflow; YAML reads its `on:` key as True."""
    loaded: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    loaded["on"] = loaded.pop(True)
    return loaded


def test_dev_deploys_on_a_push_to_main_and_prod_on_a_published_release_after_the_tests() -> None:
    deploy = workflow("deploy.yml")
    assert deploy["on"] == {"push": {"branches": ["main"]}, "release": {"types": ["published"]}}
    assert deploy["permissions"] == {}
    jobs = deploy["jobs"]
    assert jobs["test"]["uses"] == "./.github/workflows/ci.yml"
    assert "workflow_call" in workflow("ci.yml")["on"]
    assert (jobs["dev"]["needs"], jobs["prod"]["needs"]) == ("test", "test")
    assert jobs["dev"]["if"] == "github.event_name == 'push'"
    assert jobs["prod"]["if"] == "github.event_name == 'release'"
    for job in ("dev", "prod"):
        assert jobs[job]["permissions"] == {"contents": "read", "id-token": "write"}
        assert jobs[job]["env"]["STAGE"] == job
    assert deploy["concurrency"]["cancel-in-progress"] is False


def test_the_workflow_matches_the_role_s_trust() -> None:
    """The dev job has no environment, so its token's subject is the branch; the prod job
    runs in the environment the role trusts, whose reviewers GitHub enforces."""
    jobs = workflow("deploy.yml")["jobs"]
    assert "environment" not in jobs["dev"]
    assert jobs["prod"]["environment"] == PROD_ENVIRONMENT
    assert f"repo:{REPOSITORY}:ref:refs/heads/main" in subjects(REPOSITORY)
    assert f"repo:{REPOSITORY}:environment:{jobs['prod']['environment']}" in subjects(REPOSITORY)


def run_commands(job: dict[str, Any]) -> list[list[str]]:
    """Return the job's `make` commands, with its env's $VARIABLES filled in."""
    commands = []
    for step in job["steps"]:
        for line in step.get("run", "").splitlines():
            if line.strip().startswith("make "):
                filled = line
                for name, value in job["env"].items():
                    filled = filled.replace(f'"${name}"', value)
                commands.append(shlex.split(filled))
    return commands


@pytest.mark.parametrize("job", ["dev", "prod"])
def test_a_dry_run_of_each_job_s_commands_deploys_its_stage(job: str) -> None:
    """make -n prints what each step would run: the credentials script, then cdk deploy
    of every stack of the job's stage without a prompt."""
    spec = workflow("deploy.yml")["jobs"][job]
    commands = run_commands(spec)
    assert [c[:2] for c in commands] == [["make", "github-credentials"], ["make", "deploy"]]
    printed = []
    for command in commands:
        make = shutil.which("make") or "make"
        result = subprocess.run(  # noqa: S603
            [make, "-n", *command[1:]], cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
        printed.append(result.stdout)
    assert "python scripts/github_oidc.py --role-arn" in printed[0]
    assert f"cdk deploy --all -c stage={job}" in printed[1]
    assert "--require-approval never" in printed[1]


class TokenService(BaseHTTPRequestHandler):
    """GitHub's token service as the runner reaches it: a bearer in, a JWT out."""

    seen: ClassVar[list[dict[str, Any]]] = []

    def do_GET(self) -> None:
        query = parse_qs(urlparse(self.path).query)
        self.seen.append({"auth": self.headers["Authorization"], "query": query})
        body = json.dumps({"value": "eyJ.header.payload"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """Say nothing on stderr."""


@pytest.fixture
def token_service() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), TokenService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    TokenService.seen = []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/token?api-version=2.0"
    finally:
        server.shutdown()
        server.server_close()


def test_the_token_is_requested_for_sts_with_the_runner_s_bearer(token_service: str) -> None:
    environ = {"ACTIONS_ID_TOKEN_REQUEST_URL": token_service,
               "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runner-bearer"}  # fmt: skip
    assert github_oidc.request_token(environ) == "eyJ.header.payload"
    (request,) = TokenService.seen
    assert request["auth"] == "Bearer runner-bearer"
    assert request["query"] == {"api-version": ["2.0"], "audience": ["sts.amazonaws.com"]}


def test_without_id_token_write_there_is_no_token_and_the_script_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(github_oidc.NoToken, match="id-token: write"):
        github_oidc.request_token({})
    argv = ["--role-arn", ROLE_ARN, "--region", "eu-west-1",
            "--credentials-file", str(tmp_path / "credentials")]  # fmt: skip
    assert github_oidc.main(argv, environ={}) == 1
    assert "id-token: write" in capsys.readouterr().err
    assert not (tmp_path / "credentials").exists()


def test_the_role_s_credentials_land_in_a_profile_only_the_owner_may_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """botocore reads the profile back as the workflow points the CDK CLI at it."""
    sts = boto3.client("sts", region_name="eu-west-1")
    with Stubber(sts) as stubber:
        stubber.add_response(
            "assume_role_with_web_identity",
            {
                "Credentials": {
                    "AccessKeyId": "ASIAIOSFODNN7EXAMPLE",
                    "SecretAccessKey": "secret-example",
                    "SessionToken": "session-example",
                    "Expiration": "2026-12-07T12:00:00Z",
                }
            },
            {
                "RoleArn": ROLE_ARN,
                "RoleSessionName": "github-42",
                "WebIdentityToken": "eyJ.header.payload",
                "DurationSeconds": 3600,
            },
        )
        keys = github_oidc.assume_role(
            sts,
            role_arn=ROLE_ARN,
            token="eyJ.header.payload",
            session=github_oidc.session_name({"GITHUB_RUN_ID": "42"}),
        )
        stubber.assert_no_pending_responses()
    path = tmp_path / "aws" / "credentials"
    github_oidc.write_profile(path, keys, "eu-west-1")
    assert path.stat().st_mode & 0o777 == 0o600
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    session = boto3.Session(profile_name=github_oidc.PROFILE)
    frozen = session.get_credentials().get_frozen_credentials()
    assert (frozen.access_key, frozen.secret_key, frozen.token) == (
        "ASIAIOSFODNN7EXAMPLE", "secret-example", "session-example")  # fmt: skip
