"""A function imports `django.test.signals` (Django Ninja needs it) but not `django.test`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from config.aws_lambda.lean_imports import load_test_signals_alone

ROOT = Path(__file__).resolve().parents[2]
# What django/test/__init__.py would import, and a function serving requests never uses.
TEST_ONLY = ("unittest", "django.test.client", "django.test.testcases", "wsgiref.simple_server")
FUNCTION = """
import json, sys
import config.aws_lambda.handler as entry
event = json.loads(open("tests/lambda_/events/rest_execute_api.json").read())
notes = {"status": entry.handler(event, None)["statusCode"]}
notes["lazy"] = type(sys.modules["django.test"]).__name__
notes["loaded"] = [name for name in %r if name in sys.modules]
from django.test.signals import setting_changed
receivers = len(setting_changed.receivers)
from django.test import override_settings  # a command or a test asks for the package
notes["package"] = type(sys.modules["django.test"]).__name__
notes["same_signals"] = sys.modules["django.test.signals"] is __import__("django.test").test.signals
notes["receivers_unchanged"] = len(setting_changed.receivers) == receivers
with override_settings(APPEND_SLASH=True):
    notes["overridden"] = entry.handler(event, None)["statusCode"]
print(json.dumps(notes))
"""


def test_a_function_loads_the_signals_and_leaves_the_package_until_asked() -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DB_"))}
    clean.pop("SECRET_KEY", None)
    result = subprocess.run(  # noqa: S603 (this interpreter, this project's code)
        [sys.executable, "-c", FUNCTION % (TEST_ONLY,)],
        cwd=ROOT,
        env={
            **clean,
            "AWS_LAMBDA_FUNCTION_NAME": "todo-api-dev",
            "AWS_REGION": "eu-west-1",
            "ENV_FILE": os.devnull,
            "DATABASE_URL": "sqlite://:memory:",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    notes = json.loads(result.stdout.splitlines()[-1])
    assert notes["status"] == 200
    assert notes["lazy"] == "_LazyModule"
    assert notes["loaded"] == []
    # Asked for, the package loads whole, around the signals module already loaded.
    assert notes["package"] == "module"
    assert notes["same_signals"] is True
    assert notes["receivers_unchanged"] is True
    assert notes["overridden"] == 200


def test_where_django_test_is_loaded_already_nothing_changes() -> None:
    assert "django.test" in sys.modules  # pytest-django loads it
    assert load_test_signals_alone() is False
