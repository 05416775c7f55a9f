"""Real-time chat: connections, conversations, members, messages, client-id claims, receipts,
pins and schedules, the signing key, and the connect, disconnect, default and scheduler
functions, all from the spec.

Beyond the spec (docs/decisions/0073): the WebSocket API, whose routes are the spec's
`websocket_routes`, on a throttled, access-logged stage named for the stage; `$connect` is
verified by its handler (no authorizer); the functions that push frames get the Management API's
URL and may POST to this API's connections only; the attachments bucket, which only the function
that presigns may read and write.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from cdk.components.alarms import add_websocket_alarms
from cdk.components.attachments_bucket import AttachmentsBucket, upload_origins
from cdk.components.function_settings import stage_setting
from cdk.components.nag import acknowledge
from cdk.components.spec_resources import publish_name
from cdk.components.websocket_api import LambdaWebSocketApi
from cdk.stacks.service_stack import ServiceStack
from tctfmsg.core import resources
from tctfmsg.core.errors import ConfigurationError
from tctfmsg.core.specs.user_messages import (
    ATTACHMENTS_BUCKET,
    MANAGEMENT_URL_OUTPUT,
    WEBSOCKET_API,
    WEBSOCKET_URL_OUTPUT,
)

# Functions that post frames to connections: every frame's answer, and scheduled messages.
PUSHERS = ("chat_default", "chat_scheduler")
# Functions that sign attachment URLs: `attach` uploads, downloads in message and sync frames.
PRESIGNERS = ("chat_default",)
MANAGEMENT_URL_SETTING = "websocket_management_url"


class UserMessagesStack(ServiceStack):
    service = "user_messages"

    def __init__(self, scope: Construct, *, stage: str, **kwargs: Any) -> None:
        super().__init__(scope, stage=stage, **kwargs)
        if stage_setting(self, MANAGEMENT_URL_SETTING):
            raise ConfigurationError(
                f"context `settings` cannot set {MANAGEMENT_URL_SETTING} for chat",
                "the stack sets it to its own WebSocket API's stage",
            )
        functions = self.functions.functions
        self.websocket = LambdaWebSocketApi(
            self,
            "WebSocket",
            name=resources.physical_name(stage, WEBSOCKET_API),
            description=f"tctfmsg chat, stage {stage}",
            routes={
                route: functions[logical].function
                for route, logical in websocket_routes(self.service).items()
            },
            stage_name=stage,
            **self.functions.config.limits(WEBSOCKET_API),
        )
        self._acknowledge_routes()
        add_websocket_alarms(self.alarms, self.websocket.api, stage)
        for logical in PUSHERS:
            self.websocket.grant_push(functions[logical].role)
            functions[logical].function.add_environment(
                f"TCTFMSG_{MANAGEMENT_URL_SETTING.upper()}", self.websocket.management_url
            )
        bucket_name = resources.physical_name(stage, ATTACHMENTS_BUCKET)
        self.attachments = AttachmentsBucket(
            self, "Attachments", bucket_name=bucket_name, origins=upload_origins(self)
        )
        for logical in PRESIGNERS:
            self.attachments.grant_presign(functions[logical].role)
        publish_name(self, ATTACHMENTS_BUCKET, bucket_name, "files attached to chat messages")
        self._url_output(WEBSOCKET_URL_OUTPUT, self.websocket.url, "what chat clients connect to")
        self._url_output(
            MANAGEMENT_URL_OUTPUT,
            self.websocket.management_url,
            "the Management API of the chat WebSocket stage (operators' `chat send`)",
        )

    def _acknowledge_routes(self) -> None:
        acknowledge(
            self.websocket.routes["$connect"],
            "AwsSolutions-APIG4",
            "The $connect handler verifies the signed connection token (HMAC, expiry) before "
            "it stores anything and answers 401 otherwise, which refuses the upgrade; an "
            "authorizer would only move that check (docs/decisions/0073).",
        )
        for route in set(self.websocket.routes) - {"$connect"}:
            acknowledge(
                self.websocket.routes[route],
                "AwsSolutions-APIG4",
                "API Gateway runs authorizers on $connect only; this route is reached only "
                "over a connection whose $connect was verified, and its handler acts as the "
                "user stored with that connection.",
            )

    def _url_output(self, key: str, value: str, description: str) -> None:
        output = cdk.CfnOutput(self, key, value=value, description=description)
        output.override_logical_id(key)


def websocket_routes(service: resources.Service) -> dict[str, str]:
    """Each WebSocket route key of the service's functions → the function that handles it."""
    routes: dict[str, str] = {}
    for spec in resources.FUNCTIONS:
        if spec.service != service:
            continue
        for route in spec.websocket_routes:
            if route in routes:
                raise KeyError(
                    f"WebSocket route {route} is handled by both {routes[route]} and {spec.logical}"
                )
            routes[route] = spec.logical
    return routes
