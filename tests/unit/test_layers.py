import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_hexagons_and_core_keep_their_import_contracts() -> None:
    # Contracts live in pyproject.toml, by pattern: no app's domain, ports and services
    # import Django or Ninja, and core imports no app; scripts/import_contracts.py checks
    # them over every installed app. In a process of its own: import-linter configures
    # logging, which would silence this process's loggers.
    result = subprocess.run(
        [sys.executable, "scripts/import_contracts.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    summary = re.search(r"Contracts: (\d+) kept, 0 broken", result.stdout)
    assert summary, result.stdout[-3000:]
    assert int(summary.group(1)) >= 2
    analyzed = re.search(r"Analyzed (\d+) files", result.stdout)
    assert analyzed, result.stdout[-3000:]
    assert int(analyzed.group(1)) > 50, "the contracts checked almost nothing"
