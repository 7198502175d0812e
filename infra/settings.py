"""The deployment's settings: read once from CDK context, checked, and passed down as props."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk.aws_logs import RetentionDays

# The stage names the API stage, the stacks and the cluster (todo-<stage>): a name valid
# for all three, and unique among them however the services treat case.
STAGE_NAME = re.compile(r"^[a-z][a-z0-9]{0,29}$")
# Aurora Serverless v2: capacity in steps of 0.5 ACU; auto-pause after 5 min to 24 h idle.
MAX_ACU = 256
PAUSE_SECONDS = (300, 86_400)
# Lambda's memory range, in MB; it buys CPU in proportion (docs/infra.md).
MEMORY_MB = (128, 10_240)
PROD_STAGES = frozenset({"prod"})
# The context keys this app reads (cdk.json, or `-c key=value`).
CONTEXT_KEYS = (
    "stage",
    "minCapacity",
    "maxCapacity",
    "autoPauseSeconds",
    "isolatedBastion",
    "throttleRate",
    "throttleBurst",
    "logRetentionDays",
    "backupDays",
    "protectData",
    "snapStart",
    "memorySize",
    "reservedConcurrency",
    "corsOrigins",
    "purgeSchedule",
    "web",
    "webExport",
    "canary",
    "alarmEmail",
    "githubRepository",
)
# An origin as a browser sends it in `Origin`: scheme, host, optional port; no path, no
# trailing slash, no wildcard. HTTPS, or plain HTTP to the machine itself (a local
# frontend calling a deployed API).
ORIGIN = re.compile(
    r"^(https://[a-z0-9]([a-z0-9.-]*[a-z0-9])?|http://(localhost|127\.0\.0\.1))(:[0-9]{1,5})?$"
)
# An EventBridge rate: rate(1 day), rate(12 hours). EventBridge wants the singular for 1
# and the plural above it. (cron() would deploy, but the idle-cost estimate prices rates.)
SCHEDULE = re.compile(r"^rate\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\)$")
# An address CloudWatch alarms can be mailed to (SNS confirms it by mail first).
EMAIL = re.compile(r"^[^\s@,]{1,64}@[^\s@,]{1,190}\.[a-z]{2,}$", re.IGNORECASE)
# owner/name as GitHub spells them: the repository whose workflows may deploy.
REPOSITORY = re.compile(r"^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}$")
# What `-c reservedConcurrency=...` (or purgeSchedule) may say to turn it off.
UNRESERVED = frozenset({"", "none", "off", "false"})


class SettingsError(ValueError):
    """A context value the app cannot deploy."""


@dataclass(frozen=True)
class StageSettings:
    """Everything that differs between deployments, named for what it changes."""

    stage: str
    min_capacity: float
    max_capacity: float
    auto_pause_seconds: int
    isolated_bastion: bool
    throttle_rate: int
    throttle_burst: int
    log_retention: RetentionDays
    backup_days: int
    protect_data: bool
    snap_start: bool
    memory_size: int
    # None: the function draws on the account's unreserved concurrency, without a cap.
    reserved_concurrency: int | None
    # The browser origins allowed to call the API (CORS_ALLOWED_ORIGINS); none by default.
    cors_origins: tuple[str, ...] = ()
    # When the function runs `manage.py purge_expired`; None: never (run it yourself).
    purge_schedule: str | None = "rate(1 day)"
    # The web stack (CloudFront and the static export); -c web=false leaves it out.
    web: bool = True
    # Where the static export is (default web/out); deployed only once it is built.
    web_export: Path | None = None
    # Shift the live alias through CodeDeploy (10 % for 5 minutes), rolling back on alarm.
    canary: bool = False
    # Where the alarms' topic mails to; None: subscribe yourself (docs/infra.md).
    alarm_email: str | None = None
    # owner/name of the repository whose workflows may assume the deploy role; None: no
    # GitHub deploy stack.
    github_repository: str | None = None
    database_name: str = "todo"
    app_role: str = "todo_app"

    @property
    def removal_policy(self) -> RemovalPolicy:
        """RETAIN where the data is protected, DESTROY where the stage is disposable."""
        return RemovalPolicy.RETAIN if self.protect_data else RemovalPolicy.DESTROY

    @classmethod
    def from_context(cls, context: dict[str, Any]) -> StageSettings:
        """Build the settings from context values, which arrive as strings from `-c`.

        :raises SettingsError: if a value is missing, malformed or out of range.
        """
        stage = str(context.get("stage", "dev"))
        if not STAGE_NAME.match(stage):
            raise SettingsError(f"stage {stage!r}: a lowercase letter, then letters or digits")
        prod = stage in PROD_STAGES
        settings = cls(
            stage=stage,
            min_capacity=_number(context, "minCapacity", 0),
            max_capacity=_number(context, "maxCapacity", 2),
            auto_pause_seconds=int(_number(context, "autoPauseSeconds", 300)),
            isolated_bastion=_flag(context, "isolatedBastion", default=False),
            throttle_rate=int(_number(context, "throttleRate", 100)),
            throttle_burst=int(_number(context, "throttleBurst", 200)),
            log_retention=_retention(int(_number(context, "logRetentionDays", 90 if prod else 14))),
            backup_days=int(_number(context, "backupDays", 14 if prod else 1)),
            protect_data=_flag(context, "protectData", default=prod),
            # Restored from a snapshot where users wait; dev keeps its idle cost down.
            snap_start=_flag(context, "snapStart", default=prod),
            memory_size=_integer(context, "memorySize", 512),
            reserved_concurrency=_reservation(context),
            cors_origins=_origins(context),
            purge_schedule=_schedule(context),
            web=_flag(context, "web", default=True),
            web_export=Path(str(context["webExport"])) if context.get("webExport") else None,
            canary=_flag(context, "canary", default=prod),
            alarm_email=_matching(
                context, "alarmEmail", EMAIL, "an address such as ops@example.com"
            ),
            github_repository=_matching(
                context, "githubRepository", REPOSITORY, "owner/name, as in the GitHub URL"
            ),
        )
        settings._check()
        return settings

    def _check(self) -> None:
        if not 0 <= self.min_capacity <= self.max_capacity <= MAX_ACU:
            raise SettingsError(f"need 0 <= minCapacity <= maxCapacity <= {MAX_ACU} ACU")
        if self.max_capacity < 1 or (self.min_capacity * 2) % 1 or (self.max_capacity * 2) % 1:
            raise SettingsError("capacities go in steps of 0.5 ACU, and maxCapacity is at least 1")
        if not PAUSE_SECONDS[0] <= self.auto_pause_seconds <= PAUSE_SECONDS[1]:
            raise SettingsError(f"autoPauseSeconds must lie in {PAUSE_SECONDS}")
        if not 0 < self.throttle_rate <= self.throttle_burst:
            raise SettingsError("need 0 < throttleRate <= throttleBurst")
        if not 1 <= self.backup_days <= 35:
            raise SettingsError("backupDays must lie in 1..35 (Aurora's range)")
        if not MEMORY_MB[0] <= self.memory_size <= MEMORY_MB[1]:
            raise SettingsError(f"memorySize must lie in {MEMORY_MB[0]}..{MEMORY_MB[1]} MB")
        if self.reserved_concurrency is not None and self.reserved_concurrency < 1:
            raise SettingsError(
                "reservedConcurrency must be at least 1 (0 would stop the function); "
                "leave it unset for no cap"
            )


def _number(context: dict[str, Any], key: str, default: float) -> float:
    value = context.get(key, default)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise SettingsError(f"{key} must be a number, not {value!r}") from None


def _integer(context: dict[str, Any], key: str, default: int) -> int:
    number = _number(context, key, default)
    if not number.is_integer():
        raise SettingsError(f"{key} must be a whole number, not {context.get(key)!r}")
    return int(number)


def _reservation(context: dict[str, Any]) -> int | None:
    """Read reservedConcurrency: a whole number, or nothing (unset, none, off) for no cap."""
    value = context.get("reservedConcurrency")
    if value is None or str(value).strip().lower() in UNRESERVED:
        return None
    return _integer(context, "reservedConcurrency", 0)


def _origins(context: dict[str, Any]) -> tuple[str, ...]:
    """Read corsOrigins: origins separated by commas (or a JSON list in cdk.json).

    :raises SettingsError: for anything a browser would never send as its `Origin`.
    """
    value = context.get("corsOrigins") or ()
    items = value.split(",") if isinstance(value, str) else value
    origins = tuple(str(item).strip() for item in items if str(item).strip())
    for origin in origins:
        if not ORIGIN.match(origin):
            raise SettingsError(
                f"corsOrigins: {origin!r} is not an origin such as https://app.example.com "
                "(lowercase scheme and host, optional port, no path or wildcard)"
            )
    return origins


def _schedule(context: dict[str, Any]) -> str | None:
    """Read purgeSchedule: an EventBridge rate expression, or none/off for no schedule.

    :raises SettingsError: for anything else.
    """
    value = str(context.get("purgeSchedule", "rate(1 day)")).strip()
    if value.lower() in UNRESERVED:
        return None
    if not SCHEDULE.match(value):
        raise SettingsError(
            f"purgeSchedule: {value!r} is not a rate such as rate(1 day) or "
            "rate(12 hours); none or off turns it off"
        )
    return value


def _matching(context: dict[str, Any], key: str, pattern: re.Pattern[str], what: str) -> str | None:
    """Read an optional text value that must match `pattern`; unset or empty is None.

    :raises SettingsError: for anything else.
    """
    value = str(context.get(key) or "").strip()
    if not value:
        return None
    if not pattern.match(value):
        raise SettingsError(f"{key}: {value!r} is not {what}")
    return value


def _flag(context: dict[str, Any], key: str, *, default: bool) -> bool:
    value = context.get(key, default)
    if isinstance(value, bool):
        return value
    if str(value).lower() in {"true", "1", "yes"}:
        return True
    if str(value).lower() in {"false", "0", "no"}:
        return False
    raise SettingsError(f"{key} must be true or false, not {value!r}")


# CloudWatch Logs accepts these retention periods only.
RETENTION_DAYS = {
    1: RetentionDays.ONE_DAY,
    3: RetentionDays.THREE_DAYS,
    5: RetentionDays.FIVE_DAYS,
    7: RetentionDays.ONE_WEEK,
    14: RetentionDays.TWO_WEEKS,
    30: RetentionDays.ONE_MONTH,
    60: RetentionDays.TWO_MONTHS,
    90: RetentionDays.THREE_MONTHS,
    180: RetentionDays.SIX_MONTHS,
    365: RetentionDays.ONE_YEAR,
    731: RetentionDays.TWO_YEARS,
    1827: RetentionDays.FIVE_YEARS,
}


def _retention(days: int) -> RetentionDays:
    if days not in RETENTION_DAYS:
        raise SettingsError(f"logRetentionDays must be one of {sorted(RETENTION_DAYS)}")
    return RETENTION_DAYS[days]
