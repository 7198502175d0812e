"""A deploy migrates before traffic: version published -> migrations run -> alias moved;
in prod the alias moves through a CodeDeploy canary that alarms roll back."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from config.aws_lambda.deploy_hook import STEPS
from infra.components.rollout import CONFIG
from tests.infra.conftest import Synth
from tests.infra.test_api_stack import policies_of
from tests.infra.test_data_stack import group_id, ref


def depends_on(resource: dict[str, Any]) -> set[str]:
    """Return a resource's explicit dependencies."""
    value = resource.get("DependsOn", [])
    return {value} if isinstance(value, str) else set(value)


def logical_id(synth: Synth, kind: str, where: Callable[[dict[str, Any]], bool]) -> str:
    """Return the logical id of the only API-stack resource of `kind` matching `where`."""
    (found,) = [k for k, v in synth.resources(synth.api, kind).items() if where(v)]
    return found


def ordering(synth: Synth) -> tuple[str, str, str]:
    """Return the API function's version, the migrations trigger and the live alias."""
    django, _ = synth.django()
    version = logical_id(synth, "AWS::Lambda::Version",
                         lambda v: v["Properties"]["FunctionName"] == {"Ref": django})  # fmt: skip
    (trigger,) = synth.resources(synth.api, "Custom::Trigger")
    alias = logical_id(synth, "AWS::Lambda::Alias", lambda v: True)
    return version, trigger, alias


def test_the_trigger_runs_after_the_version_is_published_and_before_the_alias_moves(
    dev: Synth,
) -> None:
    version, trigger, alias = ordering(dev)
    resources = dev.api["Resources"]
    assert version in depends_on(resources[trigger])
    assert trigger in depends_on(resources[alias])
    assert resources[alias]["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version, "Version"]}


def test_the_trigger_invokes_the_migrations_synchronously_and_again_on_each_new_code(
    dev: Synth,
) -> None:
    """RequestResponse: a failed run fails the custom resource, hence the deploy. It names
    the migrations' current version, replaced whenever their code changes."""
    _, trigger, _ = ordering(dev)
    props = dev.api["Resources"][trigger]["Properties"]
    migrations, _ = dev.migrations()
    handler = props["HandlerArn"]["Ref"]
    assert dev.api["Resources"][handler]["Properties"]["FunctionName"] == {"Ref": migrations}
    assert (props["InvocationType"], props["ExecuteOnHandlerChange"]) == ("RequestResponse", True)
    assert int(props["Timeout"]) == 600_000


def test_the_migrations_run_the_api_code_in_the_vpc_with_the_master_secret(dev: Synth) -> None:
    """Same asset as the API; the deploy hook's two steps; the secret's ARN, the database's
    place and the application role; the migrations' security group."""
    _, migrations = dev.migrations()
    _, django = dev.django()
    assert migrations["Code"] == django["Code"]
    assert STEPS == ("create_app_role", "migrate")
    variables = migrations["Environment"]["Variables"]
    assert "DB_SECRET_ARN" not in django["Environment"]["Variables"]
    assert dev.from_data(variables["DB_SECRET_ARN"])["Fn::GetAtt"][1] == (
        "MasterUserSecret.SecretArn"
    )
    assert (variables["DB_USER"], variables["DB_NAME"]) == ("todo_app", "todo")
    assert variables["DB_HOST"] == django["Environment"]["Variables"]["DB_HOST"]
    (group,) = [ref(dev.from_data(g)) for g in migrations["VpcConfig"]["SecurityGroupIds"]]
    assert group == group_id(dev, "DatabaseMigrationSecurityGroup")
    assert migrations["Timeout"] == 600


def test_only_the_migrations_may_read_the_master_secret(dev: Synth) -> None:
    """One statement: GetSecretValue on the RDS-managed secret, nothing else."""
    _, migrations = dev.migrations()
    (policy,) = policies_of(dev, migrations)
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert (statement["Effect"], statement["Action"]) == ("Allow", "secretsmanager:GetSecretValue")
    assert dev.from_data(statement["Resource"])["Fn::GetAtt"][1] == "MasterUserSecret.SecretArn"
    _, django = dev.django()
    assert "secretsmanager" not in json.dumps(policies_of(dev, django))


def test_dev_moves_the_alias_at_once(dev: Synth) -> None:
    (alias,) = dev.resources(dev.api, "AWS::Lambda::Alias").values()
    assert "UpdatePolicy" not in alias
    assert not dev.resources(dev.api, "AWS::CodeDeploy::DeploymentGroup")


def test_prod_shifts_the_alias_through_a_canary_that_rolls_back_on_alarm(prod: Synth) -> None:
    """10 % for 5 minutes, then all; back to the previous version when the 5xx, latency or
    function-error alarm fires during the shift, or the deployment fails or is stopped."""
    _, trigger, alias = ordering(prod)
    resources = prod.api["Resources"]
    update = resources[alias]["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
    ((group_id_, group),) = prod.resources(prod.api, "AWS::CodeDeploy::DeploymentGroup").items()
    assert update["DeploymentGroupName"] == {"Ref": group_id_}
    props = group["Properties"]
    assert props["DeploymentConfigName"] == CONFIG.deployment_config_name
    assert props["DeploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert set(props["AutoRollbackConfiguration"]["Events"]) == {
        "DEPLOYMENT_FAILURE",
        "DEPLOYMENT_STOP_ON_REQUEST",
        "DEPLOYMENT_STOP_ON_ALARM",
    }
    assert props["AlarmConfiguration"]["Enabled"] is True
    alarms = {a["Name"]["Ref"] for a in props["AlarmConfiguration"]["Alarms"]}
    metrics = {resources[a]["Properties"]["MetricName"] for a in alarms}
    assert metrics == {"5XXError", "Latency", "Errors"}
    # The canary starts only once the migrations have run.
    assert trigger in depends_on(resources[alias])


def test_canary_false_moves_prod_at_once(synth: Callable[..., Synth]) -> None:
    prod = synth(stage="prod", canary="false")
    assert not prod.resources(prod.api, "AWS::CodeDeploy::DeploymentGroup")


def test_prod_restores_from_a_snapshot_and_dev_does_not(dev: Synth, prod: Synth) -> None:
    """SnapStart is on by default where users wait; `-c snapStart=false` turns it off."""
    assert prod.django()[1]["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert "SnapStart" not in dev.django()[1]
    assert "SnapStart" not in prod.migrations()[1], "the migrations run once per deploy"
