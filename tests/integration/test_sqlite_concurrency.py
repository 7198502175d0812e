"""SQLite, the local default engine, serves concurrent sign-ins: `make run` answers
requests on several threads, and a sign-in writes in a transaction."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import json, threading
import django
django.setup()
from django.core.management import call_command
from django.db import connections
call_command("migrate", verbosity=0)
from config.composition import adapters
from core.identity import services
users = [services.register(adapters, email=f"p{n}@example.com", password="correct horse battery")
         for n in range(4)]
start, outcomes = threading.Barrier(4), []
def sign_in(n):
    start.wait()
    try:
        services.sign_in(adapters, email=users[n].email, password="correct horse battery",
                         client_address=f"192.0.2.{n}")
        outcomes.append("ok")
    except Exception as error:
        outcomes.append(f"{type(error).__name__}: {error}")
    finally:
        connections.close_all()
threads = [threading.Thread(target=sign_in, args=(n,)) for n in range(4)]
for thread in threads: thread.start()
for thread in threads: thread.join()
print(json.dumps(outcomes))
"""


def test_concurrent_sign_ins_on_a_sqlite_file_all_succeed(tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        # The app's own hasher, as `make run` has it: each sign-in holds its lock for it.
        "PYTHONPATH": str(ROOT),
    }
    run = subprocess.run(  # noqa: S603 (this interpreter, this project's code)
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    assert json.loads(run.stdout.splitlines()[-1]) == ["ok"] * 4
