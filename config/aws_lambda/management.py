"""Management events: `{"manage": ["migrate"]}` runs one of the forms an operator needs.

The function holds the application role's database access, so an event could undo a
deploy's data as easily as migrate it. Only whole argument lists of the forms below run:
nothing that can unapply a migration, flush, or delete anything. Anything else is
refused, with the allowed forms in the answer, and the refusal is logged.

An operator's invocation gets the exit status and output back. A scheduled one has
nobody to read them, so it adds `"raiseOnFailure": true`: then a command that does not
succeed fails the invocation, which Lambda retries and counts in the function's
`Errors` metric.
"""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Value:
    """A placeholder in a form: one argument that matches `pattern`."""

    name: str
    pattern: re.Pattern[str]

    def accepts(self, argument: str) -> bool:
        return bool(self.pattern.fullmatch(argument))


APP_LABEL = Value("APP_LABEL", re.compile(r"[a-z][a-z0-9_]{0,99}"))
EMAIL = Value("EMAIL", re.compile(r"[^\s@]{1,64}@[^\s@]{1,190}"))

# The role bootstrap is not here: it needs the master credentials, which the function
# never has.
FORMS: tuple[tuple[str | Value, ...], ...] = (
    ("migrate",),
    ("migrate", "--plan"),
    ("migrate", "--check"),  # exit status 1 while a migration is unapplied
    ("showmigrations",),
    ("showmigrations", "--plan"),
    ("showmigrations", APP_LABEL),
    ("check",),
    ("check", "--deploy"),
    ("seed_todos", "--owner", EMAIL),
    ("assign_todos", "--to", EMAIL),  # after the upgrade that added accounts
    ("rotate_signing_key",),  # previous keys stay valid until their tokens expire
    ("rotate_signing_key", "--drop-previous"),  # after a leak: every access token refused
    ("deactivate_user", EMAIL),
    ("purge_expired",),  # deletes only what no request can use any more; schedulable
)


def allowed(argv: object) -> bool:
    """Tell whether `argv` is one of the allowed forms, argument for argument."""
    if not isinstance(argv, list) or not all(isinstance(arg, str) for arg in argv):
        return False
    return any(_matches(form, argv) for form in FORMS)


def _matches(form: Sequence[str | Value], argv: list[str]) -> bool:
    return len(form) == len(argv) and all(
        part.accepts(arg) if isinstance(part, Value) else part == arg
        for part, arg in zip(form, argv, strict=True)
    )


def describe_forms() -> str:
    """Return the allowed forms, one JSON-ish list each, for a refusal's answer."""
    return "; ".join(
        "["
        + ", ".join(part.name if isinstance(part, Value) else f'"{part}"' for part in form)
        + "]"
        for form in FORMS
    )


RAISE_ON_FAILURE = "raiseOnFailure"


class CommandFailed(Exception):
    """A management event with `raiseOnFailure` ran a command that did not succeed."""


def is_management_event(event: object) -> bool:
    """Tell whether `event` is `{"manage": [...]}`, with at most a boolean `raiseOnFailure`."""
    return (
        isinstance(event, dict)
        and "manage" in event
        and set(event) <= {"manage", RAISE_ON_FAILURE}
        and isinstance(event.get(RAISE_ON_FAILURE, False), bool)
    )


def run_management_event(event: dict[str, Any]) -> dict[str, Any]:
    """Run the event's command; return its output and exit status.

    :raises CommandFailed: when the command did not succeed and the event asks for it.
    """
    result = run_management_command(event["manage"])
    if event.get(RAISE_ON_FAILURE) and result["exitStatus"] != 0:
        # The output stays in the log records above; the error says only what failed.
        raise CommandFailed(
            f"The management command ended with exit status {result['exitStatus']}."
        )
    return result


def run_management_command(argv: object) -> dict[str, Any]:
    """Run an allowed management command; return its output and exit status."""
    if not allowed(argv):
        logger.warning("management command refused", extra=_describe(argv))
        return {"exitStatus": 2, "output": f"Refused: the allowed forms are {describe_forms()}."}
    assert isinstance(argv, list)
    # Imported here: management machinery is not needed to serve HTTP, so cold starts skip it.
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.db import close_old_connections, connections

    output = io.StringIO()
    started = time.perf_counter()
    close_old_connections()  # a pooled connection the server has since closed is dropped
    try:
        call_command(*argv, stdout=output, stderr=output, no_color=True)
        status = 0
    except CommandError as error:
        output.write(f"CommandError: {error}\n")
        status = 1
    except SystemExit as exit_:  # `migrate --check` ends this way while migrations are due
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


def _describe(argv: object) -> dict[str, Any]:
    """Say what was refused without echoing arbitrary input: a command-like first word,
    and how many arguments followed it."""
    if not isinstance(argv, list) or not argv:
        return {"command": None, "arguments": None, "eventType": type(argv).__name__}
    first = argv[0]
    name = first if isinstance(first, str) and re.fullmatch(r"[a-z_]{1,40}", first) else None
    return {"command": name, "arguments": len(argv) - 1}
