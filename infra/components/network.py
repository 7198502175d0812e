"""The VPC: two AZs, no NAT gateway, isolated subnets for the database and the function."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

ISOLATED = ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)
# What an SSM-managed instance talks to; needed only where it has no route to the internet.
SSM_ENDPOINTS = {
    "Ssm": ec2.InterfaceVpcEndpointAwsService.SSM,
    "SsmMessages": ec2.InterfaceVpcEndpointAwsService.SSM_MESSAGES,
    "Ec2Messages": ec2.InterfaceVpcEndpointAwsService.EC2_MESSAGES,
}


class Network(Construct):
    """A two-AZ VPC with flow logs; public subnets only when the bastion lives in one."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        public_subnets: bool,
        log_retention: logs.RetentionDays,
        removal_policy: RemovalPolicy,
    ) -> None:
        super().__init__(scope, construct_id)
        subnets = [
            ec2.SubnetConfiguration(
                name="Isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24
            )
        ]
        if public_subnets:
            # Nothing gets a public address unless it asks for one (the bastion does).
            subnets.append(
                ec2.SubnetConfiguration(
                    name="Public",
                    subnet_type=ec2.SubnetType.PUBLIC,
                    cidr_mask=24,
                    map_public_ip_on_launch=False,
                )
            )
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr("10.20.0.0/16"),
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=subnets,
            # Restricting the default group takes a custom-resource Lambda; nothing uses it.
            restrict_default_security_group=False,
        )
        flow_logs = logs.LogGroup(
            self, "FlowLogs", retention=log_retention, removal_policy=removal_policy
        )
        self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )
        # One subnet for the bastion: the first public one, or the isolated one in the AZ
        # that holds the SSM endpoints.
        first = (self.vpc.public_subnets if public_subnets else self.vpc.isolated_subnets)[0]
        self.bastion_subnets = ec2.SubnetSelection(subnets=[first])

    def add_secrets_manager_endpoint(self, clients: ec2.ISecurityGroup) -> None:
        """Let `clients` in the isolated subnets read Secrets Manager, which has no route
        out otherwise: one interface endpoint, in the first isolated subnet's AZ only.

        It bills per hour and per AZ; a client in the other AZ reaches it across the VPC.
        """
        endpoint_group = ec2.SecurityGroup(
            self,
            "SecretsManagerEndpoint",
            vpc=self.vpc,
            description="Secrets Manager endpoint: HTTPS from the deploy migrations only",
            allow_all_outbound=False,
            disable_inline_rules=True,
        )
        endpoint_group.add_ingress_rule(clients, ec2.Port.tcp(443), "HTTPS from the migrations")
        clients.add_egress_rule(endpoint_group, ec2.Port.tcp(443), "Secrets Manager endpoint")
        self.vpc.add_interface_endpoint(
            "SecretsManager",
            service=ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
            subnets=ec2.SubnetSelection(subnets=[self.vpc.isolated_subnets[0]]),
            security_groups=[endpoint_group],
            open=False,
        )

    def add_ssm_endpoints(self, clients: ec2.ISecurityGroup) -> None:
        """Give an isolated instance in the bastion's subnet a private way to SSM.

        Interface endpoints bill per hour and per AZ, so they go into one AZ only: the
        first isolated subnet, where the bastion is placed.
        """
        endpoint_group = ec2.SecurityGroup(
            self,
            "SsmEndpoints",
            vpc=self.vpc,
            description="SSM interface endpoints: HTTPS from the bastion only",
            allow_all_outbound=False,
            # A rule of its own, whose source cdk-nag's EC23 check can read.
            disable_inline_rules=True,
        )
        endpoint_group.add_ingress_rule(clients, ec2.Port.tcp(443), "HTTPS from the bastion")
        clients.add_egress_rule(endpoint_group, ec2.Port.tcp(443), "SSM endpoints")
        subnet = ec2.SubnetSelection(subnets=[self.vpc.isolated_subnets[0]])
        for name, service in SSM_ENDPOINTS.items():
            self.vpc.add_interface_endpoint(
                name,
                service=service,
                subnets=subnet,
                security_groups=[endpoint_group],
                open=False,  # not the whole VPC: the bastion's group only
            )
