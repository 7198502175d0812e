"""Estimate what the deployed stacks cost per month with no traffic and the database paused.

The estimate is read from the synthesized CloudFormation templates, resource by resource,
so it follows the code: add a NAT gateway or an endpoint and the figure moves. A resource
type with no known idle price fails the estimate instead of counting as free.

    uv run python scripts/idle_cost.py                       # dev, as cdk.json sets it up
    uv run python scripts/idle_cost.py -c isolatedBastion=true
    uv run python scripts/idle_cost.py --templates infra/cdk.out
    uv run python scripts/idle_cost.py --write docs/idle-cost.md   # every layout, as Markdown
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
HOURS = 730  # AWS bills a month as 730 hours
SECONDS = HOURS * 3600
# On-demand list prices in us-east-1, US$, from the AWS pricing pages (2025-2026).
INSTANCE_HOUR = {"t4g.nano": 0.0042, "t4g.micro": 0.0084, "t3.nano": 0.0052}
EBS_GB_MONTH = {"gp3": 0.08, "gp2": 0.10}
PRICES = {
    "public_ipv4_hour": 0.005,
    "interface_endpoint_az_hour": 0.01,
    "nat_gateway_hour": 0.045,
    "secret_month": 0.40,
    "kms_key_month": 1.00,
    "aurora_acu_hour": 0.12,
    "aurora_storage_gb_month": 0.10,
    "logs_ingest_gb": 0.50,
    "logs_storage_gb_month": 0.03,
    # Lambda SnapStart for Python (and .NET): caching each version's snapshot, per GB of
    # the function's memory per second the version exists, and restoring an instance from
    # it, per GB. From the SnapStart example on https://aws.amazon.com/lambda/pricing/
    # (US East (N. Virginia)), read 2026-11-30; Java functions pay neither.
    "snapstart_cache_gb_second": 0.0000015046,
    "snapstart_restore_gb": 0.0001397998,
    "s3_standard_gb_month": 0.023,
    # CloudWatch: a standard-resolution alarm on one metric; a dashboard (the account's
    # first three are free, which this estimate does not count on); a custom metric,
    # billed for the hours it receives data.
    "alarm_month": 0.10,
    "dashboard_month": 3.00,
    "custom_metric_month": 0.30,
    # While serving: Lambda on arm64, API Gateway REST (first 333 million a month),
    # data transfer out to the internet (after the first 100 GB a month).
    "lambda_request_million": 0.20,
    "lambda_arm_gb_second": 0.0000133334,
    "rest_api_million": 3.50,
    "transfer_out_gb": 0.09,
}
# What an idle deployment still holds; these are assumptions, not readings.
ASSUMED = {
    "aurora_storage_gb": 1.0,  # an empty cluster's volume, rounded up
    "log_storage_gb": 0.1,  # everything retained across all log groups
    "flow_log_gb_month_running": 0.1,  # the bastion's SSM agent keeps a few connections open
    # New instances a month of a lightly used stage with SnapStart, each one a restore.
    "snapstart_restores_month": 100,
    # A scheduled invocation of a paused cluster: it resumes at the smallest active
    # capacity, the function works about a minute, then the cluster waits out its
    # auto-pause delay before pausing again.
    "resumed_acu": 0.5,
    "scheduled_work_seconds": 60,
    "site_gb": 0.01,  # the web app's static export, about 1 MB, rounded up tenfold
}
# While serving, per request: assumptions to replace with what the dashboard shows.
SERVING = {
    # Warm requests take 2 to 7 ms of one full core on the benchmark machine
    # (docs/benchmarks.md); at 512 MB a function has 0.29 of a vCPU, plus the database's
    # round trips: about 25 ms billed, on average.
    "billed_ms": 25,
    # The function's request line and Lambda's JSON platform lines (about 1 KB), the
    # stage's access log line (about 0.5 KB).
    "log_bytes": 1500,
    "response_bytes": 1000,
    # The embedded metric format's five counts and the purge-failure filter's metric,
    # all receiving data under load.
    "custom_metrics": 6,
}
# The Aurora capacity assumed to carry each sustained rate (never paused), capped at the
# cluster's maximum.
SUSTAINED_ACU = {1: 0.5, 10: 1.0, 100: 2.0}
MILLION = 1_000_000
# EventBridge's rate() units, in seconds.
RATE_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86_400}
# Resource types that cost nothing while nothing calls them.
FREE_WHEN_IDLE = {
    "AWS::ApiGateway::Account",
    "AWS::ApiGateway::Deployment",
    "AWS::ApiGateway::Method",
    "AWS::ApiGateway::Resource",
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Stage",
    "AWS::CDK::Metadata",
    # CloudFront bills requests and bytes out, with no monthly minimum; the policies and
    # the origin access control are free.
    "AWS::CloudFront::Distribution",
    "AWS::CloudFront::OriginAccessControl",
    "AWS::CloudFront::ResponseHeadersPolicy",
    # The web export's copy: a function and its layer that run during a deploy only.
    "Custom::CDKBucketDeployment",
    "AWS::Lambda::LayerVersion",
    "AWS::S3::BucketPolicy",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::LaunchTemplate",
    "AWS::EC2::Route",
    "AWS::EC2::RouteTable",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::Subnet",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::VPC",
    "AWS::EC2::VPCGatewayAttachment",
    "AWS::IAM::InstanceProfile",
    "AWS::IAM::Policy",
    "AWS::IAM::Role",
    "AWS::CodeDeploy::Application",
    "AWS::CodeDeploy::DeploymentGroup",
    "AWS::IAM::OIDCProvider",
    "AWS::Lambda::Alias",
    "AWS::Lambda::Permission",
    "AWS::Logs::MetricFilter",
    "AWS::SNS::Subscription",
    "AWS::SNS::Topic",
    "AWS::SNS::TopicPolicy",
    # The deploy's migrations: a custom resource, run (and billed as Lambda) per deploy.
    "Custom::Trigger",
    "AWS::RDS::DBClusterParameterGroup",
    "AWS::RDS::DBSubnetGroup",
}


class UnpricedResource(Exception):
    """A resource this script cannot price; estimating it as free would understate the cost."""


@dataclass(frozen=True)
class Item:
    """One line of the estimate: monthly US$ with the bastion running and stopped."""

    what: str
    basis: str
    running: float
    stopped: float


def estimate(templates: dict[str, dict[str, Any]]) -> list[Item]:
    """Price every resource of the given templates (stack name -> template) at idle.

    :raises UnpricedResource: for a resource type or size with no idle price here.
    """
    items: list[Item] = []
    log_groups = alarms = 0
    for stack, template in sorted(templates.items()):
        resources = template.get("Resources", {})
        for name, resource in resources.items():
            kind, props = resource["Type"], resource.get("Properties", {})
            where = f"{stack}/{name}"
            if kind == "AWS::Logs::LogGroup":
                log_groups += 1
            elif kind == "AWS::CloudWatch::Alarm":
                _check_alarm(props, where)
                alarms += 1
            elif kind == "AWS::Lambda::Version":
                items.extend(_snapshot(props, resources))
            elif kind == "AWS::Events::Rule":
                items.extend(_schedule(props, where, _clusters(templates)))
            else:
                items.extend(_price(kind, props, where))
    if alarms:
        price = PRICES["alarm_month"]
        basis = f"{alarms} alarms of one standard-resolution metric each x ${price}"
        items.append(Item("CloudWatch alarms", basis, alarms * price, alarms * price))
    if log_groups:
        cost = ASSUMED["log_storage_gb"] * PRICES["logs_storage_gb_month"]
        basis = f"{log_groups} log groups, {ASSUMED['log_storage_gb']} GB retained in all"
        items.append(Item("CloudWatch Logs storage", basis, cost, cost))
    return items


def _price(kind: str, props: dict[str, Any], where: str) -> Iterable[Item]:
    if kind in FREE_WHEN_IDLE:
        return []
    pricer = PRICERS.get(kind)
    if pricer is None:
        raise UnpricedResource(f"{where}: no idle price known for {kind}")
    return pricer(props, where)


def _snapstart_gb(props: dict[str, Any]) -> float | None:
    """Return a function's memory in GB if it has SnapStart on, else None."""
    if props.get("SnapStart", {}).get("ApplyOn") != "PublishedVersions":
        return None
    return float(props.get("MemorySize", 128)) / 1024  # CloudFormation's default: 128 MB


def _bucket(props: dict[str, Any], where: str) -> Iterable[Item]:
    """Price the web app's bucket: its static export in S3 Standard (an assumption)."""
    gb, price = ASSUMED["site_gb"], PRICES["s3_standard_gb_month"]
    cost = gb * price
    yield Item("S3 Standard, web app files", f"{gb} GB (assumed) x ${_plain(price)}", cost, cost)


def _function(props: dict[str, Any], where: str) -> Iterable[Item]:
    """Price a function's SnapStart restores (an assumption); nothing else costs at rest."""
    gb = _snapstart_gb(props)
    if gb is None:
        return
    restores, price = ASSUMED["snapstart_restores_month"], PRICES["snapstart_restore_gb"]
    basis = f"{restores} restores a month (assumed) x {gb:g} GB x ${_plain(price)}"
    cost = restores * gb * price
    yield Item("Lambda SnapStart restores", basis, cost, cost)


def _snapshot(props: dict[str, Any], resources: dict[str, Any]) -> Iterable[Item]:
    """Price the snapshot a published version of a SnapStart function keeps in cache."""
    function = resources.get(props.get("FunctionName", {}).get("Ref", ""), {})
    gb = _snapstart_gb(function.get("Properties", {}))
    if gb is None:
        return  # a version without a snapshot costs nothing at rest
    price = PRICES["snapstart_cache_gb_second"]
    cost = gb * SECONDS * price
    basis = f"{gb:g} GB x {SECONDS:,} s x ${_plain(price)}, for as long as the version exists"
    yield Item("Lambda SnapStart cache (one version)", basis, cost, cost)


def _clusters(templates: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the properties of every database cluster in the templates."""
    return [
        resource.get("Properties", {})
        for template in templates.values()
        for resource in template.get("Resources", {}).values()
        if resource["Type"] == "AWS::RDS::DBCluster"
    ]


def _schedule(props: dict[str, Any], where: str, clusters: list[dict[str, Any]]) -> Iterable[Item]:
    """Price a scheduled rule: free itself, but each run wakes a paused cluster.

    :raises UnpricedResource: for a rule that is not a rate() schedule.
    """
    found = re.fullmatch(r"rate\((\d+) (minute|hour|day)s?\)", props.get("ScheduleExpression", ""))
    if found is None:
        raise UnpricedResource(f"{where}: only rate() schedules are priced here")
    runs = SECONDS / (int(found.group(1)) * RATE_UNIT_SECONDS[found.group(2)])
    for cluster in clusters:
        scaling = cluster.get("ServerlessV2ScalingConfiguration", {})
        if float(scaling.get("MinCapacity", 0.5)) > 0:
            continue  # never paused: the run costs nothing more
        awake = ASSUMED["scheduled_work_seconds"] + int(scaling.get("SecondsUntilAutoPause", 300))
        acu, price = ASSUMED["resumed_acu"], PRICES["aurora_acu_hour"]
        cost = runs * awake / 3600 * acu * price
        basis = (
            f"{props['ScheduleExpression']}: {runs:.1f} runs x {awake} s awake"
            f" x {acu} ACU x ${price}/ACU-hour"
        )
        yield Item("Aurora woken by a scheduled run", basis, cost, cost)


def _plain(price: float) -> str:
    """Write a small price in full (0.0000015046, not 1.5046e-06)."""
    return f"{price:.10f}".rstrip("0")


def _instance(props: dict[str, Any], where: str) -> Iterable[Item]:
    size = props.get("InstanceType")
    if size not in INSTANCE_HOUR:
        raise UnpricedResource(f"{where}: no price for instance type {size!r}")
    hourly = INSTANCE_HOUR[size]
    yield Item(f"EC2 {size} (bastion)", f"{HOURS} h x ${hourly}", HOURS * hourly, 0.0)
    for mapping in props.get("BlockDeviceMappings", []):
        ebs = mapping.get("Ebs", {})
        kind, size_gb = ebs.get("VolumeType", "gp2"), ebs.get("VolumeSize", 8)
        if kind not in EBS_GB_MONTH:
            raise UnpricedResource(f"{where}: no price for EBS volume type {kind!r}")
        cost = size_gb * EBS_GB_MONTH[kind]
        yield Item(f"EBS {kind} root volume", f"{size_gb} GB, billed even when stopped", cost, cost)
    if any(nic.get("AssociatePublicIpAddress") for nic in props.get("NetworkInterfaces", [])):
        hourly = PRICES["public_ipv4_hour"]
        yield Item(
            "Public IPv4 address", f"{HOURS} h x ${hourly}, released when stopped",
            HOURS * hourly, 0.0,
        )  # fmt: skip
    flow = ASSUMED["flow_log_gb_month_running"] * PRICES["logs_ingest_gb"]
    basis = f"about {ASSUMED['flow_log_gb_month_running']} GB of flow logs from its SSM traffic"
    yield Item("VPC flow log ingestion", basis, flow, 0.0)


def _endpoint(props: dict[str, Any], where: str) -> Iterable[Item]:
    if props.get("VpcEndpointType", "Gateway") != "Interface":
        return  # gateway endpoints (S3, DynamoDB) are free
    zones = len(props.get("SubnetIds", [])) or 1
    service = _service_name(props.get("ServiceName"))
    cost = zones * HOURS * PRICES["interface_endpoint_az_hour"]
    basis = f"{zones} AZ x {HOURS} h x ${PRICES['interface_endpoint_az_hour']}"
    yield Item(f"Interface endpoint {service}", basis, cost, cost)


def _service_name(value: Any) -> str:
    """Return the service part of an endpoint's service name, whatever intrinsic built it."""
    text = json.dumps(value)
    for service in ("ssmmessages", "ec2messages", "ssm", "secretsmanager", "logs", "sts"):
        if f".{service}" in text or f'"{service}"' in text:
            return service
    return "?"


def _check_alarm(props: dict[str, Any], where: str) -> None:
    """Refuse what the alarm price here does not cover.

    :raises UnpricedResource: for a metric-math or high-resolution alarm.
    """
    if "Metrics" in props:
        raise UnpricedResource(f"{where}: a metric-math alarm is billed per metric in it")
    if int(props.get("Period", 60)) < 60:
        raise UnpricedResource(f"{where}: a high-resolution alarm costs three times more")


def _dashboard(props: dict[str, Any], where: str) -> Iterable[Item]:
    price = PRICES["dashboard_month"]
    basis = f"1 x ${price:.2f} (free for an account's first three)"
    yield Item("CloudWatch dashboard", basis, price, price)


def _nat(props: dict[str, Any], where: str) -> Iterable[Item]:
    cost = HOURS * PRICES["nat_gateway_hour"]
    yield Item("NAT gateway", f"{HOURS} h x ${PRICES['nat_gateway_hour']}", cost, cost)


def _elastic_ip(props: dict[str, Any], where: str) -> Iterable[Item]:
    cost = HOURS * PRICES["public_ipv4_hour"]
    yield Item("Elastic IP", f"{HOURS} h x ${PRICES['public_ipv4_hour']}", cost, cost)


def _secret(props: dict[str, Any], where: str) -> Iterable[Item]:
    price = PRICES["secret_month"]
    yield Item("Secrets Manager secret", f"1 x ${price}", price, price)


def _kms_key(props: dict[str, Any], where: str) -> Iterable[Item]:
    price = PRICES["kms_key_month"]
    yield Item("KMS customer managed key", f"1 x ${price}", price, price)


def _cluster(props: dict[str, Any], where: str) -> Iterable[Item]:
    scaling = props.get("ServerlessV2ScalingConfiguration")
    if scaling is None:
        raise UnpricedResource(f"{where}: only Aurora Serverless v2 clusters are priced here")
    minimum = float(scaling.get("MinCapacity", 0.5))
    compute = minimum * HOURS * PRICES["aurora_acu_hour"]
    basis = (
        "paused at 0 ACU: no compute"
        if minimum == 0
        else f"{minimum} ACU x {HOURS} h x ${PRICES['aurora_acu_hour']} (never pauses)"
    )
    yield Item("Aurora Serverless v2 compute", basis, compute, compute)
    storage = ASSUMED["aurora_storage_gb"] * PRICES["aurora_storage_gb_month"]
    basis = f"{ASSUMED['aurora_storage_gb']} GB; backups within the retention are free"
    yield Item("Aurora storage", basis, storage, storage)
    if props.get("ManageMasterUserPassword"):
        price = PRICES["secret_month"]
        yield Item("Master secret (managed by RDS)", f"1 x ${price}", price, price)


def _db_instance(props: dict[str, Any], where: str) -> Iterable[Item]:
    if props.get("DBInstanceClass") != "db.serverless":
        raise UnpricedResource(f"{where}: provisioned instance {props.get('DBInstanceClass')}")
    return []  # billed as the cluster's ACUs


def _flow_log(props: dict[str, Any], where: str) -> Iterable[Item]:
    return []  # priced with the traffic that produces it (the bastion's)


PRICERS = {
    "AWS::EC2::Instance": _instance,
    "AWS::EC2::VPCEndpoint": _endpoint,
    "AWS::EC2::NatGateway": _nat,
    "AWS::EC2::EIP": _elastic_ip,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::KMS::Key": _kms_key,
    "AWS::RDS::DBCluster": _cluster,
    "AWS::RDS::DBInstance": _db_instance,
    "AWS::EC2::FlowLog": _flow_log,
    "AWS::Lambda::Function": _function,
    "AWS::S3::Bucket": _bucket,
    "AWS::CloudWatch::Dashboard": _dashboard,
}


@dataclass(frozen=True)
class Serving:
    """What serving adds to the idle cost, per month, at one sustained rate (US$)."""

    rps: float
    requests: float
    acu: float
    costs: dict[str, float]

    @property
    def total(self) -> float:
        """The sum of every line."""
        return sum(self.costs.values())


def per_request(memory_mb: int) -> dict[str, float]:
    """Return what one million requests cost, by service, Aurora aside (US$)."""
    p, a = PRICES, SERVING
    gb_seconds = MILLION * a["billed_ms"] / 1000 * memory_mb / 1024
    return {
        "Lambda requests": p["lambda_request_million"],
        "Lambda duration": gb_seconds * p["lambda_arm_gb_second"],
        "API Gateway": p["rest_api_million"],
        "CloudWatch Logs": MILLION * a["log_bytes"] / 1e9 * p["logs_ingest_gb"],
        "Data transfer out": MILLION * a["response_bytes"] / 1e9 * p["transfer_out_gb"],
    }


def serving(rps: float, *, memory_mb: int, max_acu: float) -> Serving:
    """Price a month of `rps` requests a second on top of the idle cost."""
    requests = rps * SECONDS
    costs = {k: v * requests / MILLION for k, v in per_request(memory_mb).items()}
    acu = min(SUSTAINED_ACU.get(int(rps), max_acu), max_acu)
    costs["Aurora compute"] = acu * HOURS * PRICES["aurora_acu_hour"]
    costs["Custom metrics"] = SERVING["custom_metrics"] * PRICES["custom_metric_month"]
    return Serving(rps=rps, requests=requests, acu=acu, costs=costs)


def sizing(templates: dict[str, dict[str, Any]]) -> tuple[int, float]:
    """Return the API function's memory (MB) and the cluster's maximum ACU."""
    memory, max_acu = 128, 0.0
    for template in templates.values():
        for resource in template.get("Resources", {}).values():
            props = resource.get("Properties", {})
            if resource["Type"] == "AWS::Lambda::Function" and "METRICS_NAMESPACE" in str(
                props.get("Environment")
            ):
                memory = int(props.get("MemorySize", 128))
            if resource["Type"] == "AWS::RDS::DBCluster":
                scaling = props["ServerlessV2ScalingConfiguration"]
                max_acu = float(scaling["MaxCapacity"])
    return memory, max_acu


def render_serving(templates: dict[str, dict[str, Any]]) -> str:
    """Return the cost while serving as Markdown: per million requests, then per rate."""
    memory, max_acu = sizing(templates)
    million = per_request(memory)
    lines = [
        f"Per million requests, at {memory} MB: "
        + "; ".join(f"{k} {v:.2f}" for k, v in million.items())
        + f"; **{sum(million.values()):.2f}** in all, Aurora aside (its capacity is billed"
        " by the hour it runs, below).",
        "",
        "| sustained | requests a month | "
        + " | ".join(serving(1, memory_mb=memory, max_acu=max_acu).costs)
        + " | **added to idle, US$ a month** |",
        "| --- | ---: |" + " ---: |" * (len(million) + 3),
    ]
    for rps in SUSTAINED_ACU:
        row = serving(rps, memory_mb=memory, max_acu=max_acu)
        cells = " | ".join(f"{v:.2f}" for v in row.costs.values())
        lines.append(
            f"| {rps} request{'s' if rps > 1 else ''}/s, {row.acu:g} ACU"
            f" | {row.requests / MILLION:,.1f} M | {cells} | **{row.total:.2f}** |"
        )
    return "\n".join(lines) + "\n"


def totals(items: list[Item]) -> tuple[float, float]:
    """Return the monthly total with the bastion running, and with it stopped."""
    return sum(i.running for i in items), sum(i.stopped for i in items)


def render(title: str, items: list[Item]) -> str:
    """Return the estimate as a Markdown table with both totals."""
    running, stopped = totals(items)
    lines = [
        f"### {title}",
        "",
        "| item | basis | bastion running | bastion stopped |",
        "| --- | --- | ---: | ---: |",
    ]
    lines += [f"| {i.what} | {i.basis} | {i.running:.2f} | {i.stopped:.2f} |" for i in items]
    lines.append(f"| **total, US$ a month** | | **{running:.2f}** | **{stopped:.2f}** |")
    return "\n".join(lines) + "\n"


def assumptions() -> str:
    """Return the region, prices and quantities the estimate assumes, as Markdown."""
    p, a = PRICES, ASSUMED
    return "\n".join(
        [
            f"Region {REGION}, on-demand list prices in US$, {HOURS} hours a month:",
            f"EC2 t4g.nano {INSTANCE_HOUR['t4g.nano']}/h;"
            f" public IPv4 address {p['public_ipv4_hour']}/h;"
            f" EBS gp3 {EBS_GB_MONTH['gp3']}/GB-month;"
            f" interface endpoint {p['interface_endpoint_az_hour']}/h per AZ;"
            f" NAT gateway {p['nat_gateway_hour']}/h;"
            f" Secrets Manager {p['secret_month']}/secret-month;"
            f" KMS key {p['kms_key_month']}/month;"
            f" Aurora Serverless v2 {p['aurora_acu_hour']}/ACU-hour,"
            f" storage {p['aurora_storage_gb_month']}/GB-month;"
            f" CloudWatch Logs {p['logs_ingest_gb']}/GB ingested,"
            f" {p['logs_storage_gb_month']}/GB-month stored;"
            f" Lambda SnapStart (Python) {_plain(p['snapstart_cache_gb_second'])}/GB-second"
            f" cached, {_plain(p['snapstart_restore_gb'])}/GB restored;"
            f" S3 Standard {p['s3_standard_gb_month']}/GB-month;"
            f" CloudWatch {p['alarm_month']}/alarm-month,"
            f" {p['dashboard_month']:.2f}/dashboard-month,"
            f" {p['custom_metric_month']}/custom metric-month.",
            "",
            f"Assumed at idle: Aurora volume {a['aurora_storage_gb']} GB;"
            f" {a['log_storage_gb']} GB of logs retained in all;"
            f" {a['flow_log_gb_month_running']} GB a month of flow logs while the bastion runs;"
            f" with SnapStart, {a['snapstart_restores_month']} restores a month;"
            f" a scheduled run keeps a paused cluster awake {a['scheduled_work_seconds']} s"
            f" plus its auto-pause delay, at {a['resumed_acu']} ACU;"
            f" the web app's files {a['site_gb']} GB."
            " No requests otherwise; Aurora paused at 0 ACU.",
        ]
    )


def serving_assumptions() -> str:
    """Return the prices and quantities the serving estimate assumes, as Markdown."""
    p, a = PRICES, SERVING
    acu = ", ".join(f"{rps}/s at {acu:g} ACU" for rps, acu in SUSTAINED_ACU.items())
    return (
        f"Lambda on arm64 {p['lambda_request_million']}/million requests and"
        f" {_plain(p['lambda_arm_gb_second'])}/GB-second; API Gateway REST"
        f" {p['rest_api_million']}/million; CloudWatch Logs {p['logs_ingest_gb']}/GB ingested;"
        f" data transfer out {p['transfer_out_gb']}/GB. Assumed per request:"
        f" {a['billed_ms']} ms billed, {a['log_bytes']:,} bytes of logs,"
        f" {a['response_bytes']:,} bytes of answer; Aurora {acu}, never paused;"
        f" {a['custom_metrics']} custom metrics receiving data. Free tiers (Lambda's million"
        " requests, 100 GB of transfer, three dashboards, ten alarms) are not subtracted, and"
        " cold starts are left out: under sustained load instances live long."
    )


def load_templates(folder: Path) -> dict[str, dict[str, Any]]:
    """Read every *.template.json of a cloud assembly folder."""
    found = {p.name.removesuffix(".template.json"): json.loads(p.read_text())
             for p in sorted(folder.glob("*.template.json"))}  # fmt: skip
    if not found:
        raise SystemExit(f"no *.template.json in {folder}: synthesize first")
    return found


def synthesize(context: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Synthesize the CDK app without bundling the function, and return its templates."""
    sys.path.insert(0, str(ROOT))
    from aws_cdk import App

    from infra.app import build, default_context

    with tempfile.TemporaryDirectory() as outdir:
        # As if web/out were not built, whether it is or not, so the figures do not depend
        # on it: the export's copy runs in a function only during a deploy.
        no_export = str(Path(outdir) / "no-export")
        settings = {**default_context(), "webExport": no_export, **context}
        settings["aws:cdk:bundling-stacks"] = []
        app = App(context=settings, outdir=outdir)
        build(app)
        app.synth()
        return load_templates(Path(outdir))


LAYOUTS = {
    "Default: bastion in a public subnet, no inbound rule": {},
    "isolatedBastion=true: bastion in an isolated subnet, SSM interface endpoints": {
        "isolatedBastion": "true"
    },
    "snapStart=true: the default layout, the function with SnapStart": {"snapStart": "true"},
    "stage=prod: SnapStart, the canary and its alarms, 14 days of backups": {"stage": "prod"},
}


def main() -> None:
    """Print the estimate (or write every layout's estimate as Markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--context", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--templates", type=Path, help="read a synthesized cdk.out instead")
    parser.add_argument("--write", type=Path, help="write every layout to this Markdown file")
    args = parser.parse_args()
    context = dict(pair.split("=", 1) for pair in args.context)
    header = assumptions()
    if args.write:
        layouts = {title: synthesize({**context, **c}) for title, c in LAYOUTS.items()}
        sections = [render(title, estimate(templates)) for title, templates in layouts.items()]
        dev = next(iter(layouts.values()))
        args.write.write_text(
            DOC.format(
                header=header,
                sections="\n".join(sections),
                serving=serving_assumptions() + "\n\n" + render_serving(dev),
            )
        )
        print(f"wrote {args.write}")
        return
    templates = load_templates(args.templates) if args.templates else synthesize(context)
    print(header + "\n")
    print(render(", ".join(f"{k}={v}" for k, v in context.items()) or "dev", estimate(templates)))


DOC = """# Idle cost

What the `dev` stage costs a month with no traffic, written by `make idle-cost`
(`uv run python scripts/idle_cost.py --write docs/idle-cost.md`), which synthesizes the
CDK app and prices every resource in its templates. Lambda, API Gateway, CloudFront and
Aurora's compute are billed per use and cost nothing at rest; what remains is storage
(the web app's files in S3 cost a fraction of a cent), the master secret, the Secrets
Manager endpoint the deploy's migrations read it through, the alarms and the dashboard,
the daily `purge_expired` run's wake-up of the cluster (`-c purgeSchedule=off` turns it
off) and, while it runs, the bastion. `make bastion-stop` stops it. With SnapStart
(prod's default, `-c snapStart=true` elsewhere), the function's snapshot is cached, and
billed, for as long as its version exists; that is the whole difference between the dev
and prod stages at rest. The last section prices a sustained load.

{header}

{sections}
## While serving

What a sustained load adds to the idle cost above (the dev stage's function and
cluster; the scheduled purge's wake-ups then cost nothing more, the cluster being awake
anyway). At 1 request a second Aurora's capacity is most of it; from about 10, API
Gateway's REST price per request is (HTTP APIs are priced at 1.00 a million). At 100
requests a second the dev stage is at its limits: its throttle (`throttleRate` 100) and
its `maxCapacity` (2 ACU), where `AuroraAtMaxCapacity` would fire; raise both first.

{serving}"""


if __name__ == "__main__":
    main()
