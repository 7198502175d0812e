"""The deploy's database step (`config.aws_lambda.deploy_hook.handler`): role, then migrations.

During a deploy that changes the code, a CDK Trigger invokes this handler after the API
function's new version is published and before the `live` alias moves to it
(infra/components/migrations.py). It runs in the VPC, as the master user read from the
secret RDS keeps (DB_SECRET_ARN), which the function serving requests never holds, and
runs what an operator runs through the tunnel: `manage.py create_app_role`, then
`manage.py migrate`, both idempotent. A step that fails raises, so the invocation
fails, the deploy fails, and CloudFormation rolls the stack back to the previous code.
"""

from __future__ import annotations

import io
import logging
import os
import time
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)

from django.core.management import call_command  # noqa: E402
from django.db import DEFAULT_DB_ALIAS, connections  # noqa: E402

logger = logging.getLogger(__name__)

# In order: the role must exist before the tables it will own are created.
STEPS = ("create_app_role", "migrate")


class DeployStepFailed(Exception):
    """A step did not complete; the message names it and the error's type, nothing more."""


def run_steps(*, database: str = DEFAULT_DB_ALIAS, iam_role: str = "rds_iam") -> list[str]:
    """Run every step against `database`; return their output, one entry a step.

    :raises DeployStepFailed: at the first step that fails (the later ones do not run).
    """
    outputs = []
    for step in STEPS:
        options: dict[str, Any] = {"database": database, "no_color": True}
        if step == "create_app_role":
            options["iam_role"] = iam_role
        else:
            options["interactive"] = False
        output = io.StringIO()
        started = time.perf_counter()
        try:
            call_command(step, stdout=output, stderr=output, **options)
        except Exception as error:
            # The log keeps the type and stack (never a database error's message, which
            # can quote SQL: core/logging.py); the deploy output gets this one line.
            logger.exception("deploy step failed", extra={"step": step})
            raise DeployStepFailed(
                f"{step} failed ({type(error).__name__}); the function's log has the details."
            ) from None
        finally:
            connections.close_all()
        logger.info(
            "deploy step",
            extra={"step": step, "durationMs": round((time.perf_counter() - started) * 1000, 2)},
        )
        outputs.append(output.getvalue())
    return outputs


def handler(event: Any, context: Any) -> dict[str, Any]:
    """Run the steps; answer what they printed, or fail the invocation."""
    return {"steps": dict(zip(STEPS, run_steps(), strict=True))}
