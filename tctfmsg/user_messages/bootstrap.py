"""The chat service's composition root: its stores, the connection gateway, the notifier and the
attachment store, built once per process on the shared client factory. Doors ask it for
`chat_deps`; services never import it. Tests build it on their own Clients."""

from __future__ import annotations

from functools import cached_property, lru_cache
from typing import Any, cast

from tctfmsg.core import clients as clients_module
from tctfmsg.core.clients import Clients
from tctfmsg.core.clock import SystemClock
from tctfmsg.core.errors import ConfigurationError
from tctfmsg.core.lazy import OnFirstUse
from tctfmsg.core.spec_types import physical_name
from tctfmsg.core.specs.user_messages import ATTACHMENTS_BUCKET, MANAGEMENT_URL_OUTPUT
from tctfmsg.user_messages.adapters.attachments import S3AttachmentStore
from tctfmsg.user_messages.adapters.connections import DynamoConnectionStore
from tctfmsg.user_messages.adapters.conversations import DynamoConversationStore
from tctfmsg.user_messages.adapters.gateway import ApiGatewayConnectionGateway
from tctfmsg.user_messages.adapters.marks import DynamoPinStore, DynamoReceiptStore
from tctfmsg.user_messages.adapters.messages import DynamoMessageStore
from tctfmsg.user_messages.adapters.notifier import NotificationApiNotifier
from tctfmsg.user_messages.adapters.schedules import DynamoScheduleStore
from tctfmsg.user_messages.ports import AttachmentStore, ConnectionGateway, Notifier
from tctfmsg.user_messages.services.deps import ChatDeps, ChatLimits

TOKEN_SECRET = "chat_signing_key"
TOKEN_KEY = "chat"  # its key in that secret


class UserMessagesRoot:
    def __init__(self, clients: Clients) -> None:
        self.clients = clients
        self.settings = clients.settings

    @cached_property
    def chat_deps(self) -> ChatDeps:
        names, dynamodb = self.clients.names, self.clients.client("dynamodb")
        return ChatDeps(
            connections=DynamoConnectionStore(names["chat_connections"], dynamodb),
            conversations=DynamoConversationStore(
                names["chat_conversations"], names["chat_members"], dynamodb
            ),
            messages=DynamoMessageStore(names["chat_messages"], names["chat_client_ids"], dynamodb),
            receipts=DynamoReceiptStore(names["chat_receipts"], dynamodb),
            pins=DynamoPinStore(names["chat_pins"], dynamodb),
            schedules=DynamoScheduleStore(names["chat_schedules"], dynamodb),
            # Built on first use: $connect and the operator's reads push and upload nothing.
            gateway=cast(ConnectionGateway, OnFirstUse(lambda: self.gateway)),
            notifier=cast(Notifier, OnFirstUse(lambda: self.notifier)),
            attachments=cast(AttachmentStore, OnFirstUse(lambda: self.attachments)),
            clock=SystemClock(),
            token_key=self.token_key,
            limits=ChatLimits(unread_notice_after_s=self.settings.chat_unread_notice_after_s),
        )

    @cached_property
    def gateway(self) -> ApiGatewayConnectionGateway:
        # set, or (for an operator's CLI on a deployed stage) read from the stack's outputs
        url = self.settings.websocket_management_url or self.clients.names.overrides.get(
            MANAGEMENT_URL_OUTPUT
        )
        if not url:
            raise ConfigurationError(
                "no WebSocket management URL",
                "set TCTFMSG_WEBSOCKET_MANAGEMENT_URL (the API's stage URL), or start the "
                "embedded stack with `tctfmsg local up`",
            )
        return ApiGatewayConnectionGateway(
            self.clients.build("apigatewaymanagementapi", read_timeout=5, endpoint_url=url)
        )

    @cached_property
    def notifier(self) -> NotificationApiNotifier:
        """Unread notices go through the communication service's API (its direct invoke);
        locally through the embedded runtime's copy of Lambda's Invoke API."""
        return NotificationApiNotifier(self.clients.invoker, self.settings.chat_inbox_url)

    @cached_property
    def attachments(self) -> S3AttachmentStore:
        s = self.settings
        bucket = self.clients.names.overrides.get(ATTACHMENTS_BUCKET) or physical_name(
            s.stage if s.target == "aws" else "local", ATTACHMENTS_BUCKET
        )
        s3 = self.clients.client("s3")
        if s.target == "local":  # the bucket is not in the provisioned spec: made on first use
            _ensure_bucket(s3, bucket)
        return S3AttachmentStore(bucket, s3)

    def token_key(self) -> bytes:
        """The HMAC key of connection tokens, from its secret (cached 5 minutes)."""
        name = self.clients.names[TOKEN_SECRET]
        value = self.clients.secrets.get(name, transform="json", max_age=300)
        key = value.get(TOKEN_KEY) if isinstance(value, dict) else None
        if not key:
            raise ConfigurationError(
                f"secret {name} has no {TOKEN_KEY!r} key", "set it to a long random string"
            )
        return str(key).encode()


def _ensure_bucket(s3: Any, bucket: str) -> None:
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        s3.create_bucket(Bucket=bucket)


@lru_cache(maxsize=1)
def default() -> UserMessagesRoot:
    """The process-wide root for the chat service's Lambda handlers."""
    return UserMessagesRoot(clients_module.default())
