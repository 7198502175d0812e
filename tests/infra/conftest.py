"""Synthesize the CDK app (without bundling the function) and read its templates.

Each deployment layout is synthesized once per test session, through `app.synth()` with
the cdk-nag plugin, into a folder like the CLI's cdk.out; tests read those files.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template

from infra.app import build, default_context

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
Resources = dict[str, dict[str, Any]]


@dataclass(frozen=True)
class Synth:
    """One synthesized deployment: both stacks' templates, and where they were written."""

    outdir: Path
    data: dict[str, Any]
    api: dict[str, Any]
    manifest: dict[str, Any]

    def data_template(self) -> Template:
        """The data stack, for `aws_cdk.assertions`."""
        return Template.from_json(self.data)

    def api_template(self) -> Template:
        """The API stack, for `aws_cdk.assertions`."""
        return Template.from_json(self.api)

    def resources(self, stack: dict[str, Any], kind: str) -> Resources:
        """Return the resources of one type in a template, by logical id."""
        return {k: v for k, v in stack["Resources"].items() if v["Type"] == kind}

    def one(self, stack: dict[str, Any], kind: str) -> dict[str, Any]:
        """Return the properties of the only resource of a type."""
        found = self.resources(stack, kind)
        assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
        return dict(next(iter(found.values())).get("Properties", {}))

    def function_by_handler(self, handler: str) -> tuple[str, dict[str, Any]]:
        """Return the logical id and properties of the API stack's function of `handler`."""
        (found,) = [(k, v["Properties"])
                    for k, v in self.resources(self.api, "AWS::Lambda::Function").items()
                    if v["Properties"].get("Handler") == handler]  # fmt: skip
        return found

    def django(self) -> tuple[str, dict[str, Any]]:
        """The function that serves the API."""
        return self.function_by_handler("config.aws_lambda.handler.handler")

    def migrations(self) -> tuple[str, dict[str, Any]]:
        """The function the deploy's trigger runs the migrations with."""
        return self.function_by_handler("config.aws_lambda.deploy_hook.handler")

    def rules(self, kind: str, group: str) -> list[dict[str, Any]]:
        """Return the separate ingress or egress rules of a data-stack security group."""
        resource = f"AWS::EC2::SecurityGroup{kind.capitalize()}"
        return [r["Properties"] for r in self.resources(self.data, resource).values()
                if r["Properties"]["GroupId"] == {"Fn::GetAtt": [group, "GroupId"]}]  # fmt: skip

    def from_data(self, value: Any) -> Any:
        """Follow a reference from the API stack into the data stack's output it reads."""
        if isinstance(value, dict) and "Fn::GetStackOutput" in value:
            output = value["Fn::GetStackOutput"]["OutputName"]
            return self.data["Outputs"][output]["Value"]
        return value


def npm_package(name: str) -> Path:
    """Return a package of infra/package.json as installed in infra/node_modules.

    Skips the test where it is missing; on CI, where `make test` installs it, fails it.
    """
    folder = INFRA / "node_modules" / name
    if not folder.is_dir():
        message = f"{name} is not installed in infra/node_modules: make cdk-install"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return folder


def synthesize(outdir: Path, **context: object) -> Synth:
    """Synthesize the app with `context` over cdk.json's, skipping the function's bundling."""
    # The web export as not built, unless a test says where one is: web/out may or may not
    # exist on this machine, and the templates must not depend on it.
    no_export = str(outdir / "no-export")
    settings = {**default_context(), "webExport": no_export, **context}
    settings["aws:cdk:bundling-stacks"] = []
    app = App(context=settings, outdir=str(outdir))
    data, api = build(app)
    app.synth()

    def read(name: str) -> dict[str, Any]:
        return dict(json.loads((outdir / name).read_text()))

    return Synth(
        outdir=outdir,
        data=read(f"{data.stack_name}.template.json"),
        api=read(f"{api.stack_name}.template.json"),
        manifest=read("manifest.json"),
    )


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Synth]:
    """Return a function that synthesizes a layout given as context, once per session."""

    @cache
    def layout(**context: str) -> Synth:
        name = "-".join(f"{k}-{v}" for k, v in sorted(context.items())) or "default"
        name = re.sub(r"[^A-Za-z0-9.-]+", "_", name)  # a value may hold "/", ":" or ","
        return synthesize(tmp_path_factory.mktemp(name), **context)

    return layout


@pytest.fixture(scope="module")
def dev(synth: Callable[..., Synth]) -> Synth:
    """The default deployment: stage dev, bastion in a public subnet."""
    return synth()


@pytest.fixture(scope="module")
def prod(synth: Callable[..., Synth]) -> Synth:
    """The production stage."""
    return synth(stage="prod")


@pytest.fixture(scope="module")
def isolated(synth: Callable[..., Synth]) -> Synth:
    """The dev stage with the bastion in an isolated subnet behind SSM endpoints."""
    return synth(isolatedBastion="true")


@pytest.fixture(scope="module")
def snapstart(synth: Callable[..., Synth]) -> Synth:
    """The dev stage with SnapStart: a published version behind a `live` alias."""
    return synth(snapStart="true")


@pytest.fixture(scope="module")
def with_github(synth: Callable[..., Synth]) -> Synth:
    """The dev stage, and the stack of the role a GitHub repository deploys with."""
    return synth(githubRepository="example/todo-api")


@pytest.fixture(scope="module")
def tuned(synth: Callable[..., Synth]) -> Synth:
    """The dev stage with one vCPU's worth of memory and a concurrency cap."""
    return synth(memorySize="1769", reservedConcurrency="20")
