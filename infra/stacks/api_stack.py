"""The stateless stack: the function, the REST API in front of it, and the bastion."""

from __future__ import annotations

import json

from aws_cdk import Aws, CfnOutput, Fn, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from constructs import Construct

from infra.components.bastion import Bastion
from infra.components.database import PORT
from infra.components.django_function import DjangoFunction
from infra.components.migrations import Migrations
from infra.components.monitoring import Monitoring, Watched
from infra.components.rest_api import RestApi
from infra.components.rollout import Rollout
from infra.stacks.data_stack import DataStack

# The operator's end of the tunnel; not 5432, which a local PostgreSQL may hold.
TUNNEL_PORT = 15432
MIGRATE_EVENT = {"manage": ["migrate"]}
# A failed run fails the invocation, so Lambda retries it and counts it in Errors.
PURGE_EVENT = {"manage": ["purge_expired"], "raiseOnFailure": True}


class ApiStack(Stack):
    """Everything that can be replaced without losing data."""

    def __init__(self, scope: Construct, construct_id: str, *, data: DataStack) -> None:
        super().__init__(scope, construct_id)
        settings = data.settings
        # Where and as whom to connect; the password is an IAM token signed per connection.
        database = {
            "DB_HOST": data.cluster.cluster_endpoint.hostname,
            "DB_PORT": str(PORT),
            "DB_NAME": settings.database_name,
            "DB_USER": settings.app_role,
        }
        metrics_namespace = f"TodoApi/{settings.stage}"
        api_name = f"todo-{settings.stage}"
        self.django = DjangoFunction(
            self,
            "Django",
            vpc=data.vpc,
            security_group=data.function_security_group,
            environment={
                **database,
                # Where core/metrics.py counts sign-ins, lockouts, 412s, replays and 503s.
                "METRICS_NAMESPACE": metrics_namespace,
                # Left out when empty: on Lambda the settings then allow no origin.
                **(
                    {"CORS_ALLOWED_ORIGINS": ",".join(settings.cors_origins)}
                    if settings.cors_origins
                    else {}
                ),
            },
            log_retention=settings.log_retention,
            removal_policy=settings.removal_policy,
            memory_size=settings.memory_size,
            reserved_concurrency=settings.reserved_concurrency,
            snap_start=settings.snap_start,
        )
        function = self.django.function
        data.cluster.grant_connect(function, settings.app_role)
        # Version published -> migrations run with its code -> alias moved: the new code
        # never serves on the old schema, and a failed migration fails the deploy.
        self.migrations = Migrations(
            self,
            "Migrations",
            code=self.django.code,
            vpc=data.vpc,
            security_group=data.migration_security_group,
            # One connection per command: nothing to pool in a run of two commands.
            environment={**database, "DB_CONNECTION_MODE": "request"},
            secret_arn=data.secret_arn,
            log_retention=settings.log_retention,
            removal_policy=settings.removal_policy,
            after=self.django.version,
            before=self.django.alias,
        )
        self.rest_api = RestApi(
            self,
            "Http",
            function=self.django.target,
            name=api_name,
            stage_name=settings.stage,
            throttle_rate=settings.throttle_rate,
            throttle_burst=settings.throttle_burst,
            log_retention=settings.log_retention,
            removal_policy=settings.removal_policy,
        )
        self.bastion = Bastion(
            self,
            "Bastion",
            vpc=data.vpc,
            subnets=data.network.bastion_subnets,
            security_group=data.bastion_security_group,
            public_address=not settings.isolated_bastion,
        )
        if settings.purge_schedule:
            # Expired refresh tokens, idle sign-in counters and idempotency keys would
            # otherwise pile up. Each run wakes a paused cluster (docs/idle-cost.md).
            events.Rule(
                self,
                "PurgeExpired",
                description="Runs manage.py purge_expired in the function",
                schedule=events.Schedule.expression(settings.purge_schedule),
                targets=[
                    targets.LambdaFunction(
                        self.django.target,
                        event=events.RuleTargetInput.from_object(PURGE_EVENT),
                        retry_attempts=2,
                    )
                ],
            )
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            watched=Watched(
                api_name=api_name,
                stage_name=settings.stage,
                function=function,
                function_log=self.django.log_group,
                cluster_identifier=data.database.identifier,
                min_acu=settings.min_capacity,
                max_acu=settings.max_capacity,
                metrics_namespace=metrics_namespace,
            ),
            name=api_name,
            alarm_email=settings.alarm_email,
        )
        if settings.canary:
            self.rollout = Rollout(
                self,
                "Rollout",
                alias=self.django.alias,
                alarms=self.monitoring.rollback_alarms,
            )
        self._outputs(data, function.function_name)

    def _outputs(self, data: DataStack, function_name: str) -> None:
        url = self.rest_api.url
        instance_id = self.bastion.instance.instance_id
        forward = {
            "host": [data.cluster.cluster_endpoint.hostname],
            "portNumber": [str(PORT)],
            "localPortNumber": [str(TUNNEL_PORT)],
        }
        # The alias API Gateway calls: the version migrated for (and, with SnapStart, the
        # one with a snapshot; $LATEST has none).
        qualifier = f" --qualifier {self.django.alias.alias_name}"
        CfnOutput(self, "ApiUrl", value=url)
        CfnOutput(self, "DocsUrl", value=Fn.join("", [url, "api/docs"]))
        CfnOutput(self, "FunctionName", value=function_name)
        CfnOutput(self, "BastionInstanceId", value=instance_id)
        CfnOutput(self, "AlarmTopicArn", value=self.monitoring.topic.topic_arn)
        CfnOutput(
            self,
            "DashboardUrl",
            value=Fn.join(
                "",
                [
                    "https://",
                    Aws.REGION,
                    ".console.aws.amazon.com/cloudwatch/home?region=",
                    Aws.REGION,
                    "#dashboards/dashboard/",
                    self.monitoring.dashboard.dashboard_name,
                ],
            ),
        )
        CfnOutput(
            self,
            "PortForwardCommand",
            description=f"Forwards 127.0.0.1:{TUNNEL_PORT} to Aurora through the bastion",
            value=Fn.join(
                "",
                [
                    "aws ssm start-session --region ",
                    Aws.REGION,
                    " --target ",
                    instance_id,
                    " --document-name AWS-StartPortForwardingSessionToRemoteHost",
                    " --parameters '",
                    Fn.to_json_string(forward),
                    "'",
                ],
            ),
        )
        CfnOutput(
            self,
            "MigrateCommand",
            description="Runs manage.py migrate in the function (writes migrate.json)",
            value=Fn.join(
                "",
                [
                    "aws lambda invoke --region ",
                    Aws.REGION,
                    " --function-name ",
                    function_name,
                    qualifier,
                    " --cli-binary-format raw-in-base64-out",
                    f" --payload '{json.dumps(MIGRATE_EVENT)}' migrate.json",
                ],
            ),
        )
