"""cdk-nag on every synth, and the one way this app acknowledges a finding."""

from __future__ import annotations

from aws_cdk import Acknowledgment, App, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def check_on_synth(app: App) -> None:
    """Run the AwsSolutions pack as a validation plugin: any unacknowledged finding fails synth."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Accept one cdk-nag finding on `scope` (and what it contains), saying why."""
    Validations.of(scope).acknowledge(Acknowledgment(id=rule_id, reason=reason))
