"""manage.py startresource <plural>: write a complete owned resource and wire it in.

    uv run python manage.py startresource projects

It renders core/resources/app_template with Django's app templates (what `startapp
--template` does) into <plural>/, writes its contract and API tests, adds it to
INSTALLED_APPS, the composition root and the API, makes its first migration and
rewrites docs/openapi.json. A name that clashes with Python, Django, an installed package
or an existing app is refused before anything is written.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.templates import TemplateCommand
from django.template import Context, Engine

from core.resources.names import Names, names_for
from core.resources.wiring import wire

TEMPLATES = Path(__file__).resolve().parents[2] / "resources"


class Command(TemplateCommand):
    """Write an owned resource, its tests and its wiring."""

    help = __doc__.splitlines()[0] if __doc__ else ""
    requires_system_checks = ()  # the project is about to change; `make test` checks it

    def add_arguments(self, parser: ArgumentParser) -> None:
        """Take the resource's plural, and its singular where it is irregular."""
        parser.add_argument("plural", help="the resource's name, plural: projects")
        parser.add_argument("--singular", help="its singular, if not the plural without -s")

    def handle(self, *args: Any, **options: Any) -> None:
        """Refuse a clashing name, or write and wire the resource."""
        root = Path(settings.BASE_DIR)
        labels = {config.label for config in apps.get_app_configs()}
        try:
            names = names_for(options["plural"], options["singular"], app_labels=labels)
        except ValueError as refused:
            raise CommandError(f"{refused} Nothing was written.") from refused
        tests = self.test_files(root, names)
        if existing := [p for p in [root / names.plural, *tests.values()] if p.exists()]:
            raise CommandError(f"{existing[0]} exists already. Nothing was written.")
        (root / names.plural).mkdir()
        super().handle(
            "app",
            names.plural,
            str(root / names.plural),
            template=str(TEMPLATES / "app_template"),
            extensions=["py"],
            files=[],
            verbosity=options["verbosity"],
            **names.context(),
        )
        context = Context({"app_name": names.plural, **names.context()}, autoescape=False)
        for template, path in tests.items():
            path.write_text(Engine().from_string(template.read_text()).render(context))
        try:
            changed = wire(root, names)
        except ValueError as lost:
            raise CommandError(
                f"Wrote {names.plural}/ and its tests, but {lost} by hand."
            ) from lost
        self.tidy(root, [root / names.plural, *tests.values(), *changed])
        self.manage(root, "manage.py", "makemigrations", names.plural)
        self.manage(root, "scripts/openapi.py")
        self.stdout.write(self.style.SUCCESS(f"Wrote {names.plural}/ and its tests; wired it into"))
        for path in changed:
            self.stdout.write(f"  {path.relative_to(root)}")
        self.stdout.write("Change its field (`name`) as the README says, then run `make test`.")

    def validate_name(self, name: str | None, name_or_dir: str = "name") -> None:
        """Accept the name: names_for() checked it before the app's folder was made."""

    def test_files(self, root: Path, names: Names) -> dict[Path, Path]:
        """Return where each test template is written."""
        folder = TEMPLATES / "test_templates"
        return {
            folder / f"{kind}.py-tpl": root / "tests" / kind / f"test_{names.plural}.py"
            for kind in ("contract", "api")
        }

    def tidy(self, root: Path, paths: list[Path]) -> None:
        """Sort the imports and format what was written as `make lint` wants it (the app's
        name decides where its imports sort), when ruff is installed."""
        ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
        if not Path(ruff).exists():
            self.stderr.write("ruff is not installed: run `make format` before `make lint`.")
            return
        self.manage(
            root, ruff, "check", "--fix", "--select", "I", "-q", *map(str, paths), python=False
        )
        self.manage(root, ruff, "format", "-q", *map(str, paths), python=False)

    def manage(self, root: Path, *command: str, python: bool = True) -> None:
        """Run one of the project's scripts (or tools) in a process of its own, which loads
        the new app."""
        done = subprocess.run(  # noqa: S603 (this project's own scripts and tools)
            [sys.executable, *command] if python else list(command),
            cwd=root,
            env=os.environ,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise CommandError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
