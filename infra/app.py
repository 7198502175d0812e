"""The CDK app: read the context once, build the data, API and web stacks, check, synthesize.

npx cdk synth                  # from infra/, as cdk.json says
uv run python infra/app.py     # the same, without the CDK CLI
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

INFRA = Path(__file__).resolve().parent
if __name__ == "__main__" and str(INFRA.parent) not in sys.path:
    # Run as a script: import this folder as the `infra` package, as the tests do.
    sys.path[0] = str(INFRA.parent)

from aws_cdk import App  # noqa: E402

from infra.nag import check_on_synth  # noqa: E402
from infra.settings import CONTEXT_KEYS, StageSettings  # noqa: E402
from infra.stacks.api_stack import ApiStack  # noqa: E402
from infra.stacks.data_stack import DataStack  # noqa: E402
from infra.stacks.github_deploy_stack import GitHubDeployStack  # noqa: E402
from infra.stacks.web_stack import WebStack  # noqa: E402

# The static export `make web-build` writes; deployed by the web stack once it exists.
WEB_EXPORT = INFRA.parent / "web" / "out"
GITHUB_DEPLOY_STACK = "TodoGitHubDeploy"


def default_context() -> dict[str, Any]:
    """Return cdk.json's context: the defaults and feature flags the CLI would pass."""
    context: dict[str, Any] = json.loads((INFRA / "cdk.json").read_text())["context"]
    return context


def build(app: App) -> tuple[DataStack, ApiStack]:
    """Add this deployment's two stacks to `app`, with cdk-nag checking them."""
    settings = StageSettings.from_context(_context(app))
    check_on_synth(app)
    data = DataStack(app, f"TodoData-{settings.stage}", settings=settings)
    api = ApiStack(app, f"TodoApi-{settings.stage}", data=data)
    if settings.web:
        export = settings.web_export or WEB_EXPORT
        site = export if (export / "index.html").is_file() else None
        WebStack(
            app, f"TodoWeb-{settings.stage}", settings=settings, api=api.rest_api.api, site=site
        )
    if settings.github_repository:
        # Once per account, for every stage: the role GitHub Actions deploys with.
        GitHubDeployStack(app, GITHUB_DEPLOY_STACK, repository=settings.github_repository)
    return data, api


def _context(app: App) -> dict[str, Any]:
    return {
        key: value for key in CONTEXT_KEYS if (value := app.node.try_get_context(key)) is not None
    }


def main() -> None:
    """Synthesize into cdk.out (or where the CDK CLI says)."""
    # The CLI names the output folder; run alone, write to infra/cdk.out as the CLI would.
    app = App(
        context=default_context(), outdir=os.environ.get("CDK_OUTDIR", str(INFRA / "cdk.out"))
    )
    build(app)
    app.synth()


if __name__ == "__main__":
    main()
