"""The communication service's resources: users and their preferences, the notification record
(which is also its idempotency record), the per-channel attempt ledger, the per-recipient SMS
rate windows, its own queue and dead-letter queue (never the campaign queue), and its functions."""

from __future__ import annotations

from tctfmsg.core.spec_types import (
    FunctionSpec,
    Index,
    Key,
    QueueSource,
    QueueSpec,
    SecretSpec,
    TableSpec,
)

# The `source` of the status-change events the worker publishes on EventBridge (on the bus
# `settings.status_event_bus` names); its role may publish with no other source.
STATUS_EVENT_SOURCE = "tctfmsg.communication"

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "users",
        "communication",
        Key("user_id"),
        purpose="one item per user: addresses, push tokens, locale, timezone, preferences",
    ),
    TableSpec(
        "notifications",
        "communication",
        Key("notification_id"),
        indexes=(
            Index("by_user", Key("user_id"), Key("created_at")),
            Index("by_status", Key("status"), Key("created_at")),
        ),
        ttl_attribute="expires_at",
        purpose="one record per notification: its request, status and outcome; keyed by the "
        "idempotency key when the caller gave one, so a repeat finds it (kept 30 days)",
    ),
    TableSpec(
        "notification_attempts",
        "communication",
        Key("notification_id"),
        Key("channel"),
        ttl_attribute="expires_at",
        purpose="the attempt ledger: one claim per notification and channel, so a channel is "
        "sent at most once under redelivery and crashes",
    ),
    TableSpec(
        "rate_windows",
        "communication",
        Key("window"),
        ttl_attribute="expires_at",
        purpose="per-recipient send counters by time window (SMS pumping protection)",
    ),
)

QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec(
        "notification_dlq",
        "communication",
        visibility_timeout_s=360,  # 6x its monitor's timeout, as for every event source (0087)
        retention_s=14 * 24 * 3600,
        purpose="notification messages that failed every retry",
    ),
    QueueSpec(
        "notification_queue",
        "communication",
        visibility_timeout_s=360,
        dead_letter="notification_dlq",
        max_receives=5,
        purpose="one message per accepted notification",
    ),
    QueueSpec(
        "notification_failed_invokes",
        "communication",
        retention_s=14 * 24 * 3600,
        purpose="asynchronous invokes of the notification API (chat's unread notices) that "
        "failed every retry",
    ),
)

SECRETS: tuple[SecretSpec, ...] = (
    SecretSpec(
        "messaging_keys",
        "communication",
        purpose="credentials of the non-email channels: the WhatsApp Cloud API token, the FCM "
        "project and access token",
        local_value={
            "whatsapp_token": "wa_local_token",
            "whatsapp_phone_number_id": "100000000000001",
            "fcm_project": "tctfmsg-local",
            "fcm_token": "fcm_local_token",
        },
    ),
)

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "notification_api",
        "communication",
        "lambdas.communication.api:handler",
        timeout_s=29,  # API Gateway's integration timeout
        api=True,
        purpose="accepts notifications (REST and direct invoke), manages users and preferences",
        # config: the registry's template versions; attempts: a notification is shown with them
        tables_read=("config", "notification_attempts"),
        tables_write=("users", "notifications"),
        queues_send=("notification_queue",),
        on_failure="notification_failed_invokes",  # chat invokes it asynchronously
    ),
    FunctionSpec(
        "notification_worker",
        "communication",
        "lambdas.communication.worker:handler",
        timeout_s=60,  # a sixth of the notifications queue's visibility timeout
        queue_source=QueueSource("notification_queue", batch_size=5, max_concurrency=2),
        purpose="delivers each notification over its channels in order, at most once per channel",
        tables_write=("users", "notifications", "notification_attempts", "rate_windows"),
        queues_send=("notification_queue",),  # quiet hours: queued again with a delay
        secrets=("messaging_keys",),
        send_class="transactional",
    ),
    FunctionSpec(
        "notification_dlq_monitor",
        "communication",
        "lambdas.communication.dlq_monitor:handler",
        timeout_s=60,
        queue_source=QueueSource("notification_dlq", batch_size=10, max_concurrency=1),
        purpose="marks every dead-lettered notification failed with its reason",
        tables_write=("notifications",),
    ),
)
