"""The deploy's first database step (`config.aws_lambda.bootstrap.handler`): the app role.

During a deploy, a CDK Trigger invokes this handler before the migrations
(infra/components/migrations.py). It runs outside the VPC and sends the application
role's bootstrap (core/postgresql/app_role.py, what `manage.py create_app_role` runs)
to the RDS Data API, with the cluster's ARN and the master secret's: the Data API reads
the secret itself, so neither this function nor anything in the VPC handles it, and no
Secrets Manager endpoint is needed. It imports no Django and no database driver.

A paused cluster answers DatabaseResumingException while it wakes (some 15 to 30 s);
the statement is sent again a bounded number of times. Any other failure, or a cluster
still resuming after that, fails the invocation, hence the deploy, with a one-line
message naming the error's code only (never the statement or a server message).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any

from core.postgresql.app_role import bootstrap_sql
from core.postgresql.credentials import aws_client

logger = logging.getLogger(__name__)

ATTEMPTS = 10
# Between attempts: 10 tries 8 s apart wait up to 72 s, over twice a usual resume.
RETRY_DELAY = 8.0
RESUMING = "DatabaseResumingException"


class BootstrapFailed(Exception):
    """The statement did not run; the message names the error's code, nothing more."""


def region_of(arn: str) -> str:
    """Return the region of an ARN (arn:aws:rds:<region>:<account>:cluster:<id>)."""
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn" or not parts[3]:
        raise ValueError("Not a regional ARN")
    return parts[3]


def run_bootstrap(
    *,
    cluster_arn: str,
    secret_arn: str,
    database: str,
    role: str,
    iam_role: str = "rds_iam",
    attempts: int = ATTEMPTS,
    delay: float = RETRY_DELAY,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Send the bootstrap through the Data API; return the number of attempts it took.

    :raises BootstrapFailed: on an error other than a resuming cluster, or when the
        cluster is still resuming after `attempts` tries.
    """
    from botocore.exceptions import BotoCoreError, ClientError  # the runtime's copy

    client = aws_client("rds-data", region_of(cluster_arn))
    statement = bootstrap_sql(role, iam_role)
    for attempt in range(1, attempts + 1):
        started = time.perf_counter()
        try:
            client.execute_statement(
                resourceArn=cluster_arn, secretArn=secret_arn, database=database, sql=statement
            )
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", "ClientError"))
            if code == RESUMING and attempt < attempts:
                logger.info("database resuming", extra={"attempt": attempt})
                sleep(delay)
                continue
            # The code only: the message of a statement error can quote the SQL.
            logger.error("bootstrap failed", extra={"errorCode": code, "attempt": attempt})
            tries = f" after {attempt} attempts" if code == RESUMING else ""
            raise BootstrapFailed(
                f"bootstrap of role {role} failed ({code}{tries}); "
                "the function's log has the details."
            ) from None
        except BotoCoreError as error:
            logger.error("bootstrap failed", extra={"errorCode": type(error).__name__})
            raise BootstrapFailed(
                f"bootstrap of role {role} failed ({type(error).__name__}); "
                "the function's log has the details."
            ) from None
        logger.info(
            "bootstrap done",
            extra={
                "attempt": attempt,
                "durationMs": round((time.perf_counter() - started) * 1000, 2),
            },
        )
        return attempt
    raise AssertionError("unreachable: the last attempt returns or raises")


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Bootstrap the role named by DB_USER in DB_NAME; fail the invocation if it fails."""
    attempts = run_bootstrap(
        cluster_arn=os.environ["DB_CLUSTER_ARN"],
        secret_arn=os.environ["DB_SECRET_ARN"],
        database=os.environ["DB_NAME"],
        role=os.environ["DB_USER"],
    )
    return {"role": os.environ["DB_USER"], "attempts": attempts}
