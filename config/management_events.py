"""Management events: `{"manage": ["migrate"]}` runs an allow-listed manage.py command."""

from __future__ import annotations

import contextlib
import io
import logging
import time
from typing import Any

logger = logging.getLogger(__name__)

# Commands a management event may run. The role bootstrap is not here: it needs the
# master credentials, which the function never has.
MANAGEMENT_COMMANDS = frozenset({"migrate", "showmigrations", "check", "seed_todos"})


def run_management_command(argv: Any) -> dict[str, Any]:
    """Run an allow-listed management command; return its output and exit status."""
    if (
        not isinstance(argv, list)
        or not argv
        or not all(isinstance(arg, str) for arg in argv)
        or argv[0] not in MANAGEMENT_COMMANDS
    ):
        allowed = ", ".join(sorted(MANAGEMENT_COMMANDS))
        logger.warning("management command refused", extra={"command": _describe(argv)})
        return {"exitStatus": 2, "output": f"Refused: the allowed commands are {allowed}."}
    # Imported here: management machinery is not needed to serve HTTP, so cold starts skip it.
    # (call_command never applies --settings or --pythonpath: the app's settings hold.)
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.db import close_old_connections, connections

    output = io.StringIO()
    started = time.perf_counter()
    close_old_connections()  # a pooled connection the server has since closed is dropped
    try:
        # argparse writes `--help` to sys.stdout, not to the command's own stream.
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            call_command(*argv, stdout=output, stderr=output, no_color=True)
        status = 0
    except CommandError as error:
        output.write(f"CommandError: {error}\n")
        status = 1
    except SystemExit as exit_:  # argparse ends `--help` and `--version` this way
        status = exit_.code if isinstance(exit_.code, int) else 1
    except Exception:
        logger.exception("management command failed", extra={"command": argv[0]})
        output.write("The command failed; the function's log has the error.\n")
        status = 1
    finally:
        # As at the end of a request: an open connection would keep Aurora awake, and a
        # pooled one left checked out would be lost to the pool.
        connections.close_all()
    logger.info(
        "management command",
        extra={
            "command": argv[0],
            "exitStatus": status,
            "durationMs": round((time.perf_counter() - started) * 1000, 2),
        },
    )
    return {"exitStatus": status, "output": output.getvalue()}


def _describe(argv: Any) -> str:
    """Name what was asked for in a log line without echoing arbitrary input at length."""
    first = argv[0] if isinstance(argv, list) and argv else argv
    return repr(first)[:80]
