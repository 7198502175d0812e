"""The role GitHub Actions deploys with: trusted through GitHub's OIDC provider, no key.

Deployed once per account, by hand (`make github-deploy-role GITHUB_REPOSITORY=owner/name`).
A workflow run presents GitHub's signed token; STS hands out the role's credentials only
if the token names this repository and either the main branch (the dev deploy) or the
`prod` environment (the release deploy, which GitHub gates with required reviewers).
The role can do one thing: assume the CDK bootstrap roles `cdk deploy` uses.
"""

from __future__ import annotations

from aws_cdk import Aws, CfnOutput, Duration, Stack
from aws_cdk import aws_iam as iam
from constructs import Construct

GITHUB_OIDC = "token.actions.githubusercontent.com"
AUDIENCE = "sts.amazonaws.com"
# The CDK's default bootstrap qualifier; `cdk bootstrap --qualifier` would change it.
QUALIFIER = "hnb659fds"
# The bootstrap roles `cdk deploy` assumes: deploy (CloudFormation), file publishing (the
# Lambda asset) and lookup (unused by this app, which looks nothing up, but tried).
BOOTSTRAP_ROLES = ("deploy-role", "file-publishing-role", "lookup-role")
PROD_ENVIRONMENT = "prod"


def subjects(repository: str) -> list[str]:
    """Return the token subjects the role trusts: main's pushes, and the prod environment."""
    return [
        f"repo:{repository}:ref:refs/heads/main",
        f"repo:{repository}:environment:{PROD_ENVIRONMENT}",
    ]


class GitHubDeployStack(Stack):
    """GitHub's OIDC provider in this account, and the deploy role it may assume."""

    def __init__(self, scope: Construct, construct_id: str, *, repository: str) -> None:
        super().__init__(scope, construct_id, description=f"GitHub Actions deploys of {repository}")
        provider = iam.OidcProviderNative(
            self, "GitHub", url=f"https://{GITHUB_OIDC}", client_ids=[AUDIENCE]
        )
        self.role = iam.Role(
            self,
            "DeployRole",
            description=f"Assumed by GitHub Actions of {repository} to run cdk deploy",
            assumed_by=iam.WebIdentityPrincipal(
                provider.oidc_provider_arn,
                conditions={
                    "StringEquals": {
                        f"{GITHUB_OIDC}:aud": AUDIENCE,
                        f"{GITHUB_OIDC}:sub": subjects(repository),
                    }
                },
            ),
            max_session_duration=Duration.hours(1),
        )
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["sts:AssumeRole"],
                resources=[
                    f"arn:{Aws.PARTITION}:iam::{Aws.ACCOUNT_ID}:role/"
                    f"cdk-{QUALIFIER}-{role}-{Aws.ACCOUNT_ID}-{Aws.REGION}"
                    for role in BOOTSTRAP_ROLES
                ],
            )
        )
        CfnOutput(self, "DeployRoleArn", value=self.role.role_arn)
