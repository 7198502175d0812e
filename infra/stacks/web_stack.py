"""The web stack: the static export and the API behind one CloudFront distribution."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_apigateway as apigw
from constructs import Construct

from infra.components.site_headers import SiteHeaders, content_security_policy
from infra.components.web_site import WebSite
from infra.settings import StageSettings


class WebStack(Stack):
    """Serve web/out and /api/* from one HTTPS origin; nothing in it bills while idle."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        settings: StageSettings,
        api: apigw.RestApiBase,
        site: Path | None,
    ) -> None:
        super().__init__(scope, construct_id, description=f"Todo web app ({settings.stage})")
        headers = SiteHeaders(self, "Headers", policy=content_security_policy(site))
        self.site = WebSite(
            self,
            "Site",
            api=api,
            stage=settings.stage,
            site=site,
            site_headers=headers.site,
            api_headers=headers.api,
            removal_policy=settings.removal_policy,
        )
        domain = self.site.distribution.distribution_domain_name
        CfnOutput(self, "SiteUrl", value=f"https://{domain}/")
        CfnOutput(self, "SiteBucketName", value=self.site.bucket.bucket_name)
        CfnOutput(self, "DistributionId", value=self.site.distribution.distribution_id)
