"""Every command in the README's deploy section runs, as far as it can offline.

`make` targets run dry (`make -n`), `aws` commands match botocore's API model,
`manage.py` commands answer `--help` with only the README's variables set, the exported
variables set the database settings the tunnel needs, and the commands quoted from the
stack outputs are the outputs themselves.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

from tests.infra.conftest import ROOT, Synth
from tests.infra.test_outputs import check_aws_cli, output
from tests.integration.databases import settings_from

README = (ROOT / "README.md").read_text()
SECTION = README.split("## Deploy to AWS", 1)[1].split("\n## ", 1)[0]
BLOCKS = re.findall(r"```sh\n(.*?)```", SECTION, re.DOTALL)
# A comment after two spaces; never inside the quoted JSON payload.
COMMANDS = [re.split(r"\s{2,}#", line)[0].strip() for block in BLOCKS
            for line in block.splitlines() if line.strip()]  # fmt: skip
# What each variable the README exports sets in DATABASES["default"] (core/database.py).
EFFECTS: dict[str, Callable[[dict[str, Any]], object]] = {
    "DB_SECRET_ARN": lambda database: database["POLICY"].secret_arn,
    "DB_HOST": lambda database: database["HOST"],
    "DB_PORT": lambda database: database["PORT"],
}


def exported() -> dict[str, str]:
    """Return the variables of the README's one `export` line."""
    (export,) = [c for c in COMMANDS if c.startswith("export ")]
    return dict(a.split("=", 1) for a in shlex.split(export)[1:])


def manage_py(*args: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py with only the README's variables (an example ARN for <SecretArn>),
    no .env, SECRET_KEY or DEBUG."""
    variables = exported()
    variables["DB_SECRET_ARN"] = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!x"
    env = {"PATH": os.environ["PATH"], "ENV_FILE": os.devnull, **variables}
    argv = [sys.executable, "manage.py", *args]
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # noqa: S603


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
        help_text = manage_py(*argv[4:], "--help")  # loads the settings, connects nowhere
        assert help_text.returncode == 0, help_text.stderr[-2000:]
        assert f"usage: manage.py {argv[4]}" in help_text.stdout
    elif argv[0] == "export":
        unknown = sorted(exported().keys() - EFFECTS.keys())
        assert not unknown, f"variables no test checks: {unknown}"
    else:
        assert argv[0] == "cat", f"a command no test checks: {command}"


def test_the_migrate_command_is_the_stack_output(dev: Synth) -> None:
    """The README quotes MigrateCommand, with the function name as a placeholder."""
    quoted = next(c for c in COMMANDS if c.startswith("aws lambda invoke"))
    deployed = output(dev, dev.api, "MigrateCommand")
    function = dev.django()[0]
    deployed = deployed.replace(f"<{function}>", "<FunctionName>").replace(
        " --region eu-west-1", ""
    )
    assert quoted == deployed


def test_the_tunnel_port_is_the_one_the_bastion_forwards_to(dev: Synth) -> None:
    """DB_PORT in the README matches localPortNumber in PortForwardCommand."""
    port = exported()["DB_PORT"]
    assert f'"localPortNumber":["{port}"]' in output(dev, dev.api, "PortForwardCommand")


def test_the_exported_variables_point_the_settings_at_the_tunnel() -> None:
    """Built from exactly those variables: the master secret, through 127.0.0.1:15432."""
    variables = exported()
    database = settings_from(**variables)
    assert {name: str(effect(database)) for name, effect in EFFECTS.items()} == variables
    assert (database["HOST"], database["PORT"]) == ("127.0.0.1", "15432")
    assert database["POLICY"].secret_arn == "<SecretArn>"


@pytest.mark.parametrize("name", sorted(EFFECTS))
def test_each_exported_variable_is_the_one_that_sets_its_setting(name: str) -> None:
    """Without it, the setting it names falls back to something else."""
    variables = exported()
    without = {k: v for k, v in variables.items() if k != name}
    # Without the secret the app signs IAM tokens, for the region Lambda sets.
    fallback = settings_from(**without, AWS_REGION="eu-west-1")
    assert EFFECTS[name](fallback) != EFFECTS[name](settings_from(**variables))


def test_the_exported_settings_are_all_manage_py_needs_through_the_tunnel() -> None:
    """With only the README's variables (no .env, SECRET_KEY or DEBUG), Django starts."""
    result = manage_py("check")
    assert result.returncode == 0, result.stderr[-2000:]
