"""manage.py startresource, run in a copy of this project: right after it, with no hand
edit, the copy passes the fast checks, so the generator cannot fall behind the code."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
BIN = Path(sys.executable).parent
# What a fresh clone does not have, or what only slows the copy down.
LEFT_OUT = shutil.ignore_patterns(
    ".git", ".venv", ".tools", "node_modules", "cdk.out", "build", "web", "__pycache__", ".*_cache"
)


def run(copy: Path, *command: str | Path) -> str:
    """Run a command in the copy, as `make` would there; fail with its output."""
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env |= {"PATH": f"{BIN}{os.pathsep}{env['PATH']}", "ENV_FILE": os.devnull, "DEBUG": "true"}
    done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True)  # noqa: S603
    assert done.returncode == 0, f"{command}:\n{done.stdout[-4000:]}{done.stderr[-4000:]}"
    return done.stdout


def test_a_generated_resource_passes_the_fast_checks_untouched(tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(ROOT, copy, ignore=LEFT_OUT)
    run(copy, sys.executable, "manage.py", "startresource", "gadgets")
    assert (copy / "gadgets" / "migrations" / "0001_initial.py").is_file()
    run(copy, BIN / "ruff", "check", ".")
    run(copy, BIN / "ruff", "format", "--check", ".")
    run(copy, sys.executable, "manage.py", "makemigrations", "--check", "--dry-run")
    tests = ["tests/unit", "tests/contract", "tests/api"]
    passed = run(
        copy,
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-m",
        "not orm",
        *tests,
    )
    assert "failed" not in passed
    generated = run(
        copy, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "gadget", *tests
    )
    ran = re.search(r"(\d+) passed", generated)
    assert ran, generated[-500:]
    assert int(ran.group(1)) >= 20, "the generated resource's own tests did not run"
    run(copy, BIN / "mypy", "--cache-dir", str(tmp_path / "mypy"), "gadgets", "config")
