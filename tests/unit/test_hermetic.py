"""The suite is hermetic: a developer's shell or .env can choose the database, and
nothing else the tests assert on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Whatever the shell or .env says, these stay the tests' own.
CHOSEN_BY_THE_TESTS = {"SECRET_KEY", "LOG_LEVEL"}


def settings_documented() -> set[str]:
    """Return the settings .env.example documents: every variable the app reads."""
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        name, equals, _ = line.lstrip("# ").partition("=")
        if equals and name.isupper() and name.replace("_", "").isalnum():
            names.add(name)
    assert len(names) > 20, "read no settings from .env.example"
    return names


def test_no_setting_but_the_database_reaches_the_tests_from_outside() -> None:
    leaked = {name for name in settings_documented() if name in os.environ}
    assert leaked <= {"DATABASE_URL", *CHOSEN_BY_THE_TESTS}
    assert os.environ["ENV_FILE"] == os.devnull  # settings.py reads no .env of its own


def test_a_hostile_env_file_and_shell_change_no_outcome(tmp_path: Path) -> None:
    """A short ACCESS_TOKEN_TTL in .env and another CORS origin in the shell once failed
    the token and CORS tests; the database .env names is still the one used."""
    env_file = tmp_path / ".env"
    env_file.write_text(
        "ACCESS_TOKEN_TTL=60\nREFRESH_TOKEN_TTL=120\nDEBUG=true\nDATABASE_URL=sqlite://:memory:\n"
    )
    shell = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "ENV_FILE", "PYTEST_ADDOPTS"}
    }
    shell |= {"CORS_ALLOWED_ORIGINS": "https://elsewhere.example", "JWT_ISSUER": "someone"}
    run = subprocess.run(  # noqa: S603 (this interpreter, running this project's tests)
        [
            sys.executable,
            *("-m", "pytest", "-q", "-p", "no:cacheprovider", "--envfile", str(env_file)),
            "tests/api/test_auth.py::test_signing_in_answers_a_token_pair_that_is_not_cached",
            "tests/api/test_cors.py",
            "tests/api/test_health.py",
        ],
        cwd=ROOT,
        env=shell,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout
    assert " failed" not in run.stdout
