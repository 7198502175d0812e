"""The API stack: a credential-free function, a throttled and logged REST API, the bastion."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from config.aws_lambda.management import allowed, is_management_event
from scripts.apigateway_events import BINARY_MEDIA_TYPES
from tests.infra.conftest import Synth
from tests.infra.test_data_stack import ref, subnet_type

FUNCTION = "AWS::Lambda::Function"


def function(synth: Synth) -> dict[str, Any]:
    """The Django function's properties."""
    return synth.django()[1]


def test_the_function_runs_python_3_13_on_arm64_with_512_mb(dev: Synth) -> None:
    """Runtime, architecture, memory and the Mangum handler in config/aws_lambda/handler.py."""
    props = function(dev)
    assert props["Runtime"] == "python3.13"
    assert props["Architectures"] == ["arm64"]
    assert props["MemorySize"] == 512
    assert props["Handler"] == "config.aws_lambda.handler.handler"


def test_the_function_gives_up_before_api_gateway_does(dev: Synth) -> None:
    """A REST API integration times out at 29 s; the function's limit is below it."""
    assert function(dev)["Timeout"] < 29


def test_the_function_runs_in_the_isolated_subnets(dev: Synth) -> None:
    """Both isolated subnets, no public one; its group comes from the data stack."""
    vpc = function(dev)["VpcConfig"]
    subnets = [ref(dev.from_data(s)) for s in vpc["SubnetIds"]]
    assert [subnet_type(dev, s) for s in subnets] == ["Isolated", "Isolated"]
    (group,) = [ref(dev.from_data(g)) for g in vpc["SecurityGroupIds"]]
    assert group.startswith("DatabaseFunctionSecurityGroup")


def test_the_environment_says_where_to_connect_and_holds_no_credential(dev: Synth) -> None:
    """Host, port, database and role, and the metrics' namespace: no password, URL,
    secret or reference to one."""
    variables = function(dev)["Environment"]["Variables"]
    assert sorted(variables) == ["DB_HOST", "DB_NAME", "DB_PORT", "DB_USER", "METRICS_NAMESPACE"]
    assert (variables["DB_PORT"], variables["DB_NAME"], variables["DB_USER"]) == (
        "5432",
        "todo",
        "todo_app",
    )
    assert dev.from_data(variables["DB_HOST"])["Fn::GetAtt"][1] == "Endpoint.Address"
    text = json.dumps(variables)
    for forbidden in ("PASSWORD", "DATABASE_URL", "SECRET", "MasterUserSecret", "secretsmanager"):
        assert forbidden.lower() not in text.lower(), forbidden


def test_cors_origins_reach_the_function_as_its_allowed_origins(
    synth: Callable[..., Synth],
) -> None:
    """`-c corsOrigins=a,b` becomes CORS_ALLOWED_ORIGINS, which config/settings.py reads;
    without it the variable is absent and the API admits no browser origin."""
    frontend = synth(corsOrigins="https://app.example.com, http://localhost:3000")
    variables = function(frontend)["Environment"]["Variables"]
    assert variables["CORS_ALLOWED_ORIGINS"] == "https://app.example.com,http://localhost:3000"


def test_the_function_may_connect_as_the_application_role_and_nothing_more(dev: Synth) -> None:
    """One statement: rds-db:connect for dbuser <cluster resource id>/todo_app; no secret."""
    (policy,) = policies_of(dev, function(dev))
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert (statement["Effect"], statement["Action"]) == ("Allow", "rds-db:connect")
    parts = statement["Resource"]["Fn::Join"][1]
    assert parts[-1] == "/todo_app"
    (cluster,) = dev.resources(dev.data, "AWS::RDS::DBCluster")
    assert dev.from_data(parts[-2]) == {"Fn::GetAtt": [cluster, "DBClusterResourceId"]}
    role = dev.api["Resources"][function(dev)["Role"]["Fn::GetAtt"][0]]
    assert "secretsmanager" not in json.dumps(role), "the function serving requests reads none"


def policies_of(synth: Synth, props: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the inline policies attached to a function's role."""
    role = props["Role"]["Fn::GetAtt"][0]
    return [p["Properties"] for p in synth.resources(synth.api, "AWS::IAM::Policy").values()
            if {"Ref": role} in p["Properties"]["Roles"]]  # fmt: skip


def test_the_function_logs_json_to_a_log_group_with_retention(dev: Synth) -> None:
    """Lambda's JSON log format, into a log group the stack owns, kept 14 days on dev."""
    logging = function(dev)["LoggingConfig"]
    assert logging["LogFormat"] == "JSON"
    group = dev.api["Resources"][ref(logging["LogGroup"])]
    assert group["Properties"]["RetentionInDays"] == 14


def test_the_rest_api_proxies_every_path_to_the_function(dev: Synth) -> None:
    """ANY / and ANY /{proxy+}, both Lambda proxy integrations of the function's alias."""
    methods = [m["Properties"] for m in dev.resources(dev.api, "AWS::ApiGateway::Method").values()]
    assert sorted(m["HttpMethod"] for m in methods) == ["ANY", "ANY"]
    for method in methods:
        assert method["Integration"]["Type"] == "AWS_PROXY"
        assert "DjangoLive" in json.dumps(method["Integration"]["Uri"])
    proxy = dev.one(dev.api, "AWS::ApiGateway::Resource")
    assert proxy["PathPart"] == "{proxy+}"


def test_the_rest_api_compresses_and_passes_binary_bodies(dev: Synth) -> None:
    """gzip from 1 KiB; */* as binary so base64 bodies from Mangum are decoded."""
    api = dev.one(dev.api, "AWS::ApiGateway::RestApi")
    assert api["MinimumCompressionSize"] == 1024
    assert api["BinaryMediaTypes"] == ["*/*"]
    assert api["EndpointConfiguration"] == {"Types": ["REGIONAL"]}


def test_the_events_of_the_tests_and_the_local_gateway_encode_bodies_as_the_rest_api(
    dev: Synth,
) -> None:
    """The event builder's default binary media types are the deployed API's."""
    api = dev.one(dev.api, "AWS::ApiGateway::RestApi")
    assert api["BinaryMediaTypes"] == list(BINARY_MEDIA_TYPES)


def test_the_stage_is_dev_and_throttled_at_100_per_second_burst_200(dev: Synth) -> None:
    """Stage name from context; throttling on every method."""
    stage = dev.one(dev.api, "AWS::ApiGateway::Stage")
    assert stage["StageName"] == "dev"
    (settings,) = stage["MethodSettings"]
    assert (settings["HttpMethod"], settings["ResourcePath"]) == ("*", "/*")
    assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (100, 200)


def test_the_stage_writes_json_access_logs_to_a_log_group_with_retention(dev: Synth) -> None:
    """One JSON object per request, with the request id the function logs too."""
    access = dev.one(dev.api, "AWS::ApiGateway::Stage")["AccessLogSetting"]
    sample = re.sub(r"\$context\.[A-Za-z.]+", "x", access["Format"])
    assert set(json.loads(sample)) >= {"requestId", "status", "path", "responseLatency"}
    destination = access["DestinationArn"]["Fn::Join"][1]
    group = dev.api["Resources"][ref(destination[-1])]
    assert group["Properties"]["RetentionInDays"] == 14
    # API Gateway needs the account's CloudWatch role before it can write access logs.
    (account,) = dev.resources(dev.api, "AWS::ApiGateway::Account")
    (stage,) = dev.resources(dev.api, "AWS::ApiGateway::Stage").values()
    assert account in stage["DependsOn"]


def test_the_bastion_is_a_t4g_nano_on_amazon_linux_2023_arm64(dev: Synth) -> None:
    """Instance type; the AMI read from AWS's public parameter by CloudFormation when it
    creates the instance, not at synth and not again on every deploy."""
    instance = dev.one(dev.api, "AWS::EC2::Instance")
    assert instance["InstanceType"] == "t4g.nano"
    assert instance["ImageId"] == (
        "{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64}}"
    )
    assert not [p for p in dev.api.get("Parameters", {}) if p.startswith("SsmParameterValue")]


def test_the_bastion_has_no_key_requires_imdsv2_and_encrypts_its_disk(dev: Synth) -> None:
    """No SSH key pair; IMDSv2 tokens required; an encrypted gp3 root volume."""
    instance = dev.one(dev.api, "AWS::EC2::Instance")
    assert "KeyName" not in instance
    template = dev.one(dev.api, "AWS::EC2::LaunchTemplate")
    assert template["LaunchTemplateData"]["MetadataOptions"]["HttpTokens"] == "required"
    (disk,) = instance["BlockDeviceMappings"]
    assert disk["Ebs"] == {"Encrypted": True, "VolumeSize": 8, "VolumeType": "gp3"}


def test_the_bastion_is_managed_by_ssm_from_a_public_subnet(dev: Synth) -> None:
    """A public address to reach SSM without endpoints; the SSM core policy on its role."""
    (nic,) = dev.one(dev.api, "AWS::EC2::Instance")["NetworkInterfaces"]
    assert nic["AssociatePublicIpAddress"] is True
    assert subnet_type(dev, ref(dev.from_data(nic["SubnetId"]))) == "Public"
    (group,) = [ref(dev.from_data(g)) for g in nic["GroupSet"]]
    assert group.startswith("DatabaseBastionSecurityGroup")
    roles = json.dumps(dev.resources(dev.api, "AWS::IAM::Role"))
    assert "AmazonSSMManagedInstanceCore" in roles


def test_a_daily_rule_runs_purge_expired_in_the_function(dev: Synth) -> None:
    """Expired refresh tokens, sign-in counters and idempotency keys do not pile up."""
    (rule,) = dev.resources(dev.api, "AWS::Events::Rule")
    props = dev.one(dev.api, "AWS::Events::Rule")
    assert props["ScheduleExpression"] == "rate(1 day)"
    (target,) = props["Targets"]
    event = json.loads(target["Input"])
    assert event == {"manage": ["purge_expired"], "raiseOnFailure": True}
    assert is_management_event(event)
    assert allowed(event["manage"])
    (alias,) = dev.resources(dev.api, "AWS::Lambda::Alias")
    assert target["Arn"] == {"Ref": alias}  # the live alias: the version migrated for
    permissions = dev.resources(dev.api, "AWS::Lambda::Permission").values()
    (by_events,) = [
        p["Properties"]
        for p in permissions
        if p["Properties"]["Principal"] == "events.amazonaws.com"
    ]
    assert by_events["Action"] == "lambda:InvokeFunction"
    assert by_events["SourceArn"] == {"Fn::GetAtt": [rule, "Arn"]}  # this rule, no other


def test_with_snapstart_the_rule_invokes_the_live_alias(snapstart: Synth) -> None:
    """$LATEST has no snapshot; the alias is what each deploy publishes."""
    (target,) = snapstart.one(snapstart.api, "AWS::Events::Rule")["Targets"]
    (alias,) = snapstart.resources(snapstart.api, "AWS::Lambda::Alias")
    assert target["Arn"] == {"Ref": alias}


def test_purge_schedule_off_leaves_no_rule(synth: Callable[..., Synth]) -> None:
    off = synth(purgeSchedule="off")
    assert not off.resources(off.api, "AWS::Events::Rule")
