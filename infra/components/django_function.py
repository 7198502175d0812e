"""The Django app as one Lambda function, its code built by the repository's own bundler."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import (
    Annotations,
    AssetHashType,
    BundlingOptions,
    DockerImage,
    Duration,
    ILocalBundling,
    RemovalPolicy,
)
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.components.network import ISOLATED
from infra.nag import acknowledge

ROOT = Path(__file__).resolve().parents[2]
BUNDLER = ROOT / "scripts" / "build_lambda_bundle.py"
HANDLER = "config.aws_lambda.handler.handler"
# API Gateway gives up on an integration after 29 s; the function answers (503) before that.
TIMEOUT = Duration.seconds(28)
# With SnapStart, what API Gateway and operators invoke: the version published last.
LIVE_ALIAS = "live"


@jsii.implements(ILocalBundling)
class LocalBundler:
    """Build the asset with scripts/build_lambda_bundle.py: no Docker, arm64, Python 3.13."""

    def try_bundle(self, output_dir: str, *args: object, **kwargs: object) -> bool:
        """Build into `output_dir`; a failed build fails the synth rather than try Docker."""
        # The project's interpreter runs the app, so it also has what the bundler imports.
        subprocess.run(  # noqa: S603
            [sys.executable, str(BUNDLER), "--output", output_dir], check=True, cwd=ROOT
        )
        return True


class DjangoFunction(Construct):
    """A Python 3.13 arm64 function in the isolated subnets, configured without a credential.

    `target` is what callers invoke: the function itself (its unpublished $LATEST), or with
    `snap_start` the `live` alias (`alias`) of the version published on each deploy,
    restored from that version's snapshot.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        security_group: ec2.ISecurityGroup,
        environment: dict[str, str],
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
        memory_size: int,
        reserved_concurrency: int | None,
        snap_start: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        log_group = logs.LogGroup(
            self, "Log", retention=log_retention, removal_policy=removal_policy
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description="The Todo API: Django + Django Ninja behind Mangum",
            runtime=lambda_.Runtime.PYTHON_3_13,
            architecture=lambda_.Architecture.ARM_64,
            handler=HANDLER,
            code=lambda_.Code.from_asset(
                str(ROOT),
                # Hash what was built, so the repository itself is never fingerprinted.
                asset_hash_type=AssetHashType.OUTPUT,
                bundling=BundlingOptions(
                    # Never pulled: the local bundler either builds or fails the synth.
                    image=DockerImage.from_registry("local-bundling-only"),
                    local=LocalBundler(),
                ),
            ),
            memory_size=memory_size,
            # A cap on instances, hence on new IAM connections when traffic bursts.
            reserved_concurrent_executions=reserved_concurrency,
            timeout=TIMEOUT,
            vpc=vpc,
            vpc_subnets=ISOLATED,
            security_groups=[security_group],
            environment=environment,
            logging_format=lambda_.LoggingFormat.JSON,
            log_group=log_group,
            **(_snap_start_options() if snap_start else {}),
        )
        self.alias: lambda_.Alias | None = None
        if snap_start:
            # Publishes a version whenever the code or configuration changes; Lambda
            # snapshots it once initialised, and the alias moves to it.
            self.alias = lambda_.Alias(
                self, "Live", alias_name=LIVE_ALIAS, version=self.function.current_version
            )
            Annotations.of(self.function).acknowledge_warning(
                "@aws-cdk/aws-lambda:snapStartRequirePublish",
                "The live alias publishes a version on every deploy.",
            )
        self.target: lambda_.IFunction = self.alias or self.function
        acknowledge(
            self.function,
            "AwsSolutions-L1",
            "Python 3.13 by design: the bundle's wheels and bytecode are built for 3.13.",
        )
        managed = "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/{}]"
        acknowledge(
            self.function,
            managed.format("AWSLambdaBasicExecutionRole"),
            "AWS's managed policy for a function's own logs.",
        )
        acknowledge(
            self.function,
            managed.format("AWSLambdaVPCAccessExecutionRole"),
            "AWS's managed policy for the network interfaces of a function in a VPC.",
        )


def _snap_start_options() -> dict[str, Any]:
    """Return the function's SnapStart properties.

    CDK keeps a replaced version by default (RETAIN), so that something may still invoke
    it. With SnapStart each kept version keeps its snapshot, billed per GB-second for as
    long as the version exists: a deploy a day would add a snapshot a day. Nothing here
    invokes an old version, so the version a deploy replaces is deleted once the alias
    points at the new one.
    """
    return {
        "snap_start": lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS,
        "current_version_options": lambda_.VersionOptions(removal_policy=RemovalPolicy.DESTROY),
    }
