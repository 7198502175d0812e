"""Write the API's OpenAPI document, as the app serves it, to docs/openapi.json.

The committed snapshot is what clients are generated from and what the tests compare
the live document against (tests/api/test_openapi_snapshot.py). Usage:

    make openapi                                  # rewrite docs/openapi.json
    uv run python scripts/openapi.py --check      # exit 1 if the snapshot is stale
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "docs" / "openapi.json"


def document() -> dict[str, Any]:
    """Return the OpenAPI document the app serves at /api/openapi.json."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "only-for-writing-the-openapi-document")
    import django

    django.setup()
    from config.api import api

    schema: dict[str, Any] = api.get_openapi_schema(path_prefix="/api/")
    return schema


def render(schema: dict[str, Any]) -> str:
    """Return the document as the snapshot stores it: stable key order, one trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the snapshot is stale")
    arguments = parser.parse_args()
    text = render(document())
    if arguments.check:
        if not SNAPSHOT.exists() or SNAPSHOT.read_text() != text:
            print(f"{SNAPSHOT.relative_to(ROOT)} is stale: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    SNAPSHOT.write_text(text)
    print(f"wrote {SNAPSHOT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
