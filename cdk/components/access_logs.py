"""API Gateway v2 access logs (HTTP and WebSocket APIs): one JSON line a request, with the
fields the API names, into its log group."""

from __future__ import annotations

import json
from collections.abc import Mapping

import jsii
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_logs as logs


@jsii.implements(apigwv2.IAccessLogSettings)
class JsonAccessLogs:
    def __init__(self, group: logs.ILogGroup, fields: Mapping[str, str]) -> None:
        self._group = group
        self._fields = dict(fields)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return apigwv2.LogGroupLogDestination(self._group)

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(json.dumps(self._fields))
