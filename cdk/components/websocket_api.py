"""An API Gateway WebSocket API whose routes each invoke one Lambda function, on one throttled,
access-logged stage, and the one grant a function needs to push frames to its connections.

Frames are routed by their `action` (`$request.body.action`); a frame whose action has no route
of its own goes to `$default`. Routes are one-way: a handler answers through the Management API,
never with a route response (docs/decisions/0069). API Gateway runs authorizers on `$connect`
only; whether one is used there is the stack's decision (0073), not this construct's.

Access and execution logs go through the account's API Gateway logging role, which the shared
stack sets (cdk/components/api_gateway_logging.py).
"""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk.components.access_logs import JsonAccessLogs
from cdk.components.nag import acknowledge

ROUTE_SELECTION = "$request.body.action"
# What one stage takes in frames and connects a second, across all its connections: enough for
# thousands of open sockets chatting (API Gateway's account default is 10,000 a second).
RATE_LIMIT = 1000
BURST_LIMIT = 2000
# One line per connect, frame and disconnect: who, which route, how it ended. No bodies.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "connectionId": "$context.connectionId",
    "eventType": "$context.eventType",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "requestTimeEpoch": "$context.requestTimeEpoch",
    "ip": "$context.identity.sourceIp",
    "integrationLatency": "$context.integrationLatency",
    "error": "$context.error.message",
    "integrationError": "$context.integration.error",
}


class LambdaWebSocketApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        routes: Mapping[str, lambda_.IFunction],
        stage_name: str,
        description: str = "",
        rate_limit: float = RATE_LIMIT,
        burst_limit: int = BURST_LIMIT,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
    ) -> None:
        super().__init__(scope, construct_id)
        if "$connect" not in routes:
            raise KeyError(f"WebSocket API {name} has no $connect route")
        self.api = apigwv2.WebSocketApi(
            self,
            "Api",
            api_name=name,
            description=description or None,
            route_selection_expression=ROUTE_SELECTION,
        )
        self.routes: dict[str, apigwv2.WebSocketRoute] = {}
        for route_key, handler in routes.items():
            self.routes[route_key] = self.api.add_route(
                route_key,
                integration=integrations.WebSocketLambdaIntegration(
                    f"{_id(route_key)}Integration", handler
                ),
            )
        self.access_logs = logs.LogGroup(self, "AccessLogs", retention=log_retention)
        self.stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name=stage_name,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=rate_limit, burst_limit=burst_limit),
            access_log_settings=JsonAccessLogs(self.access_logs, ACCESS_LOG_FIELDS),
            detailed_metrics_enabled=True,
        )
        stage = self.stage.node.default_child
        assert isinstance(stage, apigwv2.CfnStage)
        # Errors only: INFO and data tracing would log frames, which are people's messages.
        stage.add_property_override("DefaultRouteSettings.LoggingLevel", "ERROR")
        stage.add_property_override("DefaultRouteSettings.DataTraceEnabled", False)

    @property
    def url(self) -> str:
        """wss://{api}.execute-api.{region}.amazonaws.com/{stage}, what clients connect to."""
        return self.stage.url

    @property
    def management_url(self) -> str:
        """https://{api}.execute-api.{region}.amazonaws.com/{stage}, the Management API's."""
        return self.stage.callback_url

    def grant_push(self, role: iam.IRole) -> None:
        """execute-api:ManageConnections to POST frames to this stage's connections, nothing
        else: not another API's or stage's, and not GET or DELETE of a connection."""
        arn = cdk.Stack.of(self).format_arn(
            service="execute-api",
            resource=self.api.api_id,
            resource_name=f"{self.stage.stage_name}/POST/@connections/*",
        )
        role.add_to_principal_policy(
            iam.PolicyStatement(actions=["execute-api:ManageConnections"], resources=[arn])
        )
        api_id = cdk.Stack.of(self).get_logical_id(self.api.node.default_child)  # type: ignore[arg-type]
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:"
            f"<AWS::AccountId>:<{api_id}>/{self.stage.stage_name}/POST/@connections/*]",
            "Connection ids are minted by API Gateway for each socket at run time; the "
            "wildcard stays within this API's one stage and allows only POST to a connection.",
        )


def _id(route_key: str) -> str:
    return route_key.lstrip("$").capitalize() or "Route"
