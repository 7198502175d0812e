"""The deploy's database steps: the application role, then the migrations, before any traffic.

Two functions of the API's code asset, each run by a CDK Trigger (a custom resource):

1. `config.aws_lambda.bootstrap.handler`, outside the VPC, sends the role's bootstrap to
   the RDS Data API with the cluster's and the master secret's ARNs. The Data API reads
   the secret itself, so nothing in the VPC needs Secrets Manager, nor an interface
   endpoint that would bill by the hour while the stage sits idle.
2. `config.aws_lambda.deploy_hook.handler`, in the VPC, runs `manage.py migrate` as the
   application role with an IAM token, as the API function connects: the tables it
   creates are the role's own.

They run after the API function's new version is published and before the `live` alias
moves to it; if either fails, the deploy fails and CloudFormation rolls it back.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, triggers
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from constructs import Construct

from infra.components.django_function import ARCHITECTURE, RUNTIME
from infra.components.network import ISOLATED
from infra.nag import acknowledge

HANDLER = "config.aws_lambda.deploy_hook.handler"
BOOTSTRAP_HANDLER = "config.aws_lambda.bootstrap.handler"
# Migrations may rewrite a table; the trigger's provider waits at most 15 minutes.
TIMEOUT = Duration.minutes(10)
# The Data API call, retried while a paused cluster resumes (about 72 s at most).
BOOTSTRAP_TIMEOUT = Duration.minutes(3)


class Migrations(Construct):
    """The bootstrap and migrate functions, and the triggers that run them in that order.

    A trigger runs again whenever its function's code or configuration changes (a new
    version of it), that is on every deploy of new code.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        code: lambda_.Code,
        vpc: ec2.IVpc,
        security_group: ec2.ISecurityGroup,
        environment: dict[str, str],
        cluster: rds.IDatabaseCluster,
        secret_arn: str,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
        after: Construct,
        before: Construct,
    ) -> None:
        super().__init__(scope, construct_id)
        bootstrap_log = logs.LogGroup(
            self, "BootstrapLog", retention=log_retention, removal_policy=removal_policy
        )
        # No VPC: the Data API is a public AWS endpoint, reached like any other.
        self.bootstrap = lambda_.Function(
            self,
            "Bootstrap",
            description="The deploy's application role, through the RDS Data API",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=BOOTSTRAP_HANDLER,
            code=code,
            memory_size=256,
            timeout=BOOTSTRAP_TIMEOUT,
            environment={
                "DB_CLUSTER_ARN": cluster.cluster_arn,
                "DB_SECRET_ARN": secret_arn,
                "DB_NAME": environment["DB_NAME"],
                "DB_USER": environment["DB_USER"],
            },
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=bootstrap_log,
            current_version_options=lambda_.VersionOptions(removal_policy=RemovalPolicy.DESTROY),
        )
        # The Data API acts with the caller's rights: run a statement on this cluster and
        # read its master secret, and nothing else.
        self.bootstrap.add_to_role_policy(
            iam.PolicyStatement(
                actions=["rds-data:ExecuteStatement"], resources=[cluster.cluster_arn]
            )
        )
        self.bootstrap.add_to_role_policy(
            iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[secret_arn])
        )
        self.bootstrap_trigger = triggers.Trigger(
            self,
            "RunBootstrap",
            handler=self.bootstrap,
            timeout=BOOTSTRAP_TIMEOUT,
            invocation_type=triggers.InvocationType.REQUEST_RESPONSE,
            execute_after=[after],
        )
        log_group = logs.LogGroup(
            self, "Log", retention=log_retention, removal_policy=removal_policy
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description="The deploy's migrations: migrate, as the application role",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=HANDLER,
            code=code,
            memory_size=512,
            timeout=TIMEOUT,
            vpc=vpc,
            vpc_subnets=ISOLATED,
            security_groups=[security_group],
            environment=environment,
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=log_group,
            current_version_options=lambda_.VersionOptions(removal_policy=RemovalPolicy.DESTROY),
        )
        # The application role's IAM login, as the API function has it; no secret.
        cluster.grant_connect(self.function, environment["DB_USER"])
        self.trigger = triggers.Trigger(
            self,
            "Run",
            handler=self.function,
            timeout=TIMEOUT,
            invocation_type=triggers.InvocationType.REQUEST_RESPONSE,
            execute_after=[after, self.bootstrap_trigger],
            execute_before=[before],
        )
        managed = "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/{}]"
        for function, policies in (
            (self.bootstrap, ("AWSLambdaBasicExecutionRole",)),
            (self.function, ("AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole")),
        ):
            acknowledge(
                function,
                "AwsSolutions-L1",
                "Python 3.13 by design: the bundle's wheels and bytecode are built for 3.13.",
            )
            for policy in policies:
                acknowledge(function, managed.format(policy), MANAGED_POLICIES[policy])


MANAGED_POLICIES = {
    "AWSLambdaBasicExecutionRole": "AWS's managed policy for a function's own logs.",
    "AWSLambdaVPCAccessExecutionRole": (
        "AWS's managed policy for the network interfaces of a function in a VPC."
    ),
}
