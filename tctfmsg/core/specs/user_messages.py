"""The user-messages (chat) service's resources: connections, conversations and their members,
messages with their per-conversation sequence and client-id claims, read receipts, pins,
schedules (scheduled messages and unread notices), and the four WebSocket functions.

The attachments bucket is not in the spec's vocabulary (tables, queues, secrets, functions):
its logical name is declared here and its physical name derived like every other one
(docs/decisions/0069)."""

from __future__ import annotations

from tctfmsg.core.spec_types import FunctionSpec, Index, Key, QueueSpec, SecretSpec, TableSpec

ATTACHMENTS_BUCKET = "chat_attachments"
# The WebSocket API (in AWS only; locally the embedded gateway): named like a resource, and its
# stage's URL (wss://) and Management API URL (https://) published under these stack outputs.
WEBSOCKET_API = "chat_websocket"
WEBSOCKET_URL_OUTPUT = "ChatWebsocketUrl"
MANAGEMENT_URL_OUTPUT = "ChatWebsocketManagementUrl"
CONNECTION_MAX_AGE_S = 2 * 3600  # API Gateway's maximum connection duration

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "chat_connections",
        "user_messages",
        Key("connection_id"),
        indexes=(Index("by_user", Key("user_id"), Key("connected_at")),),
        ttl_attribute="expires_at",
        purpose="one item per open WebSocket with its user; routing finds a user's through by_user",
    ),
    TableSpec(
        "chat_conversations",
        "user_messages",
        Key("conversation_id"),
        purpose="one item per conversation: title, kind, and the last_seq counter",
    ),
    TableSpec(
        "chat_members",
        "user_messages",
        Key("user_id"),
        Key("conversation_id"),
        indexes=(Index("by_conversation", Key("conversation_id"), Key("user_id")),),
        purpose="membership: a user's conversations; by_conversation: a conversation's members",
    ),
    TableSpec(
        "chat_messages",
        "user_messages",
        Key("conversation_id"),
        Key("seq", "N"),
        purpose="messages per conversation in sequence order, with their search words",
    ),
    TableSpec(
        "chat_client_ids",
        "user_messages",
        Key("conversation_id"),
        Key("client_msg_id"),
        ttl_attribute="expires_at",
        purpose="one claim per client_msg_id, written with its message, so a resend stores nothing",
    ),
    TableSpec(
        "chat_receipts",
        "user_messages",
        Key("conversation_id"),
        Key("user_id"),
        purpose="how far each member has read (the highest seq)",
    ),
    TableSpec(
        "chat_pins",
        "user_messages",
        Key("conversation_id"),
        Key("message_id"),
        purpose="pinned messages per conversation",
    ),
    TableSpec(
        "chat_schedules",
        "user_messages",
        Key("schedule_id"),
        # Sparse: `pending` exists only until the schedule is done, so the scheduler reads
        # only what is still due.
        indexes=(Index("by_due", Key("pending"), Key("at")),),
        purpose="scheduled messages and unread-message notices, each due at a time",
    ),
)

QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec(
        "chat_failed_invokes",
        "user_messages",
        retention_s=14 * 24 * 3600,
        purpose="scheduled-message runs that failed every retry",
    ),
)

SECRETS: tuple[SecretSpec, ...] = (
    # Its own secret, not a second key in the shared signing_keys: Secrets Manager generates
    # one key per secret, and only $connect and the operator need this one (decision 0069).
    SecretSpec(
        "chat_signing_key",
        "user_messages",
        purpose="HMAC key: 'chat' signs chat connection tokens",
        generated=("chat",),
    ),
)

_EVERY_TABLE = tuple(t.logical for t in TABLES)

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "chat_connect",
        "user_messages",
        "lambdas.user_messages.connect:handler",
        timeout_s=10,
        websocket_routes=("$connect",),
        purpose="verifies the token and stores the connection with its user",
        tables_write=("chat_connections",),
        secrets=("chat_signing_key",),  # verifies connection tokens
    ),
    FunctionSpec(
        "chat_disconnect",
        "user_messages",
        "lambdas.user_messages.disconnect:handler",
        timeout_s=10,
        websocket_routes=("$disconnect",),
        purpose="forgets a closed connection",
        tables_write=("chat_connections",),
    ),
    FunctionSpec(
        "chat_default",
        "user_messages",
        "lambdas.user_messages.default:handler",
        timeout_s=29,
        websocket_routes=("$default",),
        purpose="every chat frame: send, sync, read, typing, pins, search, schedule, attach",
        tables_write=_EVERY_TABLE,  # a send adds to its conversation's counter
    ),
    FunctionSpec(
        "chat_scheduler",
        "user_messages",
        "lambdas.user_messages.scheduler:handler",
        timeout_s=60,
        schedule_minutes=1,
        purpose="delivers due scheduled messages and sends unread-message notices",
        tables_write=_EVERY_TABLE,
        invokes=("notification_api",),  # unread notices, through the communication service
        on_failure="chat_failed_invokes",
    ),
)
