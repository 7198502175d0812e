"""The web stack: the static export in a private bucket behind CloudFront, /api/* sent to
the API's stage on the same distribution, security headers, and a way to leave it out."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.components.site_headers import LOCKED_POLICY, MAX_POLICY_LENGTH
from tests.infra.conftest import INFRA, Synth

CFN_LINT = Path(sys.executable).with_name("cfn-lint")
# AWS's managed policies, by their fixed ids.
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
POLICY = (
    "default-src 'none'; script-src 'self' 'sha256-AAAA'; style-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'"
)


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built export as `make web-build` leaves it: pages and the policy written beside them."""
    folder = tmp_path_factory.mktemp("out")
    (folder / "index.html").write_text("<!DOCTYPE html><title>Todos</title>")
    (folder / "csp.txt").write_text(POLICY + "\n")
    return folder


def web(synth: Synth) -> dict[str, Any]:
    """The dev stage's web template of a synthesized layout."""
    return dict(json.loads((synth.outdir / "TodoWeb-dev.template.json").read_text()))


@pytest.fixture(scope="module")
def built(synth: Callable[..., Synth], export: Path) -> Synth:
    return synth(webExport=str(export))


@pytest.fixture(scope="module")
def unbuilt(synth: Callable[..., Synth], tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synth(webExport=str(tmp_path_factory.mktemp("not-built")))


def distribution(template: dict[str, Any]) -> dict[str, Any]:
    [found] = [r["Properties"]["DistributionConfig"] for r in template["Resources"].values()
               if r["Type"] == "AWS::CloudFront::Distribution"]  # fmt: skip
    return dict(found)


def resources(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in template["Resources"].values() if r["Type"] == kind]


def origin(config: dict[str, Any], origin_id: str) -> dict[str, Any]:
    [found] = [o for o in config["Origins"] if o["Id"] == origin_id]
    return dict(found)


def test_the_bucket_is_private_encrypted_and_read_by_cloudfront_alone(built: Synth) -> None:
    template = web(built)
    [bucket] = resources(template, "AWS::S3::Bucket")
    props = bucket["Properties"]
    assert props["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert "BucketEncryption" in props
    [policy] = resources(template, "AWS::S3::BucketPolicy")
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    readers = [s for s in statements if s["Effect"] == "Allow"]
    assert [s["Principal"] for s in readers] == [{"Service": "cloudfront.amazonaws.com"}]
    assert readers[0]["Action"] == "s3:GetObject"
    assert "AWS:SourceArn" in json.dumps(readers[0]["Condition"])
    insecure = [s for s in statements if s["Effect"] == "Deny"]
    assert insecure[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_site_is_served_from_the_bucket_through_origin_access_control(built: Synth) -> None:
    config = distribution(web(built))
    [control] = resources(web(built), "AWS::CloudFront::OriginAccessControl")
    assert control["Properties"]["OriginAccessControlConfig"]["SigningBehavior"] == "always"
    default = config["DefaultCacheBehavior"]
    site = origin(config, default["TargetOriginId"])
    assert "OriginAccessControlId" in site
    assert site["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"
    assert default["CachePolicyId"] == CACHING_OPTIMIZED
    assert config["DefaultRootObject"] == "index.html"


def test_api_paths_go_uncached_to_the_stage_with_every_header_but_host(built: Synth) -> None:
    config = distribution(web(built))
    [api] = config["CacheBehaviors"]
    assert api["PathPattern"] == "/api/*"
    assert api["CachePolicyId"] == CACHING_DISABLED
    # Forwards Authorization, Idempotency-Key, If-Match, If-None-Match; never Host.
    assert api["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert {"POST", "PATCH", "DELETE", "OPTIONS"} <= set(api["AllowedMethods"])
    assert api["ViewerProtocolPolicy"] == "https-only"
    target = origin(config, api["TargetOriginId"])
    # /api/todos reaches the stage's /dev/api/todos.
    assert target["OriginPath"] == "/dev"
    assert target["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    domain = json.dumps(target["DomainName"])
    assert '"StackName": "TodoApi-dev"' in domain
    assert ".execute-api." in domain


def headers_of(template: dict[str, Any], behaviour: dict[str, Any]) -> dict[str, Any]:
    """The security headers of the response-headers policy a behaviour uses."""
    policy = template["Resources"][behaviour["ResponseHeadersPolicyId"]["Ref"]]
    assert policy["Type"] == "AWS::CloudFront::ResponseHeadersPolicy"
    return dict(policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"])


@pytest.mark.parametrize("path", ["default", "/api/*"])
def test_every_answer_carries_the_security_headers(built: Synth, path: str) -> None:
    template = web(built)
    config = distribution(template)
    [api] = config["CacheBehaviors"]
    headers = headers_of(template, config["DefaultCacheBehavior"] if path == "default" else api)
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31_536_000
    assert headers["StrictTransportSecurity"]["IncludeSubdomains"] is True
    assert headers["StrictTransportSecurity"]["Override"] is True
    assert headers["ContentTypeOptions"] == {"Override": True}
    assert headers["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"


def test_the_apps_files_carry_the_exports_policy_and_the_api_its_own(built: Synth) -> None:
    """The hashes name the export's inline scripts; Swagger UI under /api/docs is not one."""
    template = web(built)
    config = distribution(template)
    site = headers_of(template, config["DefaultCacheBehavior"])
    assert site["ContentSecurityPolicy"] == {"ContentSecurityPolicy": POLICY, "Override": True}
    [api] = config["CacheBehaviors"]
    assert "ContentSecurityPolicy" not in headers_of(template, api)


def test_a_built_export_is_uploaded_and_the_cache_invalidated(built: Synth) -> None:
    [deployment] = resources(web(built), "Custom::CDKBucketDeployment")
    assert deployment["Properties"]["DistributionPaths"] == ["/*"]
    assert deployment["Properties"]["Prune"] is True
    # A disposable stage's deployment empties the bucket when the stack goes.
    assert deployment["Properties"]["RetainOnDelete"] is False


def test_without_an_export_nothing_is_uploaded_and_nothing_may_run(unbuilt: Synth) -> None:
    template = web(unbuilt)
    assert resources(template, "Custom::CDKBucketDeployment") == []
    assert len(resources(template, "AWS::CloudFront::Distribution")) == 1
    site = headers_of(template, distribution(template)["DefaultCacheBehavior"])
    assert site["ContentSecurityPolicy"]["ContentSecurityPolicy"] == LOCKED_POLICY


def test_the_site_url_is_an_output(built: Synth) -> None:
    outputs = web(built)["Outputs"]
    url = outputs["SiteUrl"]["Value"]["Fn::Join"][1]
    assert url[0] == "https://"
    assert url[1]["Fn::GetAtt"][1] == "DomainName"
    assert url[2] == "/"
    assert {"SiteBucketName", "DistributionId"} <= set(outputs)


def test_web_false_leaves_the_web_stack_out(synth: Callable[..., Synth]) -> None:
    layout = synth(web="false")
    names = sorted(p.name for p in layout.outdir.glob("*.template.json"))
    assert names == ["TodoApi-dev.template.json", "TodoData-dev.template.json"]


def test_a_protected_stage_keeps_its_bucket(synth: Callable[..., Synth], export: Path) -> None:
    layout = synth(stage="prod", webExport=str(export))
    template = json.loads((layout.outdir / "TodoWeb-prod.template.json").read_text())
    [bucket] = [r for r in template["Resources"].values() if r["Type"] == "AWS::S3::Bucket"]
    assert bucket["DeletionPolicy"] == "Retain"
    [deployment] = resources(template, "Custom::CDKBucketDeployment")
    assert deployment["Properties"]["RetainOnDelete"] is True


def test_a_policy_too_long_for_cloudfront_fails_the_synth(
    synth: Callable[..., Synth], tmp_path: Path
) -> None:
    (tmp_path / "index.html").write_text("<!DOCTYPE html>")
    (tmp_path / "csp.txt").write_text("script-src 'self' " + "x" * MAX_POLICY_LENGTH)
    with pytest.raises(ValueError, match="CloudFront takes 1783"):
        synth(webExport=str(tmp_path))


@pytest.mark.parametrize("layout", ["built", "unbuilt"])
def test_cfn_lint_finds_nothing_in_the_web_template(
    layout: str, request: pytest.FixtureRequest
) -> None:
    """cdk-nag already passed (an unacknowledged finding fails the synth); now cfn-lint."""
    synth: Synth = request.getfixturevalue(layout)
    template = synth.outdir / "TodoWeb-dev.template.json"
    config = ["--config-file", str(INFRA / ".cfnlintrc.yaml")]
    result = subprocess.run(  # noqa: S603
        [CFN_LINT, *config, str(template)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
