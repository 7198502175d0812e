"""Stages and options differ by context, not by code: prod keeps its data, dev does not."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.app import default_context
from infra.settings import CONTEXT_KEYS, SettingsError, StageSettings
from tests.infra.conftest import Synth
from tests.infra.test_data_stack import group_id, ref, subnet_type


def test_dev_can_be_destroyed_with_its_stack(dev: Synth) -> None:
    """No deletion protection; the cluster and every log group are deleted with the stack."""
    (cluster,) = dev.resources(dev.data, "AWS::RDS::DBCluster").values()
    assert cluster["Properties"]["DeletionProtection"] is False
    assert cluster["DeletionPolicy"] == "Delete"
    for stack in (dev.data, dev.api):
        for group in dev.resources(stack, "AWS::Logs::LogGroup").values():
            assert group["DeletionPolicy"] == "Delete"
    assert not dev.manifest["artifacts"]["TodoData-dev"]["properties"].get("terminationProtection")


def test_prod_protects_and_retains_its_database(prod: Synth) -> None:
    """Deletion protection, termination protection on the data stack, and everything in it
    retained: a kept cluster keeps its subnets and security groups in use."""
    (cluster,) = prod.resources(prod.data, "AWS::RDS::DBCluster").values()
    assert cluster["Properties"]["DeletionProtection"] is True
    assert cluster["UpdateReplacePolicy"] == "Retain"
    for name, resource in prod.data["Resources"].items():
        if resource["Type"] != "AWS::CDK::Metadata":
            assert resource.get("DeletionPolicy") == "Retain", name
    assert prod.manifest["artifacts"]["TodoData-prod"]["properties"]["terminationProtection"]


def test_prod_keeps_backups_and_logs_longer(dev: Synth, prod: Synth) -> None:
    """Backups 1 day on dev (free), 14 on prod; logs 14 days on dev, 90 on prod."""
    for synth, backup, retention in ((dev, 1, 14), (prod, 14, 90)):
        (cluster,) = synth.resources(synth.data, "AWS::RDS::DBCluster").values()
        assert cluster["Properties"]["BackupRetentionPeriod"] == backup
        for stack in (synth.data, synth.api):
            for group in synth.resources(stack, "AWS::Logs::LogGroup").values():
                assert group["Properties"]["RetentionInDays"] == retention


def test_the_stage_names_the_stacks_the_cluster_and_the_api_stage(prod: Synth) -> None:
    """`-c stage=prod`: TodoData-prod, TodoApi-prod, cluster todo-prod, API stage prod."""
    assert {"TodoData-prod", "TodoApi-prod"} <= set(prod.manifest["artifacts"])
    (cluster,) = prod.resources(prod.data, "AWS::RDS::DBCluster").values()
    assert cluster["Properties"]["DBClusterIdentifier"] == "todo-prod"
    assert prod.one(prod.api, "AWS::ApiGateway::Stage")["StageName"] == "prod"


def test_an_isolated_bastion_reaches_ssm_through_endpoints_in_one_az(isolated: Synth) -> None:
    """No public subnet or internet gateway; SSM, SSM Messages and EC2 Messages endpoints
    in the bastion's subnet only."""
    assert not isolated.resources(isolated.data, "AWS::EC2::InternetGateway")
    subnets = isolated.resources(isolated.data, "AWS::EC2::Subnet")
    assert sorted(subnet_type(isolated, s) for s in subnets) == ["Isolated", "Isolated"]
    endpoints = [
        e
        for e in isolated.resources(isolated.data, "AWS::EC2::VPCEndpoint").values()
        if "secretsmanager" not in json.dumps(e)
    ]  # the migrations': test_data_stack
    names = sorted(str(e["Properties"]["ServiceName"]).split(".")[-1].rstrip("'\"]}")
                   for e in endpoints)  # fmt: skip
    assert names == ["ec2messages", "ssm", "ssmmessages"]
    (nic,) = isolated.one(isolated.api, "AWS::EC2::Instance")["NetworkInterfaces"]
    bastion_subnet = ref(isolated.from_data(nic["SubnetId"]))
    for endpoint in endpoints:
        assert endpoint["Properties"]["VpcEndpointType"] == "Interface"
        assert [ref(s) for s in endpoint["Properties"]["SubnetIds"]] == [bastion_subnet]
    assert not nic.get("AssociatePublicIpAddress")


def test_the_ssm_endpoints_admit_https_from_the_bastion_only(isolated: Synth) -> None:
    """The endpoints' group: 443 from the bastion's group; the bastion's HTTPS goes there."""
    endpoints = group_id(isolated, "NetworkSsmEndpoints")
    bastion = group_id(isolated, "DatabaseBastionSecurityGroup")
    rules = isolated.rules("ingress", endpoints)
    assert [(ref(r["SourceSecurityGroupId"]), r["FromPort"]) for r in rules] == [(bastion, 443)]
    bastion_props = isolated.data["Resources"][bastion]["Properties"]
    assert "SecurityGroupEgress" not in bastion_props, "no route to the internet, no rule for it"


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"stage": "dev-1"}, "stage"),
        ({"stage": "Dev"}, "stage"),
        ({"stage": "a__b"}, "stage"),
        ({"stage": "x" * 31}, "stage"),
        ({"maxCapacity": "0.5"}, "at least 1"),
        ({"minCapacity": "3", "maxCapacity": "2"}, "minCapacity"),
        ({"maxCapacity": "2.3"}, "0.5 ACU"),
        ({"autoPauseSeconds": "60"}, "autoPauseSeconds"),
        ({"throttleRate": "300"}, "throttleBurst"),
        ({"isolatedBastion": "maybe"}, "true or false"),
        ({"logRetentionDays": "10"}, "logRetentionDays"),
        ({"maxCapacity": "two"}, "number"),
        ({"snapStart": "maybe"}, "true or false"),
        ({"memorySize": "64"}, "memorySize"),
        ({"memorySize": "10241"}, "memorySize"),
        ({"memorySize": "512.5"}, "whole number"),
        ({"reservedConcurrency": "0"}, "would stop the function"),
        ({"reservedConcurrency": "-3"}, "reservedConcurrency"),
        ({"reservedConcurrency": "many"}, "number"),
        ({"purgeSchedule": "daily"}, "purgeSchedule"),
        ({"purgeSchedule": "rate(0 days)"}, "purgeSchedule"),
        ({"purgeSchedule": "rate(2 day)"}, "purgeSchedule"),  # EventBridge refuses these
        ({"purgeSchedule": "rate(1 days)"}, "purgeSchedule"),
        ({"purgeSchedule": "cron(0 3 * * ? *)"}, "purgeSchedule"),  # not priced
        ({"corsOrigins": "*"}, "corsOrigins"),
        ({"corsOrigins": "https://app.example.com/"}, "corsOrigins"),
        ({"corsOrigins": "app.example.com"}, "corsOrigins"),
        ({"corsOrigins": "http://app.example.com"}, "corsOrigins"),
        ({"corsOrigins": "https://App.example.com"}, "corsOrigins"),
        ({"corsOrigins": "https://a.example.com,https://*.example.com"}, "corsOrigins"),
        ({"canary": "sometimes"}, "true or false"),
        ({"alarmEmail": "ops"}, "alarmEmail"),
        ({"alarmEmail": "a@b.com,c@d.com"}, "alarmEmail"),
        ({"githubRepository": "todo-api"}, "githubRepository"),
        ({"githubRepository": "example/todo api"}, "githubRepository"),
        ({"githubRepository": "example/*"}, "githubRepository"),
    ],
)
def test_a_context_value_the_app_cannot_deploy_is_refused(
    context: dict[str, Any], message: str
) -> None:
    """Bad `-c` values stop the synth with a message naming the key."""
    with pytest.raises(SettingsError, match=message):
        StageSettings.from_context(context)


def test_context_values_from_the_command_line_are_parsed() -> None:
    """`-c` values arrive as strings; numbers and flags are read from them."""
    settings = StageSettings.from_context(
        {"stage": "prod", "maxCapacity": "4.5", "isolatedBastion": "true", "protectData": "false"}
    )
    assert (settings.max_capacity, settings.isolated_bastion, settings.protect_data) == (
        4.5,
        True,
        False,
    )


NON_DEFAULT = {
    "stage": "qa",
    "minCapacity": "0.5",
    "maxCapacity": "4",
    "autoPauseSeconds": "600",
    "isolatedBastion": "true",
    "throttleRate": "50",
    "throttleBurst": "300",
    "logRetentionDays": "30",
    "backupDays": "7",
    "protectData": "true",
    "snapStart": "true",
    "memorySize": "1024",
    "reservedConcurrency": "25",
    "corsOrigins": "https://app.example.com",
    "purgeSchedule": "rate(12 hours)",
    "web": "false",
    "webExport": "/srv/todo/web/out",
    "canary": "true",
    "alarmEmail": "ops@example.com",
    "githubRepository": "example/todo-api",
}


@pytest.mark.parametrize("key", CONTEXT_KEYS)
def test_every_context_key_the_app_passes_on_changes_a_setting(key: str) -> None:
    """infra/app.py forwards CONTEXT_KEYS; each of them is read by the settings."""
    assert StageSettings.from_context({key: NON_DEFAULT[key]}) != StageSettings.from_context({})


@pytest.mark.parametrize("unset", [None, "", "none", "off", "false"])
def test_the_concurrency_cap_is_off_unless_a_number_is_given(unset: str | None) -> None:
    """New accounts may hold as little as 10 of concurrency, and Lambda refuses a
    reservation that leaves too little unreserved, so no cap is the default."""
    settings = StageSettings.from_context({"reservedConcurrency": unset})
    assert settings.reserved_concurrency is None
    assert StageSettings.from_context({"reservedConcurrency": "40"}).reserved_concurrency == 40


def test_the_function_options_default_to_what_cdk_json_says() -> None:
    """cdk.json names the defaults (512 MB, no cap) and leaves SnapStart to the stage:
    on in prod, where users wait on cold starts, off in dev for its idle cost."""
    context = default_context()
    settings = StageSettings.from_context(context)
    assert "snapStart" not in context
    assert context["memorySize"] == settings.memory_size == 512
    assert settings.snap_start is False
    assert StageSettings.from_context({**context, "stage": "prod"}).snap_start is True
    prod_without = {**context, "stage": "prod", "snapStart": "false"}
    assert StageSettings.from_context(prod_without).snap_start is False
    assert "reservedConcurrency" not in context
    assert settings.reserved_concurrency is None


@pytest.mark.parametrize(
    "value",
    [
        "https://app.example.com,http://localhost:3000",
        ["https://app.example.com", "http://localhost:3000"],
    ],
)
def test_cors_origins_come_as_a_comma_separated_string_or_a_list(value: Any) -> None:
    """`-c` gives a string; cdk.json may hold a list."""
    settings = StageSettings.from_context({"corsOrigins": value})
    assert settings.cors_origins == ("https://app.example.com", "http://localhost:3000")
    assert StageSettings.from_context({}).cors_origins == ()


@pytest.mark.parametrize("off", ["off", "none", ""])
def test_the_purge_schedule_is_daily_unless_turned_off(off: str) -> None:
    assert StageSettings.from_context({}).purge_schedule == "rate(1 day)"
    assert StageSettings.from_context({"purgeSchedule": off}).purge_schedule is None
    for rate in ("rate(1 minute)", "rate(12 hours)", "rate(30 days)"):
        assert StageSettings.from_context({"purgeSchedule": rate}).purge_schedule == rate
