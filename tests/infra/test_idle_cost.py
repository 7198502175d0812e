"""The idle-cost estimate reads the synthesized templates and prices what idles."""

from __future__ import annotations

from typing import Any

import pytest

from scripts.idle_cost import HOURS, PRICES, UnpricedResource, estimate, render, totals
from tests.infra.conftest import Synth


def stacks(synth: Synth) -> dict[str, dict[str, object]]:
    """Both templates of a layout, by stack name."""
    return {"data": synth.data, "api": synth.api}


def test_the_dev_stage_costs_a_few_dollars_a_month_at_rest(dev: Synth) -> None:
    """Bastion running: under US$10; stopped: under US$2 (disk, secret, storage)."""
    running, stopped = totals(estimate(stacks(dev)))
    assert 5 < running < 10
    assert 0.5 < stopped < 2


def test_the_default_layout_pays_for_no_endpoint_and_no_nat(dev: Synth) -> None:
    """The bastion's public address replaces US$21.90 of SSM endpoints."""
    names = [item.what for item in estimate(stacks(dev))]
    assert not [n for n in names if "endpoint" in n.lower() or "NAT" in n]
    assert "Public IPv4 address" in names


def test_an_isolated_bastion_pays_for_three_endpoints_in_one_az(isolated: Synth) -> None:
    """SSM, SSM Messages, EC2 Messages: 3 x 730 h x US$0.01, billed even when stopped."""
    items = [i for i in estimate(stacks(isolated)) if i.what.startswith("Interface endpoint")]
    assert sorted(i.what.split()[-1] for i in items) == ["ec2messages", "ssm", "ssmmessages"]
    per_endpoint = HOURS * PRICES["interface_endpoint_az_hour"]
    assert [round(i.stopped, 2) for i in items] == [round(per_endpoint, 2)] * 3


def test_a_paused_cluster_costs_its_storage_and_secret_only(dev: Synth) -> None:
    """Min 0 ACU: no compute; a cluster that never pauses pays its minimum around the clock."""
    compute = next(i for i in estimate(stacks(dev)) if i.what == "Aurora Serverless v2 compute")
    assert compute.running == 0
    busy = {"Type": "AWS::RDS::DBCluster", "Properties": {
        "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 2}}}  # fmt: skip
    (compute, *_) = estimate({"s": {"Resources": {"Cluster": busy}}})
    assert compute.running == pytest.approx(0.5 * HOURS * PRICES["aurora_acu_hour"])


def test_a_nat_gateway_would_show_up_in_the_estimate() -> None:
    """The figure follows the template: add a NAT gateway and US$32.85 appears."""
    template = {"Resources": {"Nat": {"Type": "AWS::EC2::NatGateway", "Properties": {}}}}
    (item,) = estimate({"s": template})
    assert item.running == pytest.approx(HOURS * PRICES["nat_gateway_hour"])


def test_a_resource_with_no_known_idle_price_fails_the_estimate() -> None:
    """Unknown types are not silently free."""
    template = {"Resources": {"Cache": {"Type": "AWS::ElastiCache::CacheCluster"}}}
    with pytest.raises(UnpricedResource, match="ElastiCache"):
        estimate({"s": template})


def test_the_report_shows_both_totals(dev: Synth) -> None:
    """One Markdown table: an item per line, the running and stopped totals last."""
    items = estimate(stacks(dev))
    table = render("dev", items)
    running, stopped = totals(items)
    assert table.splitlines()[-1] == (
        f"| **total, US$ a month** | | **{running:.2f}** | **{stopped:.2f}** |"
    )
    assert len(table.splitlines()) == len(items) + 5


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
