"""Every command in the README's deploy section is right in form.

`make` targets exist, `aws` commands match botocore's API model, `manage.py` commands
exist, exported variables are ones the settings read, and the commands quoted from the
stack outputs are the outputs themselves.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands

from tests.infra.conftest import Synth
from tests.infra.test_outputs import check_aws_cli, output

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
SECTION = README.split("## Deploy to AWS", 1)[1].split("\n## ", 1)[0]
BLOCKS = re.findall(r"```sh\n(.*?)```", SECTION, re.DOTALL)
# A comment after two spaces; never inside the quoted JSON payload.
COMMANDS = [re.split(r"\s{2,}#", line)[0].strip() for block in BLOCKS
            for line in block.splitlines() if line.strip()]  # fmt: skip
SETTINGS_SOURCE = (ROOT / "core" / "database.py").read_text()


def test_the_section_has_commands() -> None:
    """The parsing below finds the deploy walkthrough."""
    assert len(COMMANDS) >= 10


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_is_one_the_repository_proves(command: str) -> None:
    """make targets, aws operations, manage.py commands, exported settings, or cat."""
    argv = shlex.split(command)
    if argv[0] == "make":
        make = [shutil.which("make") or "make", "-n", *argv[1:]]  # -n: print, run nothing
        dry_run = subprocess.run(make, cwd=ROOT, capture_output=True, text=True, check=False)  # noqa: S603
        assert dry_run.returncode == 0, dry_run.stderr
    elif argv[0] == "aws":
        check_aws_cli(command)
    elif argv[:4] == ["uv", "run", "python", "manage.py"]:
        assert argv[4] in get_commands()
    elif argv[0] == "export":
        for assignment in argv[1:]:
            name = assignment.split("=", 1)[0]
            assert f'"{name}"' in SETTINGS_SOURCE, f"core/database.py does not read {name}"
    else:
        assert argv[0] == "cat", f"a command no test checks: {command}"


def test_the_migrate_command_is_the_stack_output(dev: Synth) -> None:
    """The README quotes MigrateCommand, with the function name as a placeholder."""
    quoted = next(c for c in COMMANDS if c.startswith("aws lambda invoke"))
    deployed = output(dev, dev.api, "MigrateCommand")
    function = next(iter(dev.resources(dev.api, "AWS::Lambda::Function")))
    deployed = deployed.replace(f"<{function}>", "<FunctionName>").replace(
        " --region eu-west-1", ""
    )
    assert quoted == deployed


def test_the_tunnel_port_is_the_one_the_bastion_forwards_to(dev: Synth) -> None:
    """DB_PORT in the README matches localPortNumber in PortForwardCommand."""
    (export,) = [c for c in COMMANDS if c.startswith("export ")]
    port = dict(a.split("=", 1) for a in shlex.split(export)[1:])["DB_PORT"]
    assert f'"localPortNumber":["{port}"]' in output(dev, dev.api, "PortForwardCommand")


def test_the_exported_settings_are_all_manage_py_needs_through_the_tunnel() -> None:
    """With only the README's variables (no .env, SECRET_KEY or DEBUG), Django starts."""
    (export,) = [c for c in COMMANDS if c.startswith("export ")]
    variables = dict(a.split("=", 1) for a in shlex.split(export)[1:])
    variables["DB_SECRET_ARN"] = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!x"
    env = {"PATH": os.environ["PATH"], "ENV_FILE": os.devnull, **variables}
    check = [sys.executable, "manage.py", "check"]
    result = subprocess.run(check, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    assert result.returncode == 0, result.stderr[-2000:]
