"""The Lambda bundle takes every app of INSTALLED_APPS, so an app added in any way (by
hand or by startresource) cannot be left out of a deployed function."""

import subprocess
import sys
from pathlib import Path

from django.conf import settings

from scripts.build_lambda_bundle import copy_app_code

# What the function does first: set Django up and build the URLs, which import every app's
# models and routers. `-I` keeps the project's own folder off the path: only the copy counts.
LOAD = """
import os, sys
sys.path.insert(0, os.getcwd())
os.environ.update(DJANGO_SETTINGS_MODULE="config.settings", SECRET_KEY="x", ENV_FILE="no.env")
import django
django.setup()
import config.urls
"""


def test_the_copied_app_code_sets_django_up_and_builds_every_route(tmp_path: Path) -> None:
    copy_app_code(tmp_path, list(settings.INSTALLED_APPS))
    loaded = subprocess.run(  # noqa: S603 (this interpreter, on the copy)
        [sys.executable, "-I", "-c", LOAD], cwd=tmp_path, capture_output=True, text=True
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    for app in settings.INSTALLED_APPS:
        top = app.split(".")[0]
        if (Path(settings.BASE_DIR) / top).is_dir():
            assert (tmp_path / top / "__init__.py").is_file(), f"{top} is not in the bundle"
    assert (tmp_path / "manage.py").is_file()
