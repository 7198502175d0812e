"""The stack outputs an operator copies: URLs, and AWS CLI commands that are right in form.

Each command is rendered from its template (references become placeholders) and checked
against the AWS API model botocore ships: the operation exists, every option names one of
its parameters, and every required parameter is given.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

import botocore.session
import pytest
from botocore import xform_name

from config.aws_lambda.management import allowed
from tests.infra.conftest import Synth

REGION = "eu-west-1"
# AWS CLI options that belong to the CLI itself, not to the operation.
GLOBAL_OPTIONS = {"--region", "--query", "--output", "--cli-binary-format"}


def render(value: Any, synth: Synth) -> str:
    """Render an output value as the deployed stack would print it, with placeholders."""
    if isinstance(value, str):
        return value
    if "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(render(part, synth) for part in parts)
    if "Fn::GetStackOutput" in value:
        return render(synth.from_data(value), synth)
    if value.get("Ref") == "AWS::Region":
        return REGION
    if value.get("Ref") == "AWS::URLSuffix":
        return "amazonaws.com"
    if "Ref" in value:
        return f"<{value['Ref']}>"
    logical_id, attribute = value["Fn::GetAtt"]
    return f"<{logical_id}.{attribute}>"


def output(synth: Synth, stack: dict[str, Any], name: str) -> str:
    """Return one output of a stack, rendered."""
    return render(stack["Outputs"][name]["Value"], synth)


def check_aws_cli(command: str) -> dict[str, str]:
    """Check an `aws <service> <operation> ...` command against botocore's model; return its
    operation's parameters by member name (positional arguments under "")."""
    argv = shlex.split(command)
    assert argv[0] == "aws"
    model = botocore.session.get_session().get_service_model(argv[1])
    by_cli_name = {xform_name(name, "-"): name for name in model.operation_names}
    operation = model.operation_model(by_cli_name[argv[2]])
    members = operation.input_shape.members
    given: dict[str, str] = {}
    rest = iter(argv[3:])
    for token in rest:
        if not token.startswith("--"):
            given[""] = token
            continue
        value = next(rest)
        if token in GLOBAL_OPTIONS:
            continue
        member = next((m for m in members if xform_name(m, "-") == token[2:]), None)
        assert member is not None, f"{token} is not a parameter of {argv[1]} {argv[2]}"
        given[member] = value
    missing = set(operation.input_shape.required_members) - set(given)
    assert not missing, f"{argv[1]} {argv[2]} needs {missing}"
    return given


def test_the_api_stack_outputs_the_api_and_docs_urls(dev: Synth) -> None:
    """The execute-api URL on stage dev, and Swagger UI under it."""
    url = output(dev, dev.api, "ApiUrl")
    assert url.startswith("https://<HttpApi")
    assert url.endswith(f".execute-api.{REGION}.amazonaws.com/<{stage_id(dev)}>/")
    assert output(dev, dev.api, "DocsUrl") == f"{url}api/docs"


def stage_id(synth: Synth) -> str:
    """Return the logical id of the API's stage (its Ref is the stage name)."""
    (stage,) = synth.resources(synth.api, "AWS::ApiGateway::Stage")
    return stage


def test_the_port_forward_command_reaches_the_cluster_through_the_bastion(dev: Synth) -> None:
    """ssm start-session, port-forwarding document, the cluster endpoint on 5432 to 15432."""
    given = check_aws_cli(output(dev, dev.api, "PortForwardCommand"))
    assert given["Target"] == "<" + next(iter(dev.resources(dev.api, "AWS::EC2::Instance"))) + ">"
    assert given["DocumentName"] == "AWS-StartPortForwardingSessionToRemoteHost"
    parameters = json.loads(given["Parameters"])
    assert parameters["host"][0].endswith(".Endpoint.Address>")
    assert (parameters["portNumber"], parameters["localPortNumber"]) == (["5432"], ["15432"])


def test_the_migrate_command_invokes_the_function_with_an_allowed_management_event(
    dev: Synth,
) -> None:
    """lambda invoke with a raw JSON payload that the handler's allow-list accepts."""
    command = output(dev, dev.api, "MigrateCommand")
    assert "--cli-binary-format raw-in-base64-out" in command
    given = check_aws_cli(command)
    assert given["FunctionName"] == f"<{dev.django()[0]}>"
    assert given["Qualifier"] == "live"
    payload = json.loads(given["Payload"])
    assert payload == {"manage": ["migrate"]}
    assert allowed(payload["manage"])
    assert given[""] == "migrate.json"


def test_the_secret_command_prints_the_master_secret(dev: Synth) -> None:
    """secretsmanager get-secret-value for the RDS-managed secret, as plain text."""
    command = output(dev, dev.data, "SecretCommand")
    given = check_aws_cli(command)
    assert given["SecretId"].endswith(".MasterUserSecret.SecretArn>")
    assert command.endswith("--query SecretString --output text")


@pytest.mark.parametrize(
    ("stack", "names"),
    [
        ("api", ["AlarmTopicArn", "ApiUrl", "BastionInstanceId", "DashboardUrl", "DocsUrl",
                 "FunctionName", "MigrateCommand", "PortForwardCommand"]),
        ("data", ["ClusterEndpoint", "SecretArn", "SecretCommand"]),
    ],
)  # fmt: skip
def test_each_stack_outputs_what_an_operator_needs(
    dev: Synth, stack: str, names: list[str]
) -> None:
    """No more and no fewer outputs than documented, cross-stack plumbing aside."""
    outputs = getattr(dev, stack)["Outputs"]
    assert sorted(k for k in outputs if not k.startswith("PublishOutput")) == names
