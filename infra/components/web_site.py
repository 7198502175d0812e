"""The web app's one origin: a private bucket behind CloudFront, with /api/* sent to the API."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

from infra.nag import acknowledge

ACKNOWLEDGED = {
    "AwsSolutions-S1": "The bucket holds the public static export and only CloudFront reads "
    "it; server access logs would record CloudFront's fetches, not the visitors.",
    "AwsSolutions-CFR1": "The app serves every country; a geo restriction is a business "
    "decision, not a default.",
    "AwsSolutions-CFR2": "A WAF web ACL costs at least US$5 a month with no traffic; the "
    "API stage's throttling bounds what /api/* forwards.",
    "AwsSolutions-CFR3": "Standard logs need a bucket with ACLs enabled; the API's access "
    "log already records every /api call. Turn them on for a public production site.",
    "AwsSolutions-CFR4": "The default *.cloudfront.net certificate cannot pin TLS 1.2; use "
    "your own domain and ACM certificate to set the minimum protocol version.",
}
# The CDK's BucketDeployment function, which copies the export into the bucket and
# invalidates the distribution; it runs only while a deploy does.
_COPY = "BucketDeployment's function copies the export from the CDK asset bucket"
DEPLOYMENT_ACKNOWLEDGED = {
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
    "AWSLambdaBasicExecutionRole]": "BucketDeployment's function writes its logs with AWS's "
    "basic execution policy.",
    "AwsSolutions-IAM5[Action::s3:GetBucket*]": f"{_COPY}: it reads the asset's bucket.",
    "AwsSolutions-IAM5[Action::s3:GetObject*]": f"{_COPY}: it reads the asset's objects.",
    "AwsSolutions-IAM5[Action::s3:List*]": f"{_COPY}: it lists both buckets to sync them.",
    "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-"
    "<AWS::AccountId>-<AWS::Region>/*]": f"{_COPY}: the asset's key is known only at deploy.",
    "AwsSolutions-IAM5[Action::s3:Abort*]": f"{_COPY}: multipart uploads into the site bucket.",
    "AwsSolutions-IAM5[Action::s3:DeleteObject*]": f"{_COPY}: it prunes files the new export "
    "no longer has.",
    "AwsSolutions-IAM5[Resource::<SiteBucket978D4AEB.Arn>/*]": f"{_COPY}: every object of the "
    "site bucket, and that bucket only.",
    "AwsSolutions-IAM5[Resource::*]": "BucketDeployment invalidates the distribution's cache; "
    "its generated policy names no distribution.",
    "AwsSolutions-L1": "BucketDeployment pins its own Python runtime, one the CDK tests with "
    "its bundled AWS CLI layer.",
}


class WebSite(Construct):
    """Serve `site` (web/out) from a private bucket, /api/* from `api`'s stage, one origin.

    `site` None (the export not built yet) makes the bucket and the distribution but
    copies nothing: `make deploy` builds the export first.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api: apigw.RestApiBase,
        stage: str,
        site: Path | None,
        site_headers: cloudfront.IResponseHeadersPolicy,
        api_headers: cloudfront.IResponseHeadersPolicy,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            removal_policy=removal_policy,
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="The todo web app, and the API under /api/",
            default_root_object="index.html",
            # North America and Europe only: the cheapest class; no traffic costs nothing.
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(self.bucket),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                cache_policy=cloudfront.CachePolicy.CACHING_OPTIMIZED,
                response_headers_policy=site_headers,
            ),
            additional_behaviors={
                # The origin path is the stage (/dev), so /api/todos reaches /dev/api/todos.
                "/api/*": cloudfront.BehaviorOptions(
                    origin=origins.RestApiOrigin(api, origin_path=f"/{stage}"),
                    viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
                    allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                    # Nothing of the API is cached. With caching off, this managed policy
                    # forwards every viewer header but Host (API Gateway needs its own):
                    # Authorization, Idempotency-Key, If-Match and If-None-Match included,
                    # and every query string.
                    cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                    origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                    response_headers_policy=api_headers,
                )
            },
        )
        for rule_id, reason in ACKNOWLEDGED.items():
            acknowledge(self, rule_id, reason)
        if site is not None:
            self._deploy(site, removal_policy)

    def _deploy(self, site: Path, removal_policy: RemovalPolicy) -> None:
        deployment = s3deploy.BucketDeployment(
            self,
            "Deployment",
            # csp.txt is the build's note for the headers policy, not a page.
            sources=[s3deploy.Source.asset(str(site), exclude=["csp.txt"])],
            destination_bucket=self.bucket,
            distribution=self.distribution,
            distribution_paths=["/*"],
            # Deleting the stack empties a disposable stage's bucket, so it can go too.
            retain_on_delete=removal_policy == RemovalPolicy.RETAIN,
            memory_limit=256,
        )
        # The function is a singleton of the stack's, not a child of this construct: its
        # role's parent is the function.
        function = deployment.handler_role.node.scope
        assert function is not None
        for rule_id, reason in DEPLOYMENT_ACKNOWLEDGED.items():
            acknowledge(function, rule_id, reason)
