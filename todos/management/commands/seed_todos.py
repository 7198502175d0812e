"""manage.py seed_todos: add a few sample todos for a user, once.

    manage.py seed_todos --owner ann@example.com   # an existing account (any stage)
    manage.py seed_todos                           # locally, with DEBUG: the demo user's

Locally (DEBUG on, never on Lambda) the command also makes a demo user,
demo@example.com, with a random password that it prints once.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.composition import adapters
from core.identity import services as accounts
from core.identity.domain import User
from todos.domain import Todo

DEMO_EMAIL = "demo@example.com"
SAMPLES = (
    ("Read the README", True),
    ("Run the test suite", False),
    ("Open the API docs at /api/docs", False),
    ("Create a todo with POST /api/todos", False),
    ("Deploy to AWS with cdk deploy", False),
)
# Fixed ids make the command idempotent: a sample is added only if its id is absent.
SEED_NAMESPACE = uuid5(NAMESPACE_URL, "https://github.com/serverless-todo-api/seed")


class Command(BaseCommand):
    help = "Add a user's sample todos that are not there yet. Never changes or deletes a todo."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", metavar="EMAIL", help="the account to seed (must exist)")
        parser.add_argument(
            "--new-demo-password",
            action="store_true",
            help="locally: give the demo user a new password, and print it",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["owner"]:
            owner = adapters.users.by_email(options["owner"])
            if owner is None:
                raise CommandError(f"No account with the email {options['owner']!r}.")
        elif settings.DEBUG and not settings.ON_LAMBDA:
            owner = self._demo_user(new_password=options["new_demo_password"])
        else:
            raise CommandError(
                "Name the owner: seed_todos --owner EMAIL (an existing account). "
                "The demo user exists only locally, with DEBUG=true."
            )
        added = seed(owner.id)
        self.stdout.write(
            f"Seeded {added} todo(s) for {owner.email}; {len(SAMPLES) - added} already present."
        )

    def _demo_user(self, *, new_password: bool) -> User:
        """Return the local demo user, made (or given a new password) and printed now."""
        password = secrets.token_urlsafe(12)
        user = adapters.users.by_email(DEMO_EMAIL)
        if user is None:
            user = accounts.register(adapters, email=DEMO_EMAIL, password=password)
        elif new_password:
            accounts.reset_password(adapters, user_id=user.id, new_password=password)
        else:
            self.stdout.write(
                f"Demo user {DEMO_EMAIL} exists; its password was printed when it was made "
                "(manage.py seed_todos --new-demo-password prints a new one)."
            )
            return user
        self.stdout.write(
            f"Demo user (local only): email {DEMO_EMAIL}, password {password}\n"
            "  This password is shown once. Sign in: POST /api/auth/token with both."
        )
        return user


def seed(owner: UUID) -> int:
    """Add the owner's samples that are not there yet; return how many were added."""
    now = adapters.clock()
    added = 0
    for position, (title, completed) in enumerate(SAMPLES):
        todo_id = uuid5(SEED_NAMESPACE, f"{owner}/{title}")
        if adapters.todos.get(owner, todo_id) is not None:
            continue
        # One second apart, first sample newest: the list (newest first) shows them in
        # the order above.
        created_at = now - timedelta(seconds=position)
        sample = Todo(
            id=todo_id,
            owner=owner,
            title=title,
            completed=completed,
            created_at=created_at,
            updated_at=created_at,
        )
        if adapters.todos.add(sample):
            added += 1
    return added
