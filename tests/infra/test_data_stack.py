"""The data stack: a NAT-free VPC, an Aurora cluster that pauses, and who may reach it."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Match

from tests.infra.conftest import Synth

INGRESS = "AWS::EC2::SecurityGroupIngress"


def group_id(synth: Synth, logical_id_prefix: str) -> str:
    """Return the logical id of the security group whose id starts with the prefix."""
    found = [k for k in synth.resources(synth.data, "AWS::EC2::SecurityGroup")
             if k.startswith(logical_id_prefix)]  # fmt: skip
    assert len(found) == 1, found
    return found[0]


def ref(value: Any) -> str:
    """Return the logical id a Ref or GetAtt points at."""
    return str(value["Ref"] if "Ref" in value else value["Fn::GetAtt"][0])


def subnet_type(synth: Synth, subnet: str) -> str:
    """Return the CDK subnet type (Public, Isolated, ...) tagged on a subnet."""
    tags = synth.data["Resources"][subnet]["Properties"]["Tags"]
    return str(next(t["Value"] for t in tags if t["Key"] == "aws-cdk:subnet-type"))


def test_the_vpc_spans_two_azs_without_a_nat_gateway(dev: Synth) -> None:
    """Two AZs, each with an isolated and a public subnet; no NAT gateway, no Elastic IP."""
    template = dev.data_template()
    template.resource_count_is("AWS::EC2::Subnet", 4)
    template.resource_count_is("AWS::EC2::NatGateway", 0)
    template.resource_count_is("AWS::EC2::EIP", 0)
    kinds = sorted(subnet_type(dev, s) for s in dev.resources(dev.data, "AWS::EC2::Subnet"))
    assert kinds == ["Isolated", "Isolated", "Public", "Public"]
    for subnet in dev.resources(dev.data, "AWS::EC2::Subnet").values():
        assert subnet["Properties"]["MapPublicIpOnLaunch"] is False


def test_the_vpc_logs_its_flows_to_a_log_group_that_expires(dev: Synth) -> None:
    """Flow logs of all traffic go to CloudWatch Logs with the stage's retention."""
    flow = dev.one(dev.data, "AWS::EC2::FlowLog")
    assert (flow["ResourceType"], flow["TrafficType"]) == ("VPC", "ALL")
    group = dev.data["Resources"][ref(flow["LogGroupName"])]
    assert group["Properties"]["RetentionInDays"] == 14


def test_aurora_serverless_v2_scales_to_zero_and_pauses_after_five_minutes(dev: Synth) -> None:
    """Min 0 ACU with an explicit auto-pause delay; max 2 ACU by default."""
    cluster = dev.one(dev.data, "AWS::RDS::DBCluster")
    assert cluster["ServerlessV2ScalingConfiguration"] == {
        "MinCapacity": 0,
        "MaxCapacity": 2,
        "SecondsUntilAutoPause": 300,
    }
    writer = dev.one(dev.data, "AWS::RDS::DBInstance")
    assert (writer["DBInstanceClass"], writer["PubliclyAccessible"]) == ("db.serverless", False)


def test_the_capacities_and_pause_delay_come_from_context(synth: Any) -> None:
    """`-c maxCapacity=4 -c autoPauseSeconds=900` reaches the cluster."""
    custom = synth(maxCapacity="4", autoPauseSeconds="900")
    scaling = custom.one(custom.data, "AWS::RDS::DBCluster")["ServerlessV2ScalingConfiguration"]
    assert (scaling["MaxCapacity"], scaling["SecondsUntilAutoPause"]) == (4, 900)


def test_the_cluster_runs_postgresql_16_encrypted_with_iam_auth_and_a_managed_secret(
    dev: Synth,
) -> None:
    """Aurora PostgreSQL 16.x; encryption, IAM auth, TLS forced; RDS owns the password."""
    cluster = dev.one(dev.data, "AWS::RDS::DBCluster")
    assert cluster["Engine"] == "aurora-postgresql"
    assert cluster["EngineVersion"].startswith("16.")
    assert cluster["StorageEncrypted"] is True
    assert cluster["EnableIAMDatabaseAuthentication"] is True
    assert cluster["ManageMasterUserPassword"] is True
    assert "MasterUserPassword" not in cluster
    assert cluster["DatabaseName"] == "todo"
    assert cluster["EnableCloudwatchLogsExports"] == ["postgresql"]
    assert not cluster.get("EnableHttpEndpoint"), "no Data API: nothing uses it"
    parameters = dev.one(dev.data, "AWS::RDS::DBClusterParameterGroup")
    assert parameters["Family"] == "aurora-postgresql16"
    assert parameters["Parameters"] == {"rds.force_ssl": "1"}
    dev.data_template().resource_count_is("AWS::SecretsManager::Secret", 0)


def test_the_database_log_group_exists_before_the_cluster_with_a_retention(dev: Synth) -> None:
    """RDS would otherwise create /aws/rds/cluster/.../postgresql itself, kept forever."""
    (cluster,) = dev.resources(dev.data, "AWS::RDS::DBCluster").values()
    identifier = cluster["Properties"]["DBClusterIdentifier"]
    groups = {k: v["Properties"] for k, v in dev.resources(dev.data, "AWS::Logs::LogGroup").items()}
    name = f"/aws/rds/cluster/{identifier}/postgresql"
    (log_id,) = [k for k, p in groups.items() if p.get("LogGroupName") == name]
    assert groups[log_id]["RetentionInDays"] == 14
    assert log_id in cluster["DependsOn"]


def test_the_database_lives_in_the_isolated_subnets(dev: Synth) -> None:
    """The subnet group holds the two isolated subnets and nothing else."""
    group = dev.one(dev.data, "AWS::RDS::DBSubnetGroup")
    subnets = [ref(s) for s in group["SubnetIds"]]
    assert [subnet_type(dev, s) for s in subnets] == ["Isolated", "Isolated"]


def test_only_the_function_the_migrations_and_the_bastion_may_reach_the_database(
    dev: Synth,
) -> None:
    """The database group admits PostgreSQL from exactly three groups, and nothing inline."""
    database = group_id(dev, "DatabaseSecurityGroup")
    groups = dev.resources(dev.data, "AWS::EC2::SecurityGroup")
    assert "SecurityGroupIngress" not in groups[database]["Properties"]
    rules = dev.rules("ingress", database)
    sources = sorted(ref(r["SourceSecurityGroupId"]) for r in rules)
    expected = [group_id(dev, "DatabaseBastionSecurityGroup"),
                group_id(dev, "DatabaseFunctionSecurityGroup"),
                group_id(dev, "DatabaseMigrationSecurityGroup")]  # fmt: skip
    assert sources == sorted(expected)
    assert {(r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in rules} == {("tcp", 5432, 5432)}


def test_no_rule_lets_anything_in_to_the_function_or_the_bastion(dev: Synth) -> None:
    """Neither client group has an inbound rule, inline or separate."""
    for prefix in (
        "DatabaseFunctionSecurityGroup",
        "DatabaseBastionSecurityGroup",
        "DatabaseMigrationSecurityGroup",
    ):
        group = group_id(dev, prefix)
        properties = dev.data["Resources"][group]["Properties"]
        assert "SecurityGroupIngress" not in properties
        assert dev.rules("ingress", group) == []
    assert not dev.resources(dev.api, INGRESS), "the API stack adds no rules"


def test_the_function_may_only_open_connections_to_the_database(dev: Synth) -> None:
    """No all-traffic egress: PostgreSQL to the database group is its one rule."""
    function = group_id(dev, "DatabaseFunctionSecurityGroup")
    assert "SecurityGroupEgress" not in dev.data["Resources"][function]["Properties"]
    rules = dev.rules("egress", function)
    assert len(rules) == 1
    assert ref(rules[0]["DestinationSecurityGroupId"]) == group_id(dev, "DatabaseSecurityGroup")
    assert (rules[0]["FromPort"], rules[0]["ToPort"]) == (5432, 5432)


def test_the_public_bastion_may_reach_ssm_over_https_and_the_database_only(dev: Synth) -> None:
    """Egress: 443 anywhere (SSM through the internet gateway) and 5432 to the database."""
    bastion = group_id(dev, "DatabaseBastionSecurityGroup")
    inline = dev.data["Resources"][bastion]["Properties"]["SecurityGroupEgress"]
    assert [(r["CidrIp"], r["FromPort"], r["ToPort"]) for r in inline] == [("0.0.0.0/0", 443, 443)]
    (postgres,) = dev.rules("egress", bastion)
    assert ref(postgres["DestinationSecurityGroupId"]) == group_id(dev, "DatabaseSecurityGroup")
    assert (postgres["FromPort"], postgres["ToPort"]) == (5432, 5432)


def test_the_migrations_reach_the_database_and_secrets_manager_through_its_endpoint_only(
    dev: Synth,
) -> None:
    """Their group may open PostgreSQL to the database and HTTPS to a Secrets Manager
    endpoint in one AZ, which admits HTTPS from that group alone: the master secret is read
    with no route out of the VPC."""
    migrations = group_id(dev, "DatabaseMigrationSecurityGroup")
    endpoint_group = group_id(dev, "NetworkSecretsManagerEndpoint")
    egress = {(ref(r["DestinationSecurityGroupId"]), r["FromPort"])
              for r in dev.rules("egress", migrations)}  # fmt: skip
    assert egress == {(group_id(dev, "DatabaseSecurityGroup"), 5432), (endpoint_group, 443)}
    ingress = dev.rules("ingress", endpoint_group)
    assert [(ref(r["SourceSecurityGroupId"]), r["FromPort"]) for r in ingress] == [
        (migrations, 443)
    ]
    endpoints = dev.resources(dev.data, "AWS::EC2::VPCEndpoint").values()
    (endpoint,) = [e["Properties"] for e in endpoints
                   if "secretsmanager" in json.dumps(e["Properties"]["ServiceName"])]  # fmt: skip
    assert endpoint["VpcEndpointType"] == "Interface"
    assert endpoint["PrivateDnsEnabled"] is True
    assert [ref(g) for g in endpoint["SecurityGroupIds"]] == [endpoint_group]
    (subnet,) = [ref(s) for s in endpoint["SubnetIds"]]
    assert subnet_type(dev, subnet) == "Isolated"


def test_the_data_stack_outputs_the_endpoint_and_the_secret(dev: Synth) -> None:
    """Cluster endpoint, secret ARN and the command that prints the secret."""
    template = dev.data_template()
    template.has_output(
        "ClusterEndpoint", {"Value": {"Fn::GetAtt": [Match.any_value(), "Endpoint.Address"]}}
    )
    template.has_output(
        "SecretArn", {"Value": {"Fn::GetAtt": [Match.any_value(), "MasterUserSecret.SecretArn"]}}
    )
    template.has_output("SecretCommand", {"Value": Match.any_value()})
