"""The SSM bastion: how an operator reaches the database from a laptop, with no SSH."""

from __future__ import annotations

import jsii
from aws_cdk import aws_ec2 as ec2
from constructs import Construct

from infra.nag import acknowledge

AMI_PARAMETER = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"


@jsii.implements(ec2.IMachineImage)
class LatestAmazonLinux:
    """Amazon Linux 2023 arm64, read from AWS's public parameter by a dynamic reference.

    CloudFormation resolves it when it creates (or changes) the instance: no lookup at
    synth, and unlike a parameter-typed AMI, which is read again on every deploy, a newer
    AMI does not replace (and restart) a stopped bastion.
    """

    def get_image(self, scope: Construct) -> ec2.MachineImageConfig:
        """Return the AMI as a dynamic reference, for Linux."""
        return ec2.MachineImageConfig(
            image_id=f"{{{{resolve:ssm:{AMI_PARAMETER}}}}}",
            os_type=ec2.OperatingSystemType.LINUX,
            user_data=ec2.UserData.for_linux(),
        )


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
            machine_image=LatestAmazonLinux(),
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
