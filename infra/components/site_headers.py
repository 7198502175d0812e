"""The security headers CloudFront adds to every answer of the web distribution."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_cloudfront as cloudfront
from constructs import Construct

# CloudFront refuses a Content-Security-Policy longer than this.
MAX_POLICY_LENGTH = 1783
# Without a built export nothing is deployed that could run, so nothing may: every fetch
# directive falls back to 'none'.
LOCKED_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"


def content_security_policy(site: Path | None) -> str:
    """Return the policy `web/scripts/csp.mjs` wrote beside the export, or the locked one.

    The export's policy is 'self' for everything, plus the SHA-256 of each inline script
    Next.js writes into its pages; the build computes it, so it changes with the pages.

    :raises ValueError: if the policy is missing from a built export, or too long.
    """
    if site is None:
        return LOCKED_POLICY
    written = site / "csp.txt"
    if not written.is_file():
        raise ValueError(f"{written} is missing: build the export with `make web-build`")
    policy = written.read_text().strip()
    if len(policy) > MAX_POLICY_LENGTH:
        raise ValueError(f"the export's policy is {len(policy)} characters; CloudFront takes 1783")
    return policy


class SiteHeaders(Construct):
    """Security headers that override the origin's: HSTS, nosniff, no framing, a referrer
    policy everywhere, and the export's Content-Security-Policy on the app's files.

    `site` goes on the app's files; `api` on /api/*, without the app's policy: the API
    answers JSON, and its Swagger UI page (/api/docs) loads scripts the app's hashes do
    not name.
    """

    def __init__(self, scope: Construct, construct_id: str, *, policy: str) -> None:
        super().__init__(scope, construct_id)
        self.site = self._policy(
            "Site",
            "Security headers of the todo web app",
            cloudfront.ResponseHeadersContentSecurityPolicy(
                content_security_policy=policy, override=True
            ),
        )
        self.api = self._policy("Api", "Security headers of the API under /api/", None)

    def _policy(
        self,
        construct_id: str,
        comment: str,
        csp: cloudfront.ResponseHeadersContentSecurityPolicy | None,
    ) -> cloudfront.ResponseHeadersPolicy:
        return cloudfront.ResponseHeadersPolicy(
            self,
            construct_id,
            comment=comment,
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                content_security_policy=csp,
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                    override=True,
                ),
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=Duration.days(730),
                    include_subdomains=True,
                    override=True,
                ),
            ),
        )
