"""A REST API in front of the function: proxy integration, one stage, throttled, logged."""

from __future__ import annotations

import json

from aws_cdk import RemovalPolicy, Size
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.nag import acknowledge

F = apigw.AccessLogField
# One JSON object per request; the requestId matches the function's log line.
ACCESS_LOG = {
    "requestId": F.context_request_id(),
    "ip": F.context_identity_source_ip(),
    "requestTime": F.context_request_time(),
    "httpMethod": F.context_http_method(),
    "path": F.context_path(),
    "resourcePath": F.context_resource_path(),
    "status": F.context_status(),
    "protocol": F.context_protocol(),
    "responseLength": F.context_response_length(),
    "responseLatency": F.context_response_latency(),
    "integrationLatency": F.context_integration_latency(),
    "integrationStatus": F.context_integration_status(),
    "errorMessage": F.context_error_message(),
    "userAgent": F.context_identity_user_agent(),
}

ACKNOWLEDGED = {
    "AwsSolutions-APIG2": "Django Ninja validates every request and answers 4xx JSON; a "
    "proxy integration has no request model for API Gateway to check.",
    "AwsSolutions-APIG3": "A WAF web ACL costs at least US$5 a month with no traffic; the "
    "stage's throttling bounds the load instead. Add one in front of a public production API.",
    "AwsSolutions-APIG4": "The API is public by design (API.md); bearer-token authentication "
    "belongs to the app, not to an API Gateway authorizer.",
    "AwsSolutions-COG4": "No Cognito user pool: the API is public by design (API.md).",
    "AwsSolutions-APIG6": "Access logs record every request in JSON; execution logs would go "
    "to a log group API Gateway creates outside the stack, with no retention.",
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
    "AmazonAPIGatewayPushToCloudWatchLogs]": "AWS's managed policy for the account-wide role "
    "API Gateway writes access logs with.",
}


class RestApi(Construct):
    """Every path and method goes to the function; API Gateway adds throttling and gzip."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function: lambda_.IFunction,
        name: str,
        stage_name: str,
        throttle_rate: int,
        throttle_burst: int,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        access_log = logs.LogGroup(
            self, "AccessLog", retention=log_retention, removal_policy=removal_policy
        )
        self.api = apigw.LambdaRestApi(
            self,
            "Api",
            handler=function,
            proxy=True,
            rest_api_name=name,
            description="The Todo API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # Binary responses (the favicon) arrive base64-encoded from Mangum; with "*/*"
            # API Gateway decodes them, and hands request bodies over in base64 (Mangum
            # decodes those). Text responses are never base64, so they pass unchanged.
            # The events of the tests and of `make lambda-local` follow this list
            # (scripts/apigateway_events.py; tests/infra/test_api_stack.py keeps them equal).
            binary_media_types=["*/*"],
            min_compression_size=Size.kibibytes(1),
            # Access logs need the account's API Gateway role for CloudWatch Logs.
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=stage_name,
                throttling_rate_limit=throttle_rate,
                throttling_burst_limit=throttle_burst,
                access_log_destination=apigw.LogGroupLogDestination(access_log),
                access_log_format=apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG)),
                metrics_enabled=False,
                tracing_enabled=False,
            ),
        )
        # The stack outputs the URL itself, with the docs URL beside it.
        self.api.node.try_remove_child("Endpoint")
        self.url = self.api.url
        for rule_id, reason in ACKNOWLEDGED.items():
            acknowledge(self.api, rule_id, reason)
