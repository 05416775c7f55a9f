"""The campaigns service's resources: subscribers, lists, campaigns, the delivery ledger and
its queues, and the functions that work them."""

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

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "subscribers",
        "campaigns",
        Key("email_key"),
        purpose="one item per subscriber, keyed by the case-folded address",
    ),
    TableSpec(
        "list_members",
        "campaigns",
        Key("list"),
        Key("email_key"),
        purpose="list membership; a campaign pages its audience from here by cursor",
    ),
    TableSpec(
        "campaigns",
        "campaigns",
        Key("campaign_id"),
        indexes=(Index("by_status", Key("status"), Key("send_at")),),
        purpose="campaign definitions, lifecycle state, cursor and counters",
    ),
    TableSpec(
        "deliveries",
        "campaigns",
        Key("campaign_id"),
        Key("email_key"),
        # Sparse: open_status exists only while a delivery is pending or sending, so "what is
        # left" (resume, cancel, completion) reads only what is left (docs/decisions/0041).
        indexes=(Index("by_open", Key("campaign_id"), Key("open_status")),),
        purpose="the delivery ledger: one record per campaign recipient",
    ),
    TableSpec(
        "failed_messages",
        "campaigns",
        Key("failure_id"),
        indexes=(Index("by_campaign", Key("campaign_id"), Key("failed_at")),),
        purpose="messages the dead-letter queue received, kept until retried or resolved",
    ),
)

QUEUES: tuple[QueueSpec, ...] = (
    QueueSpec(
        "delivery_dlq",
        "campaigns",
        visibility_timeout_s=360,  # 6x its monitor's timeout, as for every event source (0087)
        retention_s=14 * 24 * 3600,
        purpose="campaign messages that failed every retry",
    ),
    QueueSpec(
        "delivery",
        "campaigns",
        visibility_timeout_s=720,
        dead_letter="delivery_dlq",
        max_receives=5,
        purpose="one message per campaign recipient",
    ),
    QueueSpec(
        "provider_events_dlq",
        "campaigns",
        retention_s=14 * 24 * 3600,
        purpose="provider events that could not be applied after every retry",
    ),
    QueueSpec(
        "provider_events",
        "campaigns",
        visibility_timeout_s=300,
        dead_letter="provider_events_dlq",
        max_receives=5,
        purpose="bounces, complaints, deliveries and sends from every provider: SES's through "
        "its SNS topic, Resend's and SendGrid's from the verified webhooks (decision 0077)",
    ),
    QueueSpec(
        "campaign_failed_invokes",
        "campaigns",
        retention_s=14 * 24 * 3600,
        purpose="scheduler runs (every minute, send-now, hand-ons) that failed every retry",
    ),
)


def _local_webhook_keys() -> dict[str, str]:
    """What the providers would give us, made up for the embedded stack: Resend's whsec_
    secret, and a P-256 key pair whose public half SendGrid would show; the private half
    signs the local SendGrid endpoint's webhooks and exists only locally."""
    import base64
    import secrets

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return {
        "resend": "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(),
        "sendgrid": base64.b64encode(public).decode(),
        "sendgrid_local_signing": base64.b64encode(private).decode(),
    }


SECRETS: tuple[SecretSpec, ...] = (
    SecretSpec(
        "webhook_keys",
        "campaigns",
        purpose="what verifies provider webhooks: 'resend' (Svix whsec_ secret), 'sendgrid' "
        "(the Event Webhook's ECDSA verification key)",
        generate=_local_webhook_keys,
    ),
)

FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "campaign_scheduler",
        "campaigns",
        "lambdas.campaigns.scheduler:handler",
        timeout_s=900,
        schedule_minutes=1,
        purpose="starts due campaigns and fans their audience out to the delivery queue",
        tables_read=("subscribers", "list_members"),
        tables_write=("campaigns", "deliveries"),
        queues_send=("delivery",),
        invokes=("campaign_scheduler",),  # hands a long fan-out on to itself
        on_failure="campaign_failed_invokes",
    ),
    FunctionSpec(
        "campaign_consumer",
        "campaigns",
        "lambdas.campaigns.consumer:handler",
        timeout_s=120,  # a sixth of the delivery queue's visibility timeout
        queue_source=QueueSource("delivery", batch_size=10, max_concurrency=2),
        purpose="sends one campaign email per delivery message, at most once",
        tables_read=("subscribers", "config"),  # config: template versions (and SENDING's)
        tables_write=("campaigns", "deliveries", "failed_messages"),
        secrets=("signing_keys",),  # signs unsubscribe links
        send_class="campaign",
    ),
    FunctionSpec(
        "campaign_dlq_monitor",
        "campaigns",
        "lambdas.campaigns.dlq_monitor:handler",
        timeout_s=60,
        queue_source=QueueSource("delivery_dlq", batch_size=10, max_concurrency=1),
        purpose="records every dead delivery message as a failed-message item",
        tables_write=("campaigns", "deliveries", "failed_messages"),
    ),
    FunctionSpec(
        "provider_webhooks",
        "campaigns",
        "lambdas.campaigns.provider_webhooks:handler",
        timeout_s=10,
        http_routes=("POST /webhooks/resend", "POST /webhooks/sendgrid"),
        purpose="verifies Resend's and SendGrid's signed webhooks and queues their events",
        queues_send=("provider_events",),
        secrets=("webhook_keys",),
    ),
    FunctionSpec(
        "provider_event_consumer",  # not "provider_events": that names its queue
        "campaigns",
        "lambdas.campaigns.provider_events:handler",
        timeout_s=50,  # a sixth of the queue's visibility timeout
        queue_source=QueueSource("provider_events", batch_size=10, max_concurrency=2),
        purpose="applies bounces, complaints and deliveries: subscriber status, suppression "
        "list, interrupted deliveries settled, campaign reputation",
        tables_write=("subscribers", "suppressions", "campaigns", "deliveries", "failed_messages"),
    ),
    FunctionSpec(
        "campaign_api",
        "campaigns",
        "lambdas.campaigns.api:handler",
        timeout_s=29,  # API Gateway's integration timeout
        api=True,
        purpose="the campaign and dead-letter API for operators and services",
        # idempotency: POST /campaigns with an Idempotency-Key creates one campaign (0065)
        tables_write=("campaigns", "deliveries", "failed_messages", "idempotency"),
        queues_send=("delivery",),  # resume and retry queue deliveries again
        invokes=("campaign_scheduler",),  # send-now and resume start it at once
    ),
    FunctionSpec(
        "campaign_unsubscribe",
        "campaigns",
        "lambdas.campaigns.unsubscribe:handler",
        timeout_s=10,
        memory_mb=256,
        http_routes=("GET /unsubscribe", "POST /unsubscribe"),
        purpose="the unsubscribe page of signed links: GET confirms, POST unsubscribes (0078)",
        tables_write=("subscribers",),
        secrets=("signing_keys",),  # opens unsubscribe tokens
    ),
)
