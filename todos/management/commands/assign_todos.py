"""manage.py assign_todos --to EMAIL: give the todos that have no owner to a user.

Todos created before accounts existed have no owner after the upgrade: they are kept,
and no one sees them through the API until this command gives them to someone.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.composition import adapters
from todos.models import TodoModel


class Command(BaseCommand):
    help = "Give every todo that has no owner (made before accounts existed) to one user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", metavar="EMAIL", required=True, help="an existing account")

    def handle(self, *args: Any, **options: Any) -> None:
        owner = adapters.users.by_email(options["to"])
        if owner is None:
            raise CommandError(f"No account with the email {options['to']!r}.")
        assigned = TodoModel.objects.filter(owner__isnull=True).update(owner_id=owner.id)
        self.stdout.write(f"Gave {assigned} todo(s) without an owner to {owner.email}.")
