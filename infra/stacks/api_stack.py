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
from infra.components.rest_api import RestApi
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
        self.django = DjangoFunction(
            self,
            "Django",
            vpc=data.vpc,
            security_group=data.function_security_group,
            # Where and as whom to connect; the password is an IAM token signed per connection.
            environment={
                "DB_HOST": data.cluster.cluster_endpoint.hostname,
                "DB_PORT": str(PORT),
                "DB_NAME": settings.database_name,
                "DB_USER": settings.app_role,
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
        self.rest_api = RestApi(
            self,
            "Http",
            function=self.django.target,
            name=f"todo-{settings.stage}",
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
        self._outputs(data, function.function_name)

    def _outputs(self, data: DataStack, function_name: str) -> None:
        url = self.rest_api.url
        instance_id = self.bastion.instance.instance_id
        forward = {
            "host": [data.cluster.cluster_endpoint.hostname],
            "portNumber": [str(PORT)],
            "localPortNumber": [str(TUNNEL_PORT)],
        }
        # With SnapStart, the alias API Gateway calls: $LATEST has no snapshot to start from.
        alias = self.django.alias
        qualifier = f" --qualifier {alias.alias_name}" if alias else ""
        CfnOutput(self, "ApiUrl", value=url)
        CfnOutput(self, "DocsUrl", value=Fn.join("", [url, "api/docs"]))
        CfnOutput(self, "FunctionName", value=function_name)
        CfnOutput(self, "BastionInstanceId", value=instance_id)
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
