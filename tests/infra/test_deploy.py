"""A deploy migrates before traffic: version published -> role bootstrapped through the
Data API -> migrations run as that role -> alias moved; in prod the alias moves through a
CodeDeploy canary that alarms roll back."""

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


def trigger_of(synth: Synth, function: str) -> str:
    """Return the logical id of the trigger that invokes a version of `function`."""
    resources = synth.api["Resources"]
    (found,) = [k for k, v in synth.resources(synth.api, "Custom::Trigger").items()
                if resources[v["Properties"]["HandlerArn"]["Ref"]]["Properties"]["FunctionName"]
                == {"Ref": function}]  # fmt: skip
    return found


def ordering(synth: Synth) -> tuple[str, str, str, str]:
    """Return the API function's version, the bootstrap and migrations triggers, and the
    live alias."""
    django, _ = synth.django()
    version = logical_id(synth, "AWS::Lambda::Version",
                         lambda v: v["Properties"]["FunctionName"] == {"Ref": django})  # fmt: skip
    assert len(synth.resources(synth.api, "Custom::Trigger")) == 2
    bootstrap = trigger_of(synth, synth.bootstrap()[0])
    migrate = trigger_of(synth, synth.migrations()[0])
    alias = logical_id(synth, "AWS::Lambda::Alias", lambda v: True)
    return version, bootstrap, migrate, alias


def test_the_role_is_bootstrapped_then_migrated_for_between_version_and_alias(
    dev: Synth,
) -> None:
    """version -> bootstrap -> migrate -> alias: the tables are created by a role that
    exists, and the new code serves only on its own schema."""
    version, bootstrap, migrate, alias = ordering(dev)
    resources = dev.api["Resources"]
    assert version in depends_on(resources[bootstrap])
    assert {version, bootstrap} <= depends_on(resources[migrate])
    assert migrate in depends_on(resources[alias])
    assert resources[alias]["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [version, "Version"]}


def test_the_triggers_invoke_synchronously_and_again_on_each_new_code(dev: Synth) -> None:
    """RequestResponse: a failed run fails the custom resource, hence the deploy. Each
    names its function's current version, replaced whenever their code changes."""
    _, bootstrap, migrate, _ = ordering(dev)
    for trigger, timeout in ((bootstrap, 180_000), (migrate, 600_000)):
        props = dev.api["Resources"][trigger]["Properties"]
        assert (props["InvocationType"], props["ExecuteOnHandlerChange"]) == (
            "RequestResponse",
            True,
        )
        assert int(props["Timeout"]) == timeout


def test_the_migrations_run_the_api_code_in_the_vpc_as_the_app_role_without_a_secret(
    dev: Synth,
) -> None:
    """Same asset and database settings as the API: the application role, with an IAM
    token; no secret in the environment, no Secrets Manager permission; the migrations'
    security group."""
    _, migrations = dev.migrations()
    _, django = dev.django()
    assert migrations["Code"] == django["Code"]
    assert STEPS == ("migrate",)
    variables = migrations["Environment"]["Variables"]
    assert "SECRET" not in json.dumps(variables)
    assert "MasterUserSecret" not in json.dumps(variables)
    assert (variables["DB_USER"], variables["DB_NAME"]) == ("todo_app", "todo")
    assert variables["DB_HOST"] == django["Environment"]["Variables"]["DB_HOST"]
    (group,) = [ref(dev.from_data(g)) for g in migrations["VpcConfig"]["SecurityGroupIds"]]
    assert group == group_id(dev, "DatabaseMigrationSecurityGroup")
    assert migrations["Timeout"] == 600
    (policy,) = policies_of(dev, migrations)
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert (statement["Effect"], statement["Action"]) == ("Allow", "rds-db:connect")
    assert json.dumps(statement["Resource"]).endswith('/todo_app"]]}')
    assert "secretsmanager" not in json.dumps(policies_of(dev, migrations))


def test_the_bootstrap_runs_outside_the_vpc_with_the_cluster_and_secret_arns(dev: Synth) -> None:
    """No VPC: it calls the Data API's public endpoint. Its environment names the cluster,
    the RDS-managed secret (an ARN, not its value), the database and the role."""
    _, bootstrap = dev.bootstrap()
    _, django = dev.django()
    assert "VpcConfig" not in bootstrap
    assert bootstrap["Code"] == django["Code"]
    variables = bootstrap["Environment"]["Variables"]
    assert set(variables) == {"DB_CLUSTER_ARN", "DB_SECRET_ARN", "DB_NAME", "DB_USER"}
    assert dev.from_data(variables["DB_SECRET_ARN"])["Fn::GetAtt"][1] == (
        "MasterUserSecret.SecretArn"
    )
    assert (variables["DB_USER"], variables["DB_NAME"]) == ("todo_app", "todo")
    assert cluster_arn(dev, variables["DB_CLUSTER_ARN"])


def cluster_arn(synth: Synth, value: Any) -> bool:
    """Whether `value` is the ARN of the data stack's cluster, as CDK renders it."""
    (cluster,) = synth.resources(synth.data, "AWS::RDS::DBCluster")
    rendered = json.dumps(synth.from_data(value))
    return ":cluster:" in rendered and cluster in rendered


def test_only_the_bootstrap_may_run_statements_and_read_the_master_secret(dev: Synth) -> None:
    """Two statements: ExecuteStatement on the cluster, GetSecretValue on the RDS-managed
    secret (the Data API reads it as the caller); nothing else. The API function may do
    neither."""
    _, bootstrap = dev.bootstrap()
    (policy,) = policies_of(dev, bootstrap)
    statements = policy["PolicyDocument"]["Statement"]
    assert [(s["Effect"], s["Action"]) for s in statements] == [
        ("Allow", "rds-data:ExecuteStatement"),
        ("Allow", "secretsmanager:GetSecretValue"),
    ]
    execute, read = statements
    assert cluster_arn(dev, execute["Resource"])
    assert dev.from_data(read["Resource"])["Fn::GetAtt"][1] == "MasterUserSecret.SecretArn"
    _, django = dev.django()
    assert "secretsmanager" not in json.dumps(policies_of(dev, django))
    assert "rds-data" not in json.dumps(policies_of(dev, django))


def test_dev_moves_the_alias_at_once(dev: Synth) -> None:
    (alias,) = dev.resources(dev.api, "AWS::Lambda::Alias").values()
    assert "UpdatePolicy" not in alias
    assert not dev.resources(dev.api, "AWS::CodeDeploy::DeploymentGroup")


def test_prod_shifts_the_alias_through_a_canary_that_rolls_back_on_alarm(prod: Synth) -> None:
    """10 % for 5 minutes, then all; back to the previous version when the 5xx, latency or
    function-error alarm fires during the shift, or the deployment fails or is stopped."""
    _, _, trigger, alias = ordering(prod)
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
