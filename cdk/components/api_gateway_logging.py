"""API Gateway's account-wide logging role, set once per stage in the shared stack.

API Gateway writes every REST API's execution logs through one role per account and region
(`AWS::ApiGateway::Account`); a stage with logging on fails to deploy until it is set. It belongs
to no service: set by one service stack, it would make every other service's API depend on that
stack, and set by each, the last deploy would win (docs/decisions/0071). Both the role and the
setting are retained, as CDK retains them, so deleting a stack never breaks another's logging.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk.components.nag import acknowledge

PUSH_TO_CLOUDWATCH_LOGS = "service-role/AmazonAPIGatewayPushToCloudWatchLogs"


class ApiGatewayLogging(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name(PUSH_TO_CLOUDWATCH_LOGS)
            ],
        )
        self.role.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        account = apigw.CfnAccount(self, "Account", cloud_watch_role_arn=self.role.role_arn)
        account.apply_removal_policy(cdk.RemovalPolicy.RETAIN)
        acknowledge(
            self.role,
            f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{PUSH_TO_CLOUDWATCH_LOGS}]",
            "API Gateway's account-wide logging role: AWS's managed policy for it lets API "
            "Gateway write the execution log groups it names itself, per API and stage.",
        )
