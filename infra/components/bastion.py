"""The SSM bastion: how an operator reaches the database from a laptop, with no SSH."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from infra.nag import acknowledge


class Bastion(Construct):
    """A t4g.nano on Amazon Linux 2023 arm64, managed by SSM, that forwards one port.

    It has no key pair and its security group has no inbound rule: sessions arrive
    through the SSM agent's own outbound connection. Stop it when it is not in use.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
        security_group: ec2.ISecurityGroup,
        public_address: bool,
    ) -> None:
        super().__init__(scope, construct_id)
        self.instance = ec2.Instance(
            self,
            "Instance",
            vpc=vpc,
            vpc_subnets=subnets,
            security_group=security_group,
            instance_type=ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.NANO),
            # Resolved by CloudFormation from AWS's public SSM parameter: no lookup at synth.
            machine_image=ec2.MachineImage.latest_amazon_linux2023(
                cpu_type=ec2.AmazonLinuxCpuType.ARM_64
            ),
            associate_public_ip_address=public_address,
            require_imdsv2=True,
            ssm_session_permissions=True,
            block_devices=[
                ec2.BlockDevice(
                    device_name="/dev/xvda",
                    volume=ec2.BlockDeviceVolume.ebs(
                        8, encrypted=True, volume_type=ec2.EbsDeviceVolumeType.GP3
                    ),
                )
            ],
        )
        acknowledge(
            self.instance,
            "AwsSolutions-EC28",
            "Detailed monitoring costs more than this disposable, mostly stopped bastion.",
        )
        acknowledge(
            self.instance,
            "AwsSolutions-EC29",
            "The bastion holds nothing: replacing or terminating it loses no data.",
        )
        acknowledge(
            self.instance,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
            "AmazonSSMManagedInstanceCore]",
            "AWS's managed policy for SSM-managed instances, kept current by AWS.",
        )
