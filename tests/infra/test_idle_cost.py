"""The idle-cost estimate reads the synthesized templates and prices what idles.

The expected figures are worked out by hand from the list prices docs/idle-cost.md states
(us-east-1, US$, 730 hours a month), with the arithmetic beside each.
"""

from __future__ import annotations

from typing import Any

import pytest

from scripts.idle_cost import (
    DOC,
    LAYOUTS,
    UnpricedResource,
    assumptions,
    estimate,
    load_templates,
    per_request,
    render,
    render_serving,
    serving,
    serving_assumptions,
    totals,
)
from tests.infra.conftest import ROOT, Synth

BASTION = {
    "Type": "AWS::EC2::Instance",
    "Properties": {
        "InstanceType": "t4g.nano",
        "BlockDeviceMappings": [
            {"DeviceName": "/dev/xvda", "Ebs": {"VolumeType": "gp3", "VolumeSize": 8}}
        ],
        "NetworkInterfaces": [{"DeviceIndex": "0", "AssociatePublicIpAddress": True}],
    },
}
PRIVATE_BASTION = {
    "Type": "AWS::EC2::Instance",
    "Properties": {**BASTION["Properties"], "NetworkInterfaces": [{"DeviceIndex": "0"}]},
}


def rule(schedule: str) -> dict[str, Any]:
    """A scheduled EventBridge rule."""
    return {"Type": "AWS::Events::Rule", "Properties": {"ScheduleExpression": schedule}}


def cluster(minimum: float, *, managed_secret: bool = False) -> dict[str, Any]:
    """An Aurora Serverless v2 cluster resource."""
    properties: dict[str, Any] = {
        "ServerlessV2ScalingConfiguration": {"MinCapacity": minimum, "MaxCapacity": 2}
    }
    if managed_secret:
        properties["ManageMasterUserPassword"] = True
    return {"Type": "AWS::RDS::DBCluster", "Properties": properties}


def endpoint(kind: str, subnets: int) -> dict[str, Any]:
    """A VPC endpoint of SSM in `subnets` subnets."""
    return {"Type": "AWS::EC2::VPCEndpoint", "Properties": {
        "VpcEndpointType": kind, "ServiceName": "com.amazonaws.us-east-1.ssm",
        "SubnetIds": [{"Ref": f"Subnet{i}"} for i in range(subnets)]}}  # fmt: skip


def stacks(synth: Synth) -> dict[str, dict[str, Any]]:
    """Every template of a layout (data, API and web), by stack name."""
    return load_templates(synth.outdir)


def one_stack(**resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A single template holding the given resources, by logical id."""
    return {"s": {"Resources": resources}}


@pytest.mark.parametrize(
    ("resources", "expected"),
    [
        pytest.param(
            {"Bastion": BASTION},
            # t4g.nano 730 h x 0.0042 = 3.066; gp3 8 GB x 0.08 = 0.64; public IPv4
            # 730 h x 0.005 = 3.65; flow logs 0.1 GB x 0.50 = 0.05. Stopped: the disk only.
            (7.406, 0.64),
            id="t4g.nano, 8 GB gp3 and a public IPv4 address",
        ),
        pytest.param(
            {"Bastion": PRIVATE_BASTION},
            (3.756, 0.64),  # 3.066 + 0.64 + 0.05: no address to pay for
            id="the same bastion without a public address",
        ),
        pytest.param(
            {"Cluster": cluster(0)},
            (0.10, 0.10),  # paused: no compute; storage 1 GB x 0.10
            id="Aurora at min 0 ACU: storage only",
        ),
        pytest.param(
            {"Cluster": cluster(0, managed_secret=True)},
            (0.50, 0.50),  # storage 0.10 + the master secret 0.40
            id="Aurora at min 0 ACU with the secret RDS manages",
        ),
        pytest.param(
            {"Cluster": cluster(0.5)},
            (43.90, 43.90),  # 0.5 ACU x 730 h x 0.12 = 43.80, never paused; storage 0.10
            id="Aurora at min 0.5 ACU",
        ),
        pytest.param(
            {"Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {}}},
            (32.85, 32.85),  # 730 h x 0.045
            id="a NAT gateway",
        ),
        pytest.param(
            {"Ssm": endpoint("Interface", subnets=2)},
            (14.60, 14.60),  # 2 AZ x 730 h x 0.01
            id="an interface endpoint in two AZs",
        ),
        pytest.param(
            {"S3": endpoint("Gateway", subnets=2)},
            (0, 0),
            id="a gateway endpoint",
        ),
        pytest.param(
            {"Logs": {"Type": "AWS::Logs::LogGroup"}, "More": {"Type": "AWS::Logs::LogGroup"}},
            (0.003, 0.003),  # 0.1 GB retained in all x 0.03
            id="two log groups",
        ),
        pytest.param(
            {"Cluster": cluster(0), "Purge": rule("rate(1 day)")},
            # 2,628,000 s / 86,400 = 30.42 runs x (60 s + the default 300 s pause delay)
            # = 3.04 h awake x 0.5 ACU x 0.12 = 0.1825; plus storage 0.10.
            (0.2825, 0.2825),
            id="a daily run waking a paused Aurora",
        ),
        pytest.param(
            {"Cluster": cluster(0), "Purge": rule("rate(7 days)")},
            (0.10 + 0.1825 / 7, 0.10 + 0.1825 / 7),
            id="a weekly run waking a paused Aurora",
        ),
        pytest.param(
            {"Cluster": cluster(0.5), "Purge": rule("rate(1 hour)")},
            (43.90, 43.90),  # the cluster never pauses: the runs cost nothing more
            id="a scheduled run against an Aurora that never pauses",
        ),
        pytest.param(
            {"Vpc": {"Type": "AWS::EC2::VPC"}, "Function": {"Type": "AWS::Lambda::Function"}},
            (0, 0),
            id="a VPC and a function, free at rest",
        ),
        pytest.param(
            {
                f"Alarm{i}": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Period": 300}}
                for i in range(3)
            },
            (0.30, 0.30),  # 3 x 0.10
            id="three standard alarms",
        ),
        pytest.param(
            {
                "Dashboard": {"Type": "AWS::CloudWatch::Dashboard"},
                "Topic": {"Type": "AWS::SNS::Topic"},
                "Trigger": {"Type": "Custom::Trigger"},
            },
            (3.00, 3.00),  # the dashboard; the topic and the deploy's trigger cost nothing idle
            id="a dashboard, a topic and a trigger",
        ),
    ],
)
def test_a_known_template_costs_a_known_amount(
    resources: dict[str, Any], expected: tuple[float, float]
) -> None:
    """Monthly totals with the bastion running and stopped."""
    assert totals(estimate(one_stack(**resources))) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("resource", "named"),
    [
        ({"Type": "AWS::ElastiCache::CacheCluster"}, "ElastiCache"),
        ({"Type": "AWS::EC2::Instance", "Properties": {"InstanceType": "m7g.large"}}, "m7g.large"),
        ({"Type": "AWS::RDS::DBInstance", "Properties": {"DBInstanceClass": "db.r6g.large"}},
         "db.r6g.large"),
        ({"Type": "AWS::RDS::DBCluster", "Properties": {}}, "Serverless v2"),
        (rule("cron(0 3 * * ? *)"), "rate"),
        ({"Type": "AWS::CloudWatch::Alarm", "Properties": {"Metrics": []}}, "metric-math"),
        ({"Type": "AWS::CloudWatch::Alarm", "Properties": {"Period": 10}}, "high-resolution"),
    ],
    ids=["unknown type", "unknown instance size", "provisioned database", "provisioned cluster",
         "cron schedule", "metric-math alarm", "high-resolution alarm"],
)  # fmt: skip
def test_a_resource_with_no_known_idle_price_fails_the_estimate(
    resource: dict[str, Any], named: str
) -> None:
    """Unknown types and sizes are not silently free."""
    with pytest.raises(UnpricedResource, match=named):
        estimate(one_stack(Thing=resource))


def test_the_dev_stage_costs_a_few_dollars_a_month_at_rest(dev: Synth) -> None:
    """US$19.19 with the bastion running: 3.07 instance + 0.64 disk + 3.65 address + 0.05
    flow logs + 0.10 Aurora storage + 0.40 master secret + 0.18 for the daily purge's
    wake-ups + 7.30 for the migrations' Secrets Manager endpoint + 8 alarms x 0.10 + 3.00
    dashboard (+ 0.003 logs, + 0.0002 the web app's files); US$12.43 stopped: the same
    less instance, address and flow logs."""
    running, stopped = totals(estimate(stacks(dev)))
    assert (round(running, 2), round(stopped, 2)) == (19.19, 12.43)


def test_the_web_stack_costs_only_its_files_at_rest(dev: Synth) -> None:
    """CloudFront, the headers policy and the origin access control bill per use; the
    bucket holds the export: 0.01 GB x US$0.023 = US$0.00023 a month."""
    web = {"web": load_templates(dev.outdir)["TodoWeb-dev"]}
    items = estimate(web)
    assert [(i.what, round(i.running, 5), round(i.stopped, 5)) for i in items] == [
        ("S3 Standard, web app files", 0.00023, 0.00023)
    ]


def test_an_isolated_bastion_pays_for_three_endpoints_in_one_az(isolated: Synth) -> None:
    """SSM, SSM Messages, EC2 Messages: each 730 h x US$0.01 = 7.30, billed even when
    stopped; the dev total less the address (3.65) plus 21.90 gives 37.44 and 34.33."""
    items = estimate(stacks(isolated))
    endpoints = [i for i in items if i.what.startswith("Interface endpoint")]
    assert sorted(i.what.split()[-1] for i in endpoints) == [
        "ec2messages", "secretsmanager", "ssm", "ssmmessages"]  # fmt: skip
    assert [round(i.stopped, 2) for i in endpoints] == [7.30] * 4
    running, stopped = totals(items)
    assert (round(running, 2), round(stopped, 2)) == (37.44, 34.33)


def test_the_default_layout_pays_for_one_endpoint_and_no_nat(dev: Synth) -> None:
    """The bastion's public address replaces US$21.90 of SSM endpoints; the migrations'
    Secrets Manager endpoint, in one AZ, is the only one."""
    names = [item.what for item in estimate(stacks(dev))]
    assert [n for n in names if "endpoint" in n.lower() or "NAT" in n] == [
        "Interface endpoint secretsmanager"
    ]
    assert "Public IPv4 address" in names


def test_a_paused_cluster_has_no_compute_in_the_dev_stage(dev: Synth) -> None:
    """Min 0 ACU, as cdk.json sets it: the compute line is there, at zero."""
    compute = next(i for i in estimate(stacks(dev)) if i.what == "Aurora Serverless v2 compute")
    assert (compute.running, compute.stopped) == (0, 0)
    assert compute.basis == "paused at 0 ACU: no compute"


def test_the_report_shows_both_totals(dev: Synth) -> None:
    """One Markdown table: an item per line, the running and stopped totals last."""
    items = estimate(stacks(dev))
    table = render("dev", items).splitlines()
    assert table[-1] == "| **total, US$ a month** | | **19.19** | **12.43** |"
    assert len(table) == len(items) + 5


def test_docs_idle_cost_md_is_what_make_idle_cost_writes(
    dev: Synth, isolated: Synth, snapstart: Synth, prod: Synth
) -> None:
    """Regenerate it with `make idle-cost` when the stacks or the prices change."""
    layouts = {
        (): dev,
        (("isolatedBastion", "true"),): isolated,
        (("snapStart", "true"),): snapstart,
        (("stage", "prod"),): prod,
    }
    sections = [render(title, estimate(stacks(layouts[tuple(context.items())])))
                for title, context in LAYOUTS.items()]  # fmt: skip
    expected = DOC.format(
        header=assumptions(),
        sections="\n".join(sections),
        serving=serving_assumptions() + "\n\n" + render_serving(stacks(dev)),
    )
    assert (ROOT / "docs" / "idle-cost.md").read_text() == expected


def snapstart_template(*, memory_mb: int, versions: int) -> dict[str, Any]:
    """A function with SnapStart on and `versions` published versions behind an alias."""
    resources: dict[str, Any] = {
        "Fn": {
            "Type": "AWS::Lambda::Function",
            "Properties": {"MemorySize": memory_mb, "SnapStart": {"ApplyOn": "PublishedVersions"}},
        },
        "Live": {"Type": "AWS::Lambda::Alias", "Properties": {"FunctionName": {"Ref": "Fn"}}},
    }
    for number in range(versions):
        resources[f"Version{number}"] = {
            "Type": "AWS::Lambda::Version",
            "Properties": {"FunctionName": {"Ref": "Fn"}},
        }
    return {"Resources": resources}


@pytest.mark.parametrize(
    ("versions", "expected"),
    [
        # Cache: 1 GB x 730 h x 3,600 s = 2,628,000 GB-s x $0.0000015046 = $3.9540888 per
        # version. Restores: 100 a month x 1 GB x $0.0001397998 = $0.01397998.
        (1, 3.9540888 + 0.01397998),  # = 3.96806878
        # Each version kept keeps its snapshot; restores happen on the live one only.
        (2, 2 * 3.9540888 + 0.01397998),  # = 7.92215758
    ],
)
def test_snapstart_costs_its_cache_per_version_and_its_restores(
    versions: int, expected: float
) -> None:
    items = estimate({"s": snapstart_template(memory_mb=1024, versions=versions)})
    assert totals(items) == (pytest.approx(expected), pytest.approx(expected))


def test_a_version_without_snapstart_costs_nothing_at_rest() -> None:
    template = snapstart_template(memory_mb=1024, versions=1)
    del template["Resources"]["Fn"]["Properties"]["SnapStart"]
    assert estimate({"s": template}) == []


def test_the_snapstart_layout_costs_more_by_its_cache_and_restores(
    dev: Synth, snapstart: Synth
) -> None:
    """512 MB: cache 0.5 GB x 2,628,000 s x $0.0000015046 = $1.9770444; restores
    100 x 0.5 GB x $0.0001397998 = $0.0069899; $1.9840343 a month more, running or not."""
    without, with_snapstart = totals(estimate(stacks(dev))), totals(estimate(stacks(snapstart)))
    assert with_snapstart[0] - without[0] == pytest.approx(1.9840343)
    assert with_snapstart[1] - without[1] == pytest.approx(1.9840343)


def test_prod_idles_at_the_dev_cost_plus_its_snapshot(dev: Synth, prod: Synth) -> None:
    """SnapStart's cache and restores (1.98 + 0.01); the canary, the alarms and the
    dashboard are the same resources in both, and CodeDeploy costs nothing for Lambda."""
    (dev_running, dev_stopped), (running, stopped) = (
        totals(estimate(stacks(dev))), totals(estimate(stacks(prod))))  # fmt: skip
    assert running - dev_running == pytest.approx(1.9840343)
    assert stopped - dev_stopped == pytest.approx(1.9840343)


def test_a_million_requests_cost_what_each_service_charges_for_them() -> None:
    """At 512 MB: requests 0.20; 1,000,000 x 0.025 s x 0.5 GB = 12,500 GB-s x
    0.0000133334 = 0.1666675; API Gateway 3.50; 1.5 GB of logs x 0.50 = 0.75; 1 GB out
    x 0.09 = 0.09. 4.7066675 in all."""
    costs = per_request(512)
    assert costs == pytest.approx({
        "Lambda requests": 0.20, "Lambda duration": 0.1666675, "API Gateway": 3.50,
        "CloudWatch Logs": 0.75, "Data transfer out": 0.09})  # fmt: skip
    assert sum(costs.values()) == pytest.approx(4.7066675)


def test_one_request_a_second_for_a_month_adds_its_requests_and_an_awake_aurora() -> None:
    """2,628,000 requests x 4.7066675 / 1,000,000 = 12.369122; Aurora 0.5 ACU x 730 h x
    0.12 = 43.80; 6 custom metrics x 0.30 = 1.80: 57.969122."""
    month = serving(1, memory_mb=512, max_acu=2)
    assert month.requests == 2_628_000
    assert month.acu == 0.5
    assert month.total == pytest.approx(57.969122)


def test_a_sustained_rate_never_assumes_more_aurora_than_the_cluster_may_have() -> None:
    """100 requests a second would take 2 ACU; a cluster capped at 1 ACU is priced at 1."""
    assert serving(100, memory_mb=512, max_acu=1).acu == 1
    assert serving(100, memory_mb=512, max_acu=2).costs["Aurora compute"] == pytest.approx(175.2)
