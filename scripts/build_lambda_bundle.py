"""Build the AWS Lambda asset directory (and optionally its zip) from uv.lock, without Docker.

The runtime dependencies are installed as binary wheels for the Lambda platform, beside
the app code and its collected static files; what the function never loads is pruned.
Run it with the project's environment, which collects the static files:

    uv run python scripts/build_lambda_bundle.py --zip              # arm64, Python 3.13
    uv run python scripts/build_lambda_bundle.py --platform host    # this machine, to test
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Beside the apps of INSTALLED_APPS that live in this project: the settings, URLs and
# handler (config/, no app) and manage.py, which the management events run.
ENTRY_POINTS = ("config", "manage.py")
# The Lambda python3.13 runtime runs on Amazon Linux 2023 (glibc 2.34) on arm64.
LAMBDA_PLATFORM, LAMBDA_PYTHON = "aarch64-manylinux_2_34", "3.13"
UV = os.environ.get("UV") or shutil.which("uv") or "uv"  # `uv run` names its own binary
# Runtime dependencies only: no dev or infra group, and not the project itself.
EXPORT = ["export", "--locked", "--no-default-groups", "--no-emit-project", "--no-hashes", "-q"]
# Copies, not links into uv's cache: the bundle is edited (pruned, compiled) afterwards.
INSTALL = ["pip", "install", "--no-deps", "--only-binary", ":all:", "--link-mode", "copy", "-q"]
# The runtime provides the AWS SDK; pruning drops whatever only it needs, too.
AWS_SDK = ("boto3", "botocore", "s3transfer")
# Lambda extracts the zip to /var/task; baked into bytecode so builds do not differ by path.
TASK_ROOT = "/var/task"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
# Read the settings the pruning depends on, after collecting the static files.
COLLECT = """import json, django
django.setup()
from django.conf import settings
from django.core.management import call_command
call_command("collectstatic", interactive=False, verbosity=0)
print(json.dumps({"apps": settings.INSTALLED_APPS, "language": settings.LANGUAGE_CODE,
                  "i18n": settings.USE_I18N}))
"""


def run(*command: str | Path, **kwargs: Any) -> str:
    """Run a command and return its standard output; fail the build if it fails."""
    result = subprocess.run(command, check=True, capture_output=True, text=True, **kwargs)  # noqa: S603
    return str(result.stdout)


def install_dependencies(out: Path, *, host_python: str | None) -> None:
    """Install the locked runtime dependencies into `out`, as binary wheels only, for
    Lambda or, given `host_python`, for that interpreter on this machine."""
    with tempfile.TemporaryDirectory() as tmp:
        requirements = Path(tmp, "requirements.txt")
        prune = [arg for name in AWS_SDK for arg in ("--prune", name)]
        run(UV, *EXPORT, *prune, "-o", requirements, cwd=ROOT)
        if host_python:
            target = ["--python", host_python]
        else:
            target = ["--python-platform", LAMBDA_PLATFORM, "--python-version", LAMBDA_PYTHON]
        run(UV, *INSTALL, *target, "--target", out, "-r", requirements)
    shutil.rmtree(out / "bin", ignore_errors=True)  # console scripts with this machine's paths
    if shipped := [name for name in AWS_SDK if (out / name).exists()]:
        raise SystemExit(f"The AWS SDK must not be bundled, found: {', '.join(shipped)}")
    if (out / "cryptography").exists():
        # PyJWT signs HS256 with hmac alone, and imports cryptography whenever it is there:
        # about 150 ms of every cold start, for algorithms this app refuses.
        raise SystemExit("cryptography must not be bundled: find what requires it (uv tree)")


def app_code(installed_apps: list[str]) -> list[str]:
    """Return what the bundle takes from this project: the packages of its installed apps
    (every one, however it was added), config/ and manage.py."""
    packages = {app.split(".")[0] for app in installed_apps}
    local = sorted(name for name in packages if (ROOT / name / "__init__.py").is_file())
    return [*local, *ENTRY_POINTS]


def copy_app_code(out: Path, installed_apps: list[str]) -> None:
    """Copy the project's packages and manage.py, without caches or dotfiles."""
    ignore = shutil.ignore_patterns("__pycache__", "*.py[cod]", ".*")
    for name in app_code(installed_apps):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, out / name, ignore=ignore)
        else:
            shutil.copy2(source, out / name)


def collect_static(out: Path) -> dict[str, Any]:
    """Collect static files into <bundle>/staticfiles; return the settings pruning needs."""
    (out / "staticfiles").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_LAMBDA")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "STATIC_ROOT": str(out / "staticfiles"),
        "SECRET_KEY": "collectstatic-only",
        "ENV_FILE": str(out / "no.env"),
    }
    settings: dict[str, Any] = json.loads(run(sys.executable, "-c", COLLECT, cwd=ROOT, env=env))
    return settings


def remove(paths: list[Path]) -> None:
    """Delete files and directories."""
    for path in paths:
        if not path.exists():
            continue  # inside a directory already removed
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def prune(out: Path, settings: dict[str, Any]) -> None:
    """Delete what the function never loads: collected originals, unused contrib apps,
    other languages, translation sources, source maps, package tests and caches."""
    static = out / "staticfiles"
    for folder in [*out.glob("*/static"), *out.glob("django/contrib/*/static")]:
        files = [f.relative_to(folder) for f in folder.rglob("*") if f.is_file()]
        if all((static / f).is_file() for f in files):
            shutil.rmtree(folder)  # served from staticfiles/ instead
    contrib = "django.contrib."
    keep = {app.split(".")[2] for app in settings["apps"] if app.startswith(contrib)}
    imported = re.compile(r"^\s*(?:from|import)\s+django\.contrib\.(\w+)", re.MULTILINE)
    for source in out.rglob("*.py"):
        if not source.is_relative_to(out / "django"):
            keep.update(imported.findall(source.read_text(encoding="utf-8", errors="replace")))
    remove([d for d in (out / "django/contrib").iterdir() if d.is_dir() and d.name not in keep])
    if not settings["i18n"]:  # one language, LANGUAGE_CODE's, for messages and formats
        language = settings["language"].replace("-", "_").lower()
        keep_languages = {language, language.split("_")[0]}
        languages = [d for d in out.glob("**/locale/*") if d.is_dir()]
        remove([d for d in languages if d.name.lower() not in keep_languages])
    remove([*out.rglob("*.po"), *static.rglob("*.map")])
    remove([d for d in out.rglob("*") if d.is_dir() and d.name in ("tests", "__pycache__")])


def find_python(version: str, given: str | None) -> str | None:
    """Return an interpreter of `version` to compile bytecode with, if there is one."""
    if given:
        return given
    candidates = [shutil.which(f"python{version}")]
    # uv may know of none: pyenv's shims, for one, hide installed versions from it.
    with contextlib.suppress(subprocess.CalledProcessError):
        candidates.insert(0, run(UV, "python", "find", "--no-python-downloads", version).strip())
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(map(str, pyenv_root.glob(f"versions/{version}.*/bin/python{version}")))
    check = f"import sys; assert sys.version_info[:2] == {tuple(map(int, version.split('.')))}"
    for candidate in filter(None, candidates):
        with contextlib.suppress(subprocess.CalledProcessError, OSError):
            run(candidate, "-c", check)
            return candidate
    return None


def compile_bytecode(out: Path, python: str, version: str) -> None:
    """Compile every module as the runtime would, with pycs that never go stale.

    unchecked-hash pycs are used whatever the files' timestamps (a zip may reset them)
    and never rewritten, which suits Lambda's read-only /var/task.
    """
    actual = run(python, "-c", "import sys; print('{}.{}'.format(*sys.version_info))").strip()
    if actual != version:
        raise SystemExit(f"{python} is Python {actual}, not {version}")
    compileall = ["-m", "compileall", "-q", "-j0", "--invalidation-mode", "unchecked-hash"]
    run(python, *compileall, "-s", out, "-p", TASK_ROOT, out)


def write_zip(out: Path) -> Path:
    """Zip the bundle with sorted entries and fixed timestamps; return the zip's path."""
    archive = out.parent / f"{out.name}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(out).as_posix(), ZIP_DATE)
            info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, path.read_bytes())
    return archive


def mib(size: int) -> str:
    """Format a byte count in MiB."""
    return f"{size / 2**20:.1f} MiB"


def main() -> None:
    """Build the bundle described by the command line and print its sizes."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--platform",
        choices=("lambda", "host"),
        default="lambda",
        help="lambda: arm64, Python 3.13; host: this machine's",
    )
    parser.add_argument("--output", type=Path, default=ROOT / "build" / "lambda")
    parser.add_argument("--zip", action="store_true", help="also write <output>.zip")
    parser.add_argument("--bytecode-python", help="a Python 3.13 to compile bytecode with")
    parser.add_argument(
        "--python", help="with --platform host: the interpreter to build for (default: this one)"
    )
    args = parser.parse_args()
    out, host, started = args.output.resolve(), args.platform == "host", time.perf_counter()
    previous_bundle = (out / "config" / "aws_lambda" / "handler.py").is_file()
    if out in (ROOT, *ROOT.parents) or (
        out.exists() and any(out.iterdir()) and not previous_bundle
    ):
        raise SystemExit(f"Refusing to replace {out}: it is not empty and not a bundle")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    host_python = (args.python or sys.executable) if host else None
    install_dependencies(out, host_python=host_python)
    settings = collect_static(out)
    copy_app_code(out, settings["apps"])
    prune(out, settings)
    if host_python:
        python: str | None = host_python
        version = run(host_python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])")
        version = version.strip()
    else:
        version, python = LAMBDA_PYTHON, find_python(LAMBDA_PYTHON, args.bytecode_python)
    if python:
        compile_bytecode(out, python, version)
    else:
        print(f"No Python {version} found (--bytecode-python): the bundle has no bytecode.")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"Bundle {out} ({'host' if host else LAMBDA_PLATFORM}, Python {version})")
    print(f"  unzipped {mib(size)}")
    if args.zip:
        archive = write_zip(out)
        print(f"  zipped   {mib(archive.stat().st_size)} ({archive})")
    print(f"  built in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
