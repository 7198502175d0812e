"""Aurora Serverless v2 PostgreSQL that pauses when idle, and the groups allowed to reach it."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from constructs import Construct

from infra.components.network import ISOLATED
from infra.nag import acknowledge
from infra.settings import StageSettings

# The newest 16.x this CDK release knows (0 ACU needs 16.3 or later); minor upgrades
# are applied in the maintenance window after that.
ENGINE_VERSION = rds.AuroraPostgresEngineVersion.VER_16_13
PORT = 5432


class Database(Construct):
    """The cluster (one Serverless v2 writer), its master secret, logs and client groups."""

    def __init__(
        self, scope: Construct, construct_id: str, *, vpc: ec2.IVpc, settings: StageSettings
    ) -> None:
        super().__init__(scope, construct_id)
        self._vpc = vpc
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="Aurora: PostgreSQL from the function and the bastion only",
            allow_all_outbound=False,
        )
        # A fixed identifier so the log group exists, with its retention, before RDS writes.
        self.identifier = identifier = f"todo-{settings.stage}"
        log_group = logs.LogGroup(
            self,
            "PostgresqlLog",
            log_group_name=f"/aws/rds/cluster/{identifier}/postgresql",
            retention=settings.log_retention,
            removal_policy=settings.removal_policy,
        )
        self.cluster = rds.DatabaseCluster(
            self,
            "Cluster",
            cluster_identifier=identifier,
            engine=rds.DatabaseClusterEngine.aurora_postgres(version=ENGINE_VERSION),
            writer=rds.ClusterInstance.serverless_v2(
                "Writer", publicly_accessible=False, auto_minor_version_upgrade=True
            ),
            serverless_v2_min_capacity=settings.min_capacity,
            serverless_v2_max_capacity=settings.max_capacity,
            serverless_v2_auto_pause_duration=Duration.seconds(settings.auto_pause_seconds),
            vpc=vpc,
            vpc_subnets=ISOLATED,
            security_groups=[self.security_group],
            port=PORT,
            default_database_name=settings.database_name,
            # RDS generates the master password, keeps it in Secrets Manager and rotates it.
            manage_master_user_password=True,
            credentials=rds.Credentials.from_username("postgres"),
            iam_authentication=True,
            storage_encrypted=True,
            parameters={"rds.force_ssl": "1"},
            cloudwatch_logs_exports=["postgresql"],
            backup=rds.BackupProps(retention=Duration.days(settings.backup_days)),
            copy_tags_to_snapshot=True,
            deletion_protection=settings.protect_data,
            removal_policy=settings.removal_policy,
        )
        self.cluster.node.add_dependency(log_group)
        cfn_cluster = self.cluster.node.default_child
        assert isinstance(cfn_cluster, rds.CfnDBCluster)
        self.secret_arn = cfn_cluster.attr_master_user_secret_secret_arn
        if not settings.protect_data:
            acknowledge(
                self.cluster,
                "AwsSolutions-RDS10",
                f"The {settings.stage} stage is disposable: its data goes with the stack.",
            )
        acknowledge(
            self.cluster,
            "AwsSolutions-RDS11",
            "PostgreSQL's own port: another port hides nothing from a scan inside the VPC, "
            "and the security group admits only the function and the bastion.",
        )

    def allow_client(self, construct_id: str, *, who: str, description: str) -> ec2.SecurityGroup:
        """Create a security group whose members may connect to the database; no other rule."""
        client = ec2.SecurityGroup(
            self, construct_id, vpc=self._vpc, description=description, allow_all_outbound=False
        )
        self.security_group.add_ingress_rule(client, ec2.Port.tcp(PORT), f"PostgreSQL from {who}")
        client.add_egress_rule(self.security_group, ec2.Port.tcp(PORT), "PostgreSQL to Aurora")
        return client
