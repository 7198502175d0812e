"""manage.py deactivate_user EMAIL: the account can no longer sign in or use its tokens."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.composition import adapters
from core.identity import services


class Command(BaseCommand):
    help = (
        "Deactivate an account: sign-ins are refused, its refresh tokens are revoked and its "
        "access tokens are refused from the next request. Its data stays."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        if not services.deactivate(adapters, email=options["email"]):
            raise CommandError(f"No account with the email {options['email']!r}.")
        self.stdout.write(f"Deactivated {options['email']}.")
