"""The shared slice: the email backbone's state and the templates, deployed once per stage
and granted to every sending function of every service (docs/decisions/0063)."""

from __future__ import annotations

from tctfmsg.core.spec_types import SHARED, FunctionSpec, Key, QueueSpec, SecretSpec, TableSpec

TABLES: tuple[TableSpec, ...] = (
    TableSpec(
        "config",
        SHARED,
        Key("pk"),
        Key("sk"),
        purpose="runtime configuration of every service: provider settings, versioned templates",
    ),
    TableSpec(
        "breakers",
        SHARED,
        Key("name"),
        purpose="circuit breaker state shared by every sending Lambda instance of every service",
    ),
    TableSpec(
        "idempotency",
        SHARED,
        Key("id"),
        ttl_attribute="expiration",
        purpose="Powertools idempotency records of every service, keyed by function",
    ),
    TableSpec(
        "suppressions",
        SHARED,
        Key("email_key"),
        purpose="addresses no service sends to (bounced, complained, manual), and the count of "
        "each address's transient bounces in a row (docs/decisions/0077)",
    ),
)

# SES sends through this configuration set, which publishes its bounce, complaint, delivery,
# reject and send events to the topic of the same logical name; the campaigns' provider_events
# queue is subscribed to it (docs/decisions/0077).
EVENTS_CONFIGURATION_SET = "email_events"
EVENTS_TOPIC = "email_events"

QUEUES: tuple[QueueSpec, ...] = ()

SECRETS: tuple[SecretSpec, ...] = (
    SecretSpec(
        "provider_keys",
        SHARED,
        purpose="API keys of the email providers",
        local_value={"resend": "re_local_key", "sendgrid": "SG.local_key"},
    ),
    SecretSpec(
        "signing_keys",
        SHARED,
        purpose="HMAC keys: 'unsubscribe' signs unsubscribe links",
        generated=("unsubscribe",),
    ),
)

FUNCTIONS: tuple[FunctionSpec, ...] = ()
