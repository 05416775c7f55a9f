"""A public API Gateway HTTP API for a service's functions with `http_routes` (the unsubscribe
page, provider webhooks): one Lambda proxy integration (payload 2.0) per function, routes as the
spec declares them, on the `$default` stage, throttled and access-logged (docs/decisions/0078).

No authorizer: who may call is decided by what the function verifies (a sealed unsubscribe
token, a provider's webhook signature), as a provider or a mail client cannot sign with IAM.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk.components.access_logs import JsonAccessLogs
from cdk.components.nag import acknowledge

# A link clicked, a one-click POST from a mailbox provider, a provider's webhook burst.
RATE_LIMIT = 200
BURST_LIMIT = 400
# One line per request: which route, how it ended. No query strings (they hold tokens), no bodies.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "requestTimeEpoch": "$context.requestTimeEpoch",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "responseLength": "$context.responseLength",
    "integrationLatency": "$context.integrationLatency",
    "error": "$context.error.message",
    "integrationError": "$context.integrationErrorMessage",
}


class PublicHttpApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        routes: Mapping[str, lambda_.IFunction],
        description: str = "",
        rate_limit: float = RATE_LIMIT,
        burst_limit: int = BURST_LIMIT,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
    ) -> None:
        super().__init__(scope, construct_id)
        self.api = apigwv2.HttpApi(
            self, "Api", api_name=name, description=description or None, create_default_stage=False
        )
        integration_of: dict[str, integrations.HttpLambdaIntegration] = {}
        self.routes: dict[str, apigwv2.HttpRoute] = {}
        for route_key, handler in routes.items():
            method, path = route_key.split(" ", 1)
            # by the function's full path: every spec function's construct id is "Function"
            node = re.sub(r"[^A-Za-z0-9]", "", handler.node.path)
            integration = integration_of.get(node)
            if integration is None:
                integration = integration_of[node] = integrations.HttpLambdaIntegration(
                    f"{node}Integration", handler
                )
            (self.routes[route_key],) = self.api.add_routes(
                path=path, methods=[apigwv2.HttpMethod(method)], integration=integration
            )
        self.access_logs = logs.LogGroup(self, "AccessLogs", retention=log_retention)
        self.stage = apigwv2.HttpStage(
            self,
            "Stage",
            http_api=self.api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(rate_limit=rate_limit, burst_limit=burst_limit),
            access_log_settings=JsonAccessLogs(self.access_logs, ACCESS_LOG_FIELDS),
        )
        for route in self.routes.values():
            acknowledge(
                route,
                "AwsSolutions-APIG4",
                "A public route by design: mail clients and email providers cannot sign with "
                "IAM or hold a token; the function verifies a sealed unsubscribe token or the "
                "provider's webhook signature before it changes anything (decision 0078).",
            )

    @property
    def url(self) -> str:
        """https://{api}.execute-api.{region}.amazonaws.com (the $default stage has no path)."""
        return self.api.api_endpoint
