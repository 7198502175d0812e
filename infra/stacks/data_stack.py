"""The stateful stack: network, database, and who may reach the database."""

from __future__ import annotations

from aws_cdk import Aws, CfnOutput, Fn, RemovalPolicies, Stack
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_rds as rds
from constructs import Construct

from infra.components.database import Database
from infra.components.network import Network
from infra.settings import StageSettings


class DataStack(Stack):
    """VPC, Aurora Serverless v2 and the security groups of its three clients."""

    def __init__(self, scope: Construct, construct_id: str, *, settings: StageSettings) -> None:
        super().__init__(scope, construct_id, termination_protection=settings.protect_data)
        self.settings = settings
        self.network = Network(
            self,
            "Network",
            public_subnets=not settings.isolated_bastion,
            log_retention=settings.log_retention,
            removal_policy=settings.removal_policy,
        )
        self.vpc: ec2.IVpc = self.network.vpc
        self.database = Database(self, "Database", vpc=self.vpc, settings=settings)
        self.cluster: rds.DatabaseCluster = self.database.cluster
        self.function_security_group = self.database.allow_client(
            "FunctionSecurityGroup",
            who="the function",
            description="Todo API function: no inbound; PostgreSQL to Aurora only",
        )
        self.bastion_security_group = self.database.allow_client(
            "BastionSecurityGroup",
            who="the bastion",
            description="SSM bastion: no inbound; PostgreSQL to Aurora, HTTPS to SSM",
        )
        # The deploy's migrations: the master secret, read through an endpoint, then
        # PostgreSQL (infra/components/migrations.py).
        self.migration_security_group = self.database.allow_client(
            "MigrationSecurityGroup",
            who="the migrations",
            description=(
                "Deploy migrations: no inbound; PostgreSQL to Aurora, HTTPS to Secrets Manager"
            ),
        )
        self.network.add_secrets_manager_endpoint(self.migration_security_group)
        if settings.isolated_bastion:
            self.network.add_ssm_endpoints(self.bastion_security_group)
        else:
            # The SSM agent's outbound HTTPS, through the internet gateway.
            self.bastion_security_group.add_egress_rule(
                ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "HTTPS to SSM"
            )
        if settings.protect_data:
            # Deleting the stack leaves the network in place too: a retained cluster
            # keeps its subnets and security group in use.
            RemovalPolicies.of(self).retain()
        self.secret_arn = self.database.secret_arn
        CfnOutput(self, "ClusterEndpoint", value=self.cluster.cluster_endpoint.hostname)
        CfnOutput(self, "SecretArn", value=self.secret_arn)
        CfnOutput(
            self,
            "SecretCommand",
            description="Prints the master credentials (operators only)",
            value=Fn.join(
                "",
                [
                    "aws secretsmanager get-secret-value --region ",
                    Aws.REGION,
                    " --secret-id ",
                    self.secret_arn,
                    " --query SecretString --output text",
                ],
            ),
        )
