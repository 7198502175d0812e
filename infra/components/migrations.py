"""The deploy's database step: the application role and the migrations, before any traffic.

A CDK Trigger (a custom resource) invokes a function of the same code asset as the API,
in the VPC, with the master secret: `config.aws_lambda.deploy_hook.handler`, which runs
`manage.py create_app_role` and `manage.py migrate`, as an operator would through the
tunnel. It runs after the API function's new version is published and before the `live`
alias moves to it; if it fails, the deploy fails and CloudFormation rolls it back.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, triggers
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.components.django_function import ARCHITECTURE, RUNTIME
from infra.components.network import ISOLATED
from infra.nag import acknowledge

HANDLER = "config.aws_lambda.deploy_hook.handler"
# Migrations may rewrite a table; the trigger's provider waits at most 15 minutes.
TIMEOUT = Duration.minutes(10)


class Migrations(Construct):
    """A function that bootstraps the role and migrates, and the trigger that runs it.

    The trigger runs again whenever the function's code or configuration changes (a new
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
        secret_arn: str,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
        after: Construct,
        before: Construct,
    ) -> None:
        super().__init__(scope, construct_id)
        log_group = logs.LogGroup(
            self, "Log", retention=log_retention, removal_policy=removal_policy
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description="The deploy's migrations: create_app_role, then migrate",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=HANDLER,
            code=code,
            memory_size=512,
            timeout=TIMEOUT,
            vpc=vpc,
            vpc_subnets=ISOLATED,
            security_groups=[security_group],
            environment={**environment, "DB_SECRET_ARN": secret_arn},
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=log_group,
            current_version_options=lambda_.VersionOptions(removal_policy=RemovalPolicy.DESTROY),
        )
        # The master secret, and nothing else the API function cannot do.
        self.function.add_to_role_policy(
            iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[secret_arn])
        )
        self.trigger = triggers.Trigger(
            self,
            "Run",
            handler=self.function,
            timeout=TIMEOUT,
            invocation_type=triggers.InvocationType.REQUEST_RESPONSE,
            execute_after=[after],
            execute_before=[before],
        )
        acknowledge(
            self.function,
            "AwsSolutions-L1",
            "Python 3.13 by design: the bundle's wheels and bytecode are built for 3.13.",
        )
        managed = "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/{}]"
        for policy, why in (
            ("AWSLambdaBasicExecutionRole", "AWS's managed policy for a function's own logs."),
            (
                "AWSLambdaVPCAccessExecutionRole",
                "AWS's managed policy for the network interfaces of a function in a VPC.",
            ),
        ):
            acknowledge(self.function, managed.format(policy), why)
