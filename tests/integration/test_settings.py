"""Settings come from the environment; production values pass Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k7#Qv9!mZr2@Lp4$Tx8^Wn6&Bc3*Hd5(Jf1)Gs0_Ye-Ua+Io=Pe",
    "ALLOWED_HOSTS": "api.example.com",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "TRUST_X_FORWARDED_PROTO": "true",
}


def manage(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py with only the given settings: no .env file, no inherited values."""
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION}
    clean["ENV_FILE"] = os.devnull
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **environment},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_settings_pass_the_deploy_checks() -> None:
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_a_missing_secret_key_stops_the_app_when_not_debugging() -> None:
    settings = {**PRODUCTION, "SECRET_KEY": ""}
    result = manage("check", **settings)
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_debug_is_off_unless_asked_for() -> None:
    result = manage("diffsettings", "--all", SECRET_KEY=PRODUCTION["SECRET_KEY"])
    assert result.returncode == 0, result.stderr
    assert "DEBUG = False" in result.stdout
