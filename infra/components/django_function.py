"""The Django app as one Lambda function, its code built by the repository's own bundler."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
RUNTIME = lambda_.Runtime.PYTHON_3_13
ARCHITECTURE = lambda_.Architecture.ARM_64
# API Gateway gives up on an integration after 29 s; the function answers (503) before that.
TIMEOUT = Duration.seconds(28)
# What API Gateway, the schedule and operators invoke: the version last migrated for.
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

    `target` is what callers invoke: the `live` alias (`alias`) of the version published
    on each deploy (`version`), restored from that version's snapshot with `snap_start`.
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
        self.log_group = log_group = logs.LogGroup(
            self, "Log", retention=log_retention, removal_policy=removal_policy
        )
        # One asset, built once, for this function and the deploy's migrations.
        self.code = lambda_.Code.from_asset(
            str(ROOT),
            # Hash what was built, so the repository itself is never fingerprinted.
            asset_hash_type=AssetHashType.OUTPUT,
            bundling=BundlingOptions(
                # Never pulled: the local bundler either builds or fails the synth.
                image=DockerImage.from_registry("local-bundling-only"),
                local=LocalBundler(),
            ),
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description="The Todo API: Django + Django Ninja behind Mangum",
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            handler=HANDLER,
            code=self.code,
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
            # CDK keeps a replaced version by default, for whatever may still invoke it.
            # Nothing here does once the alias has moved on; with SnapStart each kept
            # version would also keep its snapshot, billed per GB-second.
            current_version_options=lambda_.VersionOptions(removal_policy=RemovalPolicy.DESTROY),
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if snap_start else None,
        )
        # Every deploy that changes the code or configuration publishes a version; the
        # alias moves to it only once the migrations have run (infra/stacks/api_stack.py).
        # With SnapStart, Lambda snapshots the version once initialised.
        self.version = self.function.current_version
        self.alias = lambda_.Alias(self, "Live", alias_name=LIVE_ALIAS, version=self.version)
        if snap_start:
            Annotations.of(self.function).acknowledge_warning(
                "@aws-cdk/aws-lambda:snapStartRequirePublish",
                "The live alias publishes a version on every deploy.",
            )
        self.target: lambda_.IFunction = self.alias
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
