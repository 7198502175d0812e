"""Check the import contracts of pyproject.toml over every app of INSTALLED_APPS.

The contracts name modules by pattern (`*.domain`); the packages they are checked in,
and the apps core must never import, are read from the settings here, so an app added
by hand or by `manage.py startresource` is covered with no list to extend. Usage:

    uv run python scripts/import_contracts.py
"""

from __future__ import annotations

import configparser
import os
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def local_apps() -> list[str]:
    """Return the top-level packages of the installed apps that live in this project."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "only-for-checking-imports")
    from django.conf import settings

    packages = {app.split(".")[0] for app in settings.INSTALLED_APPS}
    return sorted(name for name in packages if (ROOT / name / "__init__.py").is_file())


def contracts(apps: list[str]) -> configparser.ConfigParser:
    """Return pyproject's import-linter settings, with the derived packages and contract."""
    options: dict[str, Any] = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"][
        "importlinter"
    ]
    listed = [*options.pop("contracts")]
    listed.append(
        {
            "name": "core never imports an app",
            "type": "forbidden",
            "source_modules": ["core"],
            "forbidden_modules": [app for app in apps if app != "core"],
            # Management commands are entry points: they take their adapters from the
            # composition root, which composes every app.
            "ignore_imports": ["core.**.management.commands.* -> config.composition"],
        }
    )
    parser = configparser.ConfigParser()
    parser["importlinter"] = _ini({**options, "root_packages": sorted({*apps, "config"})})
    for number, contract in enumerate(listed):
        parser[f"importlinter:contract:{number}"] = _ini(contract)
    return parser


def _ini(section: dict[str, Any]) -> dict[str, str]:
    return {
        key: "\n".join(value) if isinstance(value, list) else str(value)
        for key, value in section.items()
    }


def main() -> int:
    """Write the contracts to a temporary file and check them; return lint-imports' code."""
    from importlinter.cli import lint_imports

    with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as config:
        contracts(local_apps()).write(config)
    try:
        return lint_imports(config_filename=config.name, no_cache=True)
    finally:
        os.unlink(config.name)


if __name__ == "__main__":
    sys.exit(main())
