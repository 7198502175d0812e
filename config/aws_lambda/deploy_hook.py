"""The deploy's migrations (`config.aws_lambda.deploy_hook.handler`), before any traffic.

During a deploy that changes the code, a CDK Trigger invokes this handler after the
application role's bootstrap (config/aws_lambda/bootstrap.py) and before the `live`
alias moves to the API function's new version (infra/components/migrations.py). It runs
in the VPC as the application role itself, with an IAM token, as the API function
connects: it holds no secret, and the tables it creates belong to the role. A step that
fails raises, so the invocation fails, the deploy fails, and CloudFormation rolls the
stack back to the previous code.
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

# The role they run as exists by now: the bootstrap trigger ran before this one.
STEPS = ("migrate",)


class DeployStepFailed(Exception):
    """A step did not complete; the message names it and the error's type, nothing more."""


def run_steps(*, database: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Run every step against `database`; return their output, one entry a step.

    :raises DeployStepFailed: at the first step that fails (the later ones do not run).
    """
    outputs = []
    for step in STEPS:
        options: dict[str, Any] = {"database": database, "no_color": True, "interactive": False}
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
