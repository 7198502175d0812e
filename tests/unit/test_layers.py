import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_hexagons_and_core_keep_their_import_contracts() -> None:
    # Contracts live in pyproject.toml: the domain, ports and services import neither
    # Django nor Ninja, and core never imports the todos app. In a process of its own:
    # import-linter configures logging, which would silence this process's loggers.
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(  # noqa: S603 (the project's own tool)
        [lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:]
    summary = re.search(r"Contracts: (\d+) kept, 0 broken", result.stdout)
    assert summary, result.stdout[-3000:]
    assert int(summary.group(1)) >= 2
