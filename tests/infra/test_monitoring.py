"""Alarms on what a user would notice or pay for, to one topic, and one dashboard."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from core.metrics import NAMESPACE_VARIABLE
from infra.components.monitoring import APP_METRICS, max_connections
from tests.infra.conftest import Synth


def alarms(synth: Synth) -> dict[str, dict[str, Any]]:
    """Return the alarms' properties by metric name."""
    found = [a["Properties"] for a in synth.resources(synth.api, "AWS::CloudWatch::Alarm").values()]
    by_metric = {a["MetricName"]: a for a in found}
    assert len(by_metric) == len(found), "one alarm a metric"
    return by_metric


def dimension(alarm: dict[str, Any], name: str) -> Any:
    """Return the value of one of an alarm's dimensions."""
    (value,) = [d["Value"] for d in alarm["Dimensions"] if d["Name"] == name]
    return value


def test_each_alarm_watches_what_a_user_would_notice_or_pay_for(dev: Synth) -> None:
    """5xx rate, p99 latency, function errors and throttles, the scheduled purge, Aurora
    at its maximum capacity and near its maximum connections, sign-in lockouts."""
    found = alarms(dev)
    assert sorted(found) == sorted([
        "5XXError", "Latency", "Errors", "Throttles", "PurgeFailures",
        "ServerlessDatabaseCapacity", "DatabaseConnections", "SignInLockouts"])  # fmt: skip
    errors = found["5XXError"]
    assert (errors["Namespace"], errors["Statistic"], errors["Threshold"]) == (
        "AWS/ApiGateway", "Average", 0.05)  # fmt: skip
    assert (dimension(errors, "ApiName"), dimension(errors, "Stage")) == ("todo-dev", "dev")
    assert (errors["EvaluationPeriods"], errors["DatapointsToAlarm"]) == (5, 3)
    latency = found["Latency"]
    assert (latency["ExtendedStatistic"], latency["Threshold"]) == ("p99", 25_000)
    assert latency["Threshold"] < 29_000 < latency["Threshold"] * 1.2


def test_the_database_alarms_follow_the_capacity_range(
    dev: Synth, synth: Callable[..., Synth]
) -> None:
    """At its maximum ACU for 15 minutes; connections past 80 % of max_connections,
    which Aurora derives from the maximum capacity (189 per ACU, capped)."""
    found = alarms(dev)
    capacity, connections = found["ServerlessDatabaseCapacity"], found["DatabaseConnections"]
    assert dimension(capacity, "DBClusterIdentifier") == "todo-dev"
    assert (capacity["Threshold"], capacity["EvaluationPeriods"], capacity["Period"]) == (2, 3, 300)
    assert connections["Threshold"] == int(378 * 0.8)  # 2 ACU x 189
    bigger = alarms(synth(maxCapacity="16"))
    assert bigger["ServerlessDatabaseCapacity"]["Threshold"] == 16
    assert bigger["DatabaseConnections"]["Threshold"] == 1600  # 2,000 cap at min 0 ACU


@pytest.mark.parametrize(
    ("min_acu", "max_acu", "expected"),
    [(0, 1, 189), (0, 2, 378), (0, 16, 2000), (1, 16, 3024), (1, 64, 5000)],
)
def test_max_connections_grows_with_the_maximum_capacity_up_to_its_cap(
    min_acu: float, max_acu: float, expected: int
) -> None:
    """189 per ACU (the value Aurora shows at 1 ACU); at 16 ACU with a minimum of 1 Aurora
    shows 3,360, so the estimate stays below it and the alarm errs early."""
    assert max_connections(min_acu, max_acu) == expected


def test_the_purge_alarm_counts_failed_runs_in_the_function_log(dev: Synth) -> None:
    """A metric filter on the management command's closing line with a non-zero status."""
    (metric_filter,) = dev.resources(dev.api, "AWS::Logs::MetricFilter").values()
    props = metric_filter["Properties"]
    pattern = props["FilterPattern"]
    for part in ('$.message = "management command"', '$.command = "purge_expired"',
                 "$.exitStatus != 0"):  # fmt: skip
        assert part in pattern
    _, function = dev.django()
    assert props["LogGroupName"] == {"Ref": function["LoggingConfig"]["LogGroup"]["Ref"]}
    (transformation,) = props["MetricTransformations"]
    assert (transformation["MetricName"], transformation["MetricValue"]) == ("PurgeFailures", "1")
    assert transformation["MetricNamespace"] == "TodoApi/dev"


def test_the_lockout_alarm_reads_the_metric_the_app_writes(dev: Synth) -> None:
    """Its namespace is the one the function is given for its embedded metrics."""
    lockouts = alarms(dev)["SignInLockouts"]
    variables = dev.django()[1]["Environment"]["Variables"]
    assert lockouts["Namespace"] == variables[NAMESPACE_VARIABLE] == "TodoApi/dev"
    assert (lockouts["Statistic"], lockouts["Threshold"], lockouts["Period"]) == ("Sum", 20, 300)


def test_every_alarm_notifies_the_topic_when_it_fires_and_clears(dev: Synth) -> None:
    (topic,) = dev.resources(dev.api, "AWS::SNS::Topic")
    for metric, alarm in alarms(dev).items():
        assert alarm["AlarmActions"] == [{"Ref": topic}], metric
        assert alarm["OKActions"] == [{"Ref": topic}], metric
        assert alarm["TreatMissingData"] == "notBreaching", metric


def test_the_topic_refuses_plain_http_and_mails_only_when_asked(
    dev: Synth, synth: Callable[..., Synth]
) -> None:
    policy = dev.one(dev.api, "AWS::SNS::TopicPolicy")["PolicyDocument"]
    (statement,) = policy["Statement"]
    assert statement["Effect"] == "Deny"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert not dev.resources(dev.api, "AWS::SNS::Subscription")
    mailed = synth(alarmEmail="ops@example.com")
    subscription = mailed.one(mailed.api, "AWS::SNS::Subscription")
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("email", "ops@example.com")


def dashboard_widgets(synth: Synth) -> list[dict[str, Any]]:
    """Return the dashboard's widgets, its body parsed with references as placeholders."""
    body = synth.one(synth.api, "AWS::CloudWatch::Dashboard")["DashboardBody"]
    text = "".join(part if isinstance(part, str) else "REF" for part in body["Fn::Join"][1])
    widgets: list[dict[str, Any]] = json.loads(text)["widgets"]
    return widgets


def test_one_dashboard_shows_requests_latency_errors_cold_starts_acu_and_connections(
    dev: Synth,
) -> None:
    """Cold starts come from the platform reports in the function's JSON log: the init
    duration, or with SnapStart the restore duration."""
    assert dev.one(dev.api, "AWS::CloudWatch::Dashboard")["DashboardName"] == "todo-dev"
    widgets = dashboard_widgets(dev)
    metrics = {line[1] for w in widgets for line in w["properties"].get("metrics", [])}
    assert metrics == {"Count", "4XXError", "5XXError", "Latency", "Errors", "Throttles",
                       "Duration", "ServerlessDatabaseCapacity", "DatabaseConnections",
                       *APP_METRICS}  # fmt: skip
    (query,) = [w["properties"]["query"] for w in widgets if w["type"] == "log"]
    assert 'type = "platform.report"' in query
    assert "record.metrics.initDurationMs" in query
    assert "record.metrics.restoreDurationMs" in query
    (alarm_status,) = [w for w in widgets if w["type"] == "alarm"]
    assert len(alarm_status["properties"]["alarms"]) == len(alarms(dev))


def test_the_stack_outputs_where_the_alarms_and_the_dashboard_are(dev: Synth) -> None:
    (topic,) = dev.resources(dev.api, "AWS::SNS::Topic")
    assert dev.api["Outputs"]["AlarmTopicArn"]["Value"] == {"Ref": topic}
    parts = dev.api["Outputs"]["DashboardUrl"]["Value"]["Fn::Join"][1]
    assert parts[-2:-1] == ["#dashboards/dashboard/"]
    (dashboard,) = dev.resources(dev.api, "AWS::CloudWatch::Dashboard")
    assert parts[-1] == {"Ref": dashboard}  # its name, todo-dev
