"""A gradual move of the `live` alias: CodeDeploy shifts 10 % of traffic for 5 minutes.

CloudFormation hands each change of the alias's version to CodeDeploy (the alias's
UpdatePolicy). If a rollback alarm fires during the shift, CodeDeploy points the alias
back at the previous version and the stack update fails, so CloudFormation rolls back
the rest of it too.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_codedeploy as codedeploy
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.nag import acknowledge

CONFIG = codedeploy.LambdaDeploymentConfig.CANARY_10_PERCENT_5_MINUTES


class Rollout(Construct):
    """The CodeDeploy application and deployment group of the function's alias."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        alias: lambda_.Alias,
        alarms: Sequence[cw.IAlarm],
    ) -> None:
        super().__init__(scope, construct_id)
        self.group = codedeploy.LambdaDeploymentGroup(
            self,
            "Group",
            alias=alias,
            deployment_config=CONFIG,
            alarms=list(alarms),
            auto_rollback=codedeploy.AutoRollbackConfig(
                failed_deployment=True, stopped_deployment=True, deployment_in_alarm=True
            ),
        )
        acknowledge(
            self.group,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSCodeDeployRoleForLambdaLimited]",
            "AWS's managed policy for CodeDeploy shifting a Lambda alias, kept current by AWS.",
        )
