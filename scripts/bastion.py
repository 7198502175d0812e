"""Start, stop or tunnel through the SSM bastion of a deployed stage.

A stopped bastion costs only its disk (about US$0.64 a month), so stop it when done:

    uv run python scripts/bastion.py start  [--stage dev]   # start it; wait until SSM sees it
    uv run python scripts/bastion.py tunnel [--stage dev]   # start it, then forward the port
    uv run python scripts/bastion.py stop   [--stage dev]
    uv run python scripts/bastion.py status [--stage dev]

The instance and the tunnel command come from the API stack's outputs. AWS credentials
and the region come from the usual places (AWS_PROFILE, AWS_REGION, ~/.aws/config).
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from typing import Any

import boto3

API_STACK = "TodoApi-{stage}"
# SSM registers a freshly started instance a little after EC2 reports it running.
SSM_WAIT_SECONDS, SSM_POLL_SECONDS = 180, 5


class BastionError(Exception):
    """The bastion cannot be found or does not come up."""


def stack_outputs(cloudformation: Any, stage: str) -> dict[str, str]:
    """Return the API stack's outputs by name.

    :raises BastionError: if the stack is not deployed.
    """
    name = API_STACK.format(stage=stage)
    try:
        stacks = cloudformation.describe_stacks(StackName=name)["Stacks"]
    except cloudformation.exceptions.ClientError as error:
        raise BastionError(f"stack {name} not found: deploy it first (make deploy)") from error
    return {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}


def instance_state(ec2: Any, instance_id: str) -> str:
    """Return the instance's state: pending, running, stopping, stopped, ..."""
    reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    return str(reservations[0]["Instances"][0]["State"]["Name"])


def start(ec2: Any, ssm: Any, instance_id: str, *, sleep: Any = time.sleep) -> None:
    """Start the instance if needed and wait until SSM can open sessions to it.

    :raises BastionError: if SSM does not see the instance in time.
    """
    if instance_state(ec2, instance_id) != "running":
        ec2.start_instances(InstanceIds=[instance_id])
        ec2.get_waiter("instance_running").wait(InstanceIds=[instance_id])
    for _ in range(SSM_WAIT_SECONDS // SSM_POLL_SECONDS):
        found = ssm.describe_instance_information(
            Filters=[{"Key": "InstanceIds", "Values": [instance_id]}]
        )["InstanceInformationList"]
        if found and found[0]["PingStatus"] == "Online":
            return
        sleep(SSM_POLL_SECONDS)
    raise BastionError(f"{instance_id} is running but SSM has not seen it after 3 minutes")


def stop(ec2: Any, instance_id: str) -> None:
    """Stop the instance and wait until it has stopped."""
    if instance_state(ec2, instance_id) in {"stopped", "stopping"}:
        return
    ec2.stop_instances(InstanceIds=[instance_id])
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[instance_id])


def tunnel_command(outputs: dict[str, str]) -> list[str]:
    """Return the stack's port-forward command as an argument list."""
    return shlex.split(outputs["PortForwardCommand"])


def main() -> None:
    """Run the subcommand given on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=["start", "stop", "status", "tunnel"])
    parser.add_argument("--stage", default="dev")
    args = parser.parse_args()
    session = boto3.Session()
    try:
        outputs = stack_outputs(session.client("cloudformation"), args.stage)
        instance_id = outputs["BastionInstanceId"]
        ec2 = session.client("ec2")
        if args.action == "status":
            print(f"{instance_id}: {instance_state(ec2, instance_id)}")
        elif args.action == "stop":
            stop(ec2, instance_id)
            print(f"{instance_id}: stopped")
        else:
            start(ec2, session.client("ssm"), instance_id)
            print(f"{instance_id}: running, reachable through SSM")
            if args.action == "tunnel":
                command = tunnel_command(outputs)
                sys.stdout.flush()
                os.execvp(command[0], command)  # noqa: S606
    except BastionError as error:
        raise SystemExit(str(error)) from None


if __name__ == "__main__":
    main()
