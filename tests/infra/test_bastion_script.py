"""scripts/bastion.py against the AWS APIs it calls, stubbed with botocore's Stubber."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from scripts.bastion import BastionError, stack_outputs, start, stop, tunnel_command

INSTANCE = "i-0123456789abcdef0"
FORWARD = (
    "aws ssm start-session --region eu-west-1 --target i-0123456789abcdef0 --document-name "
    "AWS-StartPortForwardingSessionToRemoteHost --parameters "
    '\'{"host":["todo-dev.cluster-x.eu-west-1.rds.amazonaws.com"],"portNumber":["5432"],'
    '"localPortNumber":["15432"]}\''
)


def client(service: str) -> Any:
    """A client that needs no credentials (the Stubber answers every call)."""
    return boto3.client(
        service, region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x"
    )


def stubbed(service: str) -> Iterator[tuple[Any, Stubber]]:
    """A client and its stubber; every stubbed answer must have been asked for."""
    stubbed_client = client(service)
    with Stubber(stubbed_client) as stubber:
        yield stubbed_client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def ec2() -> Iterator[tuple[Any, Stubber]]:
    """EC2, stubbed."""
    yield from stubbed("ec2")


@pytest.fixture
def ssm() -> Iterator[tuple[Any, Stubber]]:
    """SSM, stubbed."""
    yield from stubbed("ssm")


def state(name: str) -> dict[str, Any]:
    """A DescribeInstances answer with the bastion in one state."""
    return {"Reservations": [{"Instances": [{"InstanceId": INSTANCE, "State": {"Name": name}}]}]}


def ping(status: str | None) -> dict[str, Any]:
    """A DescribeInstanceInformation answer: SSM sees the instance with a status, or not."""
    found = [] if status is None else [{"InstanceId": INSTANCE, "PingStatus": status}]
    return {"InstanceInformationList": found}


IDS = {"InstanceIds": [INSTANCE]}
SSM_FILTER = {"Filters": [{"Key": "InstanceIds", "Values": [INSTANCE]}]}


def test_start_starts_a_stopped_bastion_and_waits_for_ssm(ec2: Any, ssm: Any) -> None:
    """start-instances, the running waiter, then SSM polled until the agent is online."""
    (ec2_client, ec2_stub), (ssm_client, ssm_stub) = ec2, ssm
    ec2_stub.add_response("describe_instances", state("stopped"), IDS)
    ec2_stub.add_response("start_instances", {"StartingInstances": []}, IDS)
    ec2_stub.add_response("describe_instances", state("running"), IDS)
    ssm_stub.add_response("describe_instance_information", ping(None), SSM_FILTER)
    ssm_stub.add_response("describe_instance_information", ping("Online"), SSM_FILTER)
    slept: list[float] = []
    start(ec2_client, ssm_client, INSTANCE, sleep=slept.append)
    assert slept == [5]


def test_start_leaves_a_running_bastion_alone(ec2: Any, ssm: Any) -> None:
    """No start-instances call when it already runs."""
    (ec2_client, ec2_stub), (ssm_client, ssm_stub) = ec2, ssm
    ec2_stub.add_response("describe_instances", state("running"), IDS)
    ssm_stub.add_response("describe_instance_information", ping("Online"), SSM_FILTER)
    start(ec2_client, ssm_client, INSTANCE, sleep=lambda _: None)


def test_start_gives_up_when_ssm_never_sees_the_bastion(ec2: Any, ssm: Any) -> None:
    """Three minutes of polling, then a clear error instead of a hanging tunnel."""
    (ec2_client, ec2_stub), (ssm_client, ssm_stub) = ec2, ssm
    ec2_stub.add_response("describe_instances", state("running"), IDS)
    for _ in range(36):
        ssm_stub.add_response("describe_instance_information", ping("ConnectionLost"), SSM_FILTER)
    with pytest.raises(BastionError, match="SSM has not seen it"):
        start(ec2_client, ssm_client, INSTANCE, sleep=lambda _: None)


def test_stop_stops_a_running_bastion_and_waits(ec2: Any) -> None:
    """stop-instances, then the stopped waiter."""
    ec2_client, stub = ec2
    stub.add_response("describe_instances", state("running"), IDS)
    stub.add_response("stop_instances", {"StoppingInstances": []}, IDS)
    stub.add_response("describe_instances", state("stopped"), IDS)
    stop(ec2_client, INSTANCE)


def test_stop_leaves_a_stopped_bastion_alone(ec2: Any) -> None:
    """Stopping twice is harmless."""
    ec2_client, stub = ec2
    stub.add_response("describe_instances", state("stopped"), IDS)
    stop(ec2_client, INSTANCE)


def test_the_instance_and_tunnel_come_from_the_api_stack_outputs() -> None:
    """Outputs of TodoApi-<stage>; the tunnel command splits into the ssm argv."""
    cloudformation = client("cloudformation")
    outputs = [
        {"OutputKey": "BastionInstanceId", "OutputValue": INSTANCE},
        {"OutputKey": "PortForwardCommand", "OutputValue": FORWARD},
    ]
    answer = {"Stacks": [{"StackName": "TodoApi-dev", "CreationTime": "2026-11-22T00:00:00Z",
                          "StackStatus": "CREATE_COMPLETE", "Outputs": outputs}]}  # fmt: skip
    with Stubber(cloudformation) as stub:
        stub.add_response("describe_stacks", answer, {"StackName": "TodoApi-dev"})
        found = stack_outputs(cloudformation, "dev")
    assert found["BastionInstanceId"] == INSTANCE
    argv = tunnel_command(found)
    assert argv[:3] == ["aws", "ssm", "start-session"]
    assert argv[-1].startswith('{"host":')


def test_a_stage_that_was_never_deployed_is_named_in_the_error() -> None:
    """describe-stacks fails for a missing stack; the message says to deploy first."""
    cloudformation = client("cloudformation")
    with Stubber(cloudformation) as stub:
        stub.add_client_error(
            "describe_stacks", "ValidationError", "Stack with id TodoApi-qa does not exist"
        )
        with pytest.raises(BastionError, match="TodoApi-qa not found"):
            stack_outputs(cloudformation, "qa")
