"""Alarms on what a user would notice or pay for, a topic they go to, and one dashboard.

Every alarm notifies the topic when it fires and when it clears; `-c alarmEmail=...`
subscribes an address (SNS mails it a confirmation link first). The application's own
counts (sign-ins, lockouts, 412s, replays, 503s) arrive as embedded metric format lines
in the function's log (core/metrics.py), under the namespace the function is given.
"""

from __future__ import annotations

from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from infra.nag import acknowledge

# API Gateway gives up on an integration at 29 s: a p99 above this is a timeout coming.
LATENCY_P99_MS = 25_000
# A share of requests answered 5xx over a minute, three minutes out of five.
SERVER_ERROR_RATE = 0.05
# Sign-ins refused as locked in five minutes: beyond a forgetful user, a guessing run.
LOCKOUT_SPIKE = 20
# The share of max_connections past which new connections are close to being refused.
CONNECTIONS_SHARE = 0.8
APP_METRICS = (
    "SignIns",
    "SignInLockouts",
    "PreconditionFailed",
    "IdempotentReplays",
    "DatabaseUnavailable",
)
# Lambda's JSON log format: the platform's report of an invocation that started an
# instance carries its init (or, with SnapStart, restore) duration.
COLD_STARTS_QUERY = (
    'filter type = "platform.report" and '
    "(ispresent(record.metrics.initDurationMs) or ispresent(record.metrics.restoreDurationMs))"
    " | stats count() as coldStarts, avg(record.metrics.initDurationMs) as initMs,"
    " avg(record.metrics.restoreDurationMs) as restoreMs by bin(5m)"
)


def max_connections(min_acu: float, max_acu: float) -> int:
    """Estimate Aurora PostgreSQL Serverless v2's default max_connections for a range.

    Aurora derives it from the memory of the maximum capacity: 189 at 1 ACU, 3,360 at 16
    ACU with a minimum of 1, capped at 2,000 when the minimum is 0 or 0.5 ACU and at 5,000
    otherwise (examples from AWS re:Post). 189 per ACU errs low above 1 ACU, so an alarm
    on it fires early rather than late. `SHOW max_connections` gives the value in force.
    """
    cap = 2000 if min_acu <= 0.5 else 5000
    return min(cap, int(189 * max_acu))


@dataclass(frozen=True)
class Watched:
    """What the alarms and the dashboard read, named by what it is."""

    # By name, not by reference: the canary's alarms must not depend on the stage, which
    # depends on the alias they guard.
    api_name: str
    stage_name: str
    function: lambda_.Function
    function_log: logs.ILogGroup
    cluster_identifier: str
    min_acu: float
    max_acu: float
    metrics_namespace: str


class Monitoring(Construct):
    """The alarms, their topic and the dashboard of one stage."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        watched: Watched,
        name: str,
        alarm_email: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic = sns.Topic(self, "Alarms", display_name=f"{name} alarms", enforce_ssl=True)
        acknowledge(
            self.topic,
            "AwsSolutions-SNS2",
            "Alarm notifications carry no data. CloudWatch cannot publish to a topic "
            "encrypted with the AWS managed key, and a customer managed key costs US$1 a month.",
        )
        if alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
        self._watched = watched
        self.alarms: dict[str, cw.Alarm] = {}
        self._api_alarms()
        self._function_alarms()
        self._database_alarms()
        self._app_alarms()
        for alarm in self.alarms.values():
            alarm.add_alarm_action(actions.SnsAction(self.topic))
            alarm.add_ok_action(actions.SnsAction(self.topic))
        self.dashboard = self._dashboard(name)

    @property
    def rollback_alarms(self) -> list[cw.Alarm]:
        """The alarms a gradual deploy rolls back on: what the new code could cause."""
        return [self.alarms[n] for n in ("ServerErrors", "LatencyP99", "FunctionErrors")]

    def _alarm(self, alarm_id: str, metric: cw.IMetric, description: str, **props: object) -> None:
        self.alarms[alarm_id] = cw.Alarm(
            self,
            alarm_id,
            metric=metric,
            alarm_description=description,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            **props,  # type: ignore[arg-type]
        )

    def _api_metric(self, name: str, statistic: str, period: Duration) -> cw.Metric:
        return cw.Metric(
            namespace="AWS/ApiGateway",
            metric_name=name,
            dimensions_map={"ApiName": self._watched.api_name, "Stage": self._watched.stage_name},
            statistic=statistic,
            period=period,
        )

    def _api_alarms(self) -> None:
        self._alarm(
            "ServerErrors",
            # 5XXError is 0 or 1 per request: its average is the share answered 5xx.
            self._api_metric("5XXError", "Average", Duration.minutes(1)),
            f"More than {SERVER_ERROR_RATE:.0%} of requests answered 5xx",
            threshold=SERVER_ERROR_RATE,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=5,
            datapoints_to_alarm=3,
        )
        self._alarm(
            "LatencyP99",
            self._api_metric("Latency", "p99", Duration.minutes(5)),
            f"p99 latency above {LATENCY_P99_MS / 1000:g} s, near API Gateway's 29 s limit",
            threshold=LATENCY_P99_MS,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=2,
            datapoints_to_alarm=2,
        )

    def _function_alarms(self) -> None:
        function = self._watched.function
        five = Duration.minutes(5)
        self._alarm(
            "FunctionErrors",
            function.metric_errors(statistic="Sum", period=five),
            "The function failed an invocation (a crash or a timeout, not an HTTP error)",
            threshold=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
        )
        self._alarm(
            "FunctionThrottles",
            function.metric_throttles(statistic="Sum", period=five),
            "Lambda refused invocations: concurrency is exhausted",
            threshold=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
        )
        # The scheduled purge logs its end as a management command line with its exit
        # status (config/aws_lambda/management.py); a non-zero one counts here.
        failures = logs.MetricFilter(
            self,
            "PurgeFailures",
            log_group=self._watched.function_log,
            filter_pattern=logs.FilterPattern.literal(
                '{ $.message = "management command" && $.command = "purge_expired" '
                "&& $.exitStatus != 0 }"
            ),
            metric_namespace=self._watched.metrics_namespace,
            metric_name="PurgeFailures",
            metric_value="1",
        )
        self._alarm(
            "PurgeFailed",
            failures.metric(statistic="Sum", period=Duration.hours(1)),
            "The scheduled purge_expired run failed",
            threshold=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
        )

    def _database_alarms(self) -> None:
        watched = self._watched
        dimensions = {"DBClusterIdentifier": watched.cluster_identifier}

        def cluster_metric(name: str) -> cw.Metric:
            return cw.Metric(
                namespace="AWS/RDS",
                metric_name=name,
                dimensions_map=dimensions,
                statistic="Maximum",
                period=Duration.minutes(5),
            )

        self._alarm(
            "AuroraAtMaxCapacity",
            cluster_metric("ServerlessDatabaseCapacity"),
            f"Aurora has run at its maximum of {watched.max_acu:g} ACU for 15 minutes",
            threshold=watched.max_acu,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=3,
        )
        limit = max_connections(watched.min_acu, watched.max_acu)
        self._alarm(
            "AuroraConnections",
            cluster_metric("DatabaseConnections"),
            f"Aurora connections above {CONNECTIONS_SHARE:.0%} of its {limit} max_connections",
            threshold=int(limit * CONNECTIONS_SHARE),
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=2,
        )

    def _app_metric(self, name: str) -> cw.Metric:
        return cw.Metric(
            namespace=self._watched.metrics_namespace,
            metric_name=name,
            statistic="Sum",
            period=Duration.minutes(5),
        )

    def _app_alarms(self) -> None:
        self._alarm(
            "SignInLockouts",
            self._app_metric("SignInLockouts"),
            f"{LOCKOUT_SPIKE} or more sign-ins refused as locked in 5 minutes",
            threshold=LOCKOUT_SPIKE,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
        )

    def _dashboard(self, name: str) -> cw.Dashboard:
        watched = self._watched
        function = watched.function
        five = Duration.minutes(5)
        dimensions = {"DBClusterIdentifier": watched.cluster_identifier}
        rds = [
            cw.Metric(
                namespace="AWS/RDS",
                metric_name=metric,
                dimensions_map=dimensions,
                statistic="Maximum",
                period=five,
            )
            for metric in ("ServerlessDatabaseCapacity", "DatabaseConnections")
        ]
        dashboard = cw.Dashboard(self, "Dashboard", dashboard_name=name)
        dashboard.add_widgets(
            cw.GraphWidget(
                title="Requests",
                left=[self._api_metric("Count", "Sum", five)],
                right=[
                    self._api_metric("4XXError", "Sum", five),
                    self._api_metric("5XXError", "Sum", five),
                ],
                width=8,
            ),
            cw.GraphWidget(
                title="Latency (ms)",
                left=[self._api_metric("Latency", statistic, five) for statistic in ("p50", "p99")],
                left_annotations=[cw.HorizontalAnnotation(value=29_000, label="29 s limit")],
                width=8,
            ),
            cw.GraphWidget(
                title="Function errors and throttles",
                left=[
                    function.metric_errors(statistic="Sum", period=five),
                    function.metric_throttles(statistic="Sum", period=five),
                ],
                right=[function.metric_duration(statistic="p99", period=five)],
                width=8,
            ),
        )
        dashboard.add_widgets(
            cw.LogQueryWidget(
                title="Cold starts (init or restore duration, ms)",
                log_group_names=[watched.function_log.log_group_name],
                query_string=COLD_STARTS_QUERY,
                view=cw.LogQueryVisualizationType.LINE,
                width=8,
            ),
            cw.GraphWidget(title="Aurora capacity (ACU)", left=[rds[0]], width=8),
            cw.GraphWidget(title="Aurora connections", left=[rds[1]], width=8),
        )
        dashboard.add_widgets(
            cw.GraphWidget(
                title="Application",
                left=[self._app_metric(metric) for metric in APP_METRICS],
                width=24,
            ),
            cw.AlarmStatusWidget(title="Alarms", alarms=list(self.alarms.values()), width=24),
        )
        return dashboard
