"""How the backend connects: the typed value core/database.py builds and base.py reads.

It sits in `DATABASES["default"]["POLICY"]`. Both sides import this module and neither
imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass

# The database an RDS-managed master secret (which names none) leads to by default.
DEFAULT_NAME = "todo"


@dataclass(frozen=True)
class ConnectionPolicy:
    """Credentials, role and patience for each new PostgreSQL connection."""

    # Sign an RDS IAM token for this region as each new connection's password.
    iam_region: str | None = None
    # Read the master credentials from this Secrets Manager secret (an operator's run).
    secret_arn: str | None = None
    # Act as this role once connected (`-c role=`), so what migrations create is its own.
    session_role: str | None = None
    # Attempts after the first, when a connection cannot be opened (not in pool mode,
    # where the pool keeps trying until its timeout).
    connect_retries: int = 0
    # Pool mode: check a pooled connection idle for longer than this many seconds (or one
    # the server has written to) with an empty query before use. None: never check.
    pool_check_idle_after: float | None = None
