"""The function's opt-in settings: SnapStart behind a `live` alias, memory, a concurrency cap.

Each one changes the template only when asked for; the default deployment is the one the
template has always produced.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.infra.conftest import Synth
from tests.infra.test_outputs import check_aws_cli, output


def referenced(value: Any) -> set[str]:
    """Return the logical ids a template value refers to (Ref and GetAtt), at any depth."""
    if isinstance(value, list):
        return set().union(*(referenced(item) for item in value))
    if not isinstance(value, dict):
        return set()
    found = set().union(*(referenced(item) for item in value.values()))
    if "Ref" in value:
        found.add(value["Ref"])
    if "Fn::GetAtt" in value:
        found.add(value["Fn::GetAtt"][0])
    return found


def versions_of(synth: Synth, function_id: str) -> dict[str, Any]:
    """Return the published versions of one function, by logical id."""
    return {k: v for k, v in synth.resources(synth.api, "AWS::Lambda::Version").items()
            if v["Properties"]["FunctionName"] == {"Ref": function_id}}  # fmt: skip


def invoked_by_api_gateway(synth: Synth) -> set[str]:
    """Return what the REST API's integrations and invoke permissions point at."""
    methods = synth.resources(synth.api, "AWS::ApiGateway::Method").values()
    permissions = synth.resources(synth.api, "AWS::Lambda::Permission").values()
    targets = [m["Properties"]["Integration"]["Uri"] for m in methods]
    targets += [p["Properties"]["FunctionName"] for p in permissions]
    lambdas = {synth.django()[0]} | set(synth.resources(synth.api, "AWS::Lambda::Alias"))
    return set().union(*(referenced(t) for t in targets)) & lambdas


def test_by_default_api_gateway_invokes_the_live_alias_of_a_512_mb_uncapped_function(
    dev: Synth,
) -> None:
    """No snapshot and no reserved concurrency; a published version behind the `live`
    alias all the same, which API Gateway and the migrate command invoke: the alias moves
    only once the deploy has migrated for the new version."""
    function_id, props = dev.django()
    assert "SnapStart" not in props
    assert "ReservedConcurrentExecutions" not in props
    assert props["MemorySize"] == 512
    alias = dev.one(dev.api, "AWS::Lambda::Alias")
    assert (alias["Name"], alias["FunctionName"]) == ("live", {"Ref": function_id})
    assert invoked_by_api_gateway(dev) == set(dev.resources(dev.api, "AWS::Lambda::Alias"))
    assert check_aws_cli(output(dev, dev.api, "MigrateCommand"))["Qualifier"] == "live"


def test_saying_snapstart_false_is_the_default(dev: Synth, synth: Callable[..., Synth]) -> None:
    assert synth(snapStart="false").api == dev.api


def test_snapstart_publishes_a_version_with_a_snapshot_and_an_alias_points_at_it(
    snapstart: Synth,
) -> None:
    function_id, props = snapstart.django()
    assert props["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    ((version_id, version),) = versions_of(snapstart, function_id).items()
    assert version["Properties"]["FunctionName"] == {"Ref": function_id}
    alias = snapstart.one(snapstart.api, "AWS::Lambda::Alias")
    assert alias["Name"] == "live"
    assert alias["FunctionName"] == {"Ref": function_id}
    assert alias["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}


def test_a_version_a_deploy_replaces_is_deleted_with_its_snapshot(snapstart: Synth) -> None:
    """Each kept version would keep a snapshot billed by the GB-second; nothing invokes an
    old one, so CloudFormation deletes it once the alias has moved on."""
    (version,) = versions_of(snapstart, snapstart.django()[0]).values()
    assert version["DeletionPolicy"] == "Delete"
    assert version["UpdateReplacePolicy"] == "Delete"


def test_with_snapstart_api_gateway_and_the_migrate_command_invoke_the_alias(
    snapstart: Synth,
) -> None:
    """$LATEST has no snapshot: invoking it would initialise from scratch every time."""
    assert invoked_by_api_gateway(snapstart) == set(
        snapstart.resources(snapstart.api, "AWS::Lambda::Alias")
    )
    given = check_aws_cli(output(snapstart, snapstart.api, "MigrateCommand"))
    function_id, _ = snapstart.django()
    assert (given["FunctionName"], given["Qualifier"]) == (f"<{function_id}>", "live")


def test_memory_and_a_concurrency_cap_come_from_context(tuned: Synth) -> None:
    """1,769 MB is one vCPU's worth; 20 instances at most, so at most 40 pooled
    connections (two per instance) reach Aurora however hard the traffic bursts."""
    _, props = tuned.django()
    assert props["MemorySize"] == 1769
    assert props["ReservedConcurrentExecutions"] == 20
    assert "SnapStart" not in props
