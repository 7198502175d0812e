"""manage.py rotate_signing_key: sign access tokens with a new key from now on."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from config.composition import adapters
from core.identity import services


class Command(BaseCommand):
    help = (
        "Start signing access tokens with a new key. Tokens signed with the previous key "
        "stay valid until they expire; keys no valid token can use any more are deleted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--drop-previous",
            action="store_true",
            help="delete every previous key now (after a leak): every access token is refused",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        deleted = services.rotate_signing_key(adapters, drop_previous=options["drop_previous"])
        self.stdout.write(f"Signing with a new key; {deleted} previous key(s) deleted.")
