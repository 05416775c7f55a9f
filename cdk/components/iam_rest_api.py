"""A REST API in front of one function: every method needs IAM (SigV4) authorisation.

Every path and method is proxied to the function (its Powertools resolver routes and validates);
API Gateway checks the caller's signature and `execute-api:Invoke` permission first, logs each
request to its own access log group, logs errors per method, and throttles the stage.

API Gateway writes execution logs through one role per account and region; the shared stack
sets it (cdk/components/api_gateway_logging.py), so no API here creates its own.
"""

from __future__ import annotations

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk.components.nag import acknowledge

STAGE_NAME = "v1"
# Operators and services, not the public: a steady 20 requests a second with bursts of 40.
RATE_LIMIT = 20
BURST_LIMIT = 40


class IamRestApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        handler: lambda_.IFunction,
        name: str,
        description: str = "",
        rate_limit: float = RATE_LIMIT,
        burst_limit: int = BURST_LIMIT,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = logs.LogGroup(self, "AccessLogs", retention=log_retention)
        self.api = apigw.LambdaRestApi(
            self,
            "Api",
            handler=handler,
            proxy=True,  # ANY on / and on /{proxy+}
            rest_api_name=name,
            description=description or None,
            endpoint_types=[apigw.EndpointType.REGIONAL],
            default_method_options=apigw.MethodOptions(
                authorization_type=apigw.AuthorizationType.IAM
            ),
            cloud_watch_role=False,  # the account's, set by the shared stack
            deploy_options=apigw.StageOptions(
                stage_name=STAGE_NAME,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,  # it would log request bodies: recipients' data
                metrics_enabled=True,
                throttling_rate_limit=rate_limit,
                throttling_burst_limit=burst_limit,
            ),
        )
        # The stack publishes the URL under the spec's output key; drop CDK's hashed duplicate.
        self.api.node.try_remove_child("Endpoint")
        self._acknowledge()

    @property
    def url(self) -> str:
        return self.api.url

    def _acknowledge(self) -> None:
        acknowledge(
            self.api,
            "AwsSolutions-COG4",
            "Callers are operators and services holding AWS credentials: every method "
            "requires IAM (SigV4) authorisation and execute-api:Invoke, there are no end-user "
            "tokens for a Cognito authoriser to check.",
        )
        acknowledge(
            self.api,
            "AwsSolutions-APIG2",
            "Every request is proxied to one function that checks each body (pydantic models "
            "in the campaign API, field by field in the notification API; sizes capped, no "
            "coercion, decision 0081) and answers 400 naming what is wrong; a request "
            "validator without models would check nothing more.",
        )
        acknowledge(
            self.api,
            "AwsSolutions-APIG3",
            "Only IAM-signed requests reach the function (others get 403 from API Gateway) "
            "and the stage is throttled; a WAF web ACL would add cost and no protection for "
            "an API whose every caller holds AWS credentials.",
        )
