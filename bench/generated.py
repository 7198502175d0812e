"""A resource written by `manage.py startresource`, built and served beside todos.

The warm benchmark shows that a new resource is as fast as todos, which were written by
hand: it runs the bundle of a copy of this tree in which `manage.py startresource notes`
wrote and wired a resource, exactly as a user would, with no hand edit.

- The copy (build/generated-tree) holds this tree's files as they are now: those git
  tracks, with their uncommitted changes, and new ones it does not ignore. So the
  resource runs the code being measured, not the last commit's.
- Its bundle (build/lambda-generated) is built by the copy's own builder, as this
  tree's is (bench/cold_start.py build_bundle).
- The benchmark database gets the resource's table from the copy's migrations, which
  are this tree's and the resource's first one, applied by the bundle's own Django as
  the application role; the todos setups never see the table.

    uv run python bench/generated.py       # copy, generate, build; no database
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import cold_start, database
from bench.cluster import Cluster
from bench.cold_start import BUILD

ROOT = Path(__file__).resolve().parent.parent
PLURAL = "notes"
SOURCE = BUILD / "generated-tree"
BUNDLE = BUILD / "lambda-generated"


def copy_tree(source: Path = SOURCE) -> Path:
    """Copy this tree's files as they are now (tracked or new, not ignored) to `source`,
    replacing what was there; return it."""
    git = ["git", "-C", str(ROOT)]
    listed = subprocess.run(
        [*git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout.decode()
    shutil.rmtree(source, ignore_errors=True)
    for name in filter(None, listed.split("\0")):
        path = ROOT / name
        if path.is_file():  # a tracked file deleted in the working tree is left out
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, source / name)
    return source


def start_resource(source: Path, plural: str = PLURAL) -> None:
    """Run `manage.py startresource <plural>` in the copy, as a user runs it there (its
    own settings, no database URL of this shell's), with this environment's tools.

    :raises SystemExit: when it fails, or leaves no migration behind.
    """
    env = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    tools = Path(sys.executable).parent  # ruff, which formats what it writes
    env |= {"PATH": f"{tools}{os.pathsep}{env.get('PATH', '')}", "ENV_FILE": os.devnull}
    env["DEBUG"] = "true"
    done = subprocess.run(
        [sys.executable, "manage.py", "startresource", plural],
        cwd=source,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(
            f"startresource {plural} failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
        )
    if not (source / plural / "migrations" / "0001_initial.py").is_file():
        raise SystemExit(f"startresource {plural} wrote no migration in {source}.")


def build(python: str) -> Path:
    """Copy this tree, generate the resource in the copy and build the copy's bundle for
    this machine; return the bundle."""
    source = copy_tree()
    start_resource(source)
    cold_start.build_bundle(python, source=source, output=BUNDLE)
    if not (BUNDLE / PLURAL / "models.py").is_file():
        raise SystemExit(f"The bundle in {BUNDLE} has no {PLURAL} app.")
    return BUNDLE


def prepare(cluster: Cluster, python: str) -> None:
    """Build the generated resource's bundle, and add its table to the benchmark
    database with the bundle's migrations (this tree's are applied already)."""
    build(python)
    cold_start.migrate(python, cluster, BUNDLE, database.NAME, "The generated tree's")


if __name__ == "__main__":
    print(build(cold_start.lambda_python()))
