"""The names of the metrics the functions emit and the alarms and dashboard watch: here, where
the CDK app reads them without importing any service (so a change to one service's code
redeploys only its own stack), and where the emitters take them from."""

from __future__ import annotations

CAMPAIGN_AUTO_PAUSED = "CampaignAutoPaused"
# sending campaigns with recipients left and no progress (Campaign.stalled), counted each minute
CAMPAIGNS_STALLED = "CampaignsStalled"
NOTIFICATION_LATENCY = "NotificationLatency"  # ms, from due to sent
EMAIL_PROVIDERS: tuple[str, ...] = ("ses", "resend", "sendgrid")  # in failover order
DELIVERY_OUTCOMES: tuple[str, ...] = ("sent", "failed", "skipped")  # Delivery-{outcome}


def breaker_opened_metric(provider: str) -> str:
    return f"BreakerOpened-{provider}"


# Per provider, under a `Provider` dimension (docs/decisions/0092): what each provider accepted
# from a sending function (dimensions service and Provider), and each kind of event a provider
# reported back (from provider_event_consumer: service campaigns), e.g. EmailEvent-bounced.
PROVIDER_DIMENSION = "Provider"
EMAIL_SENT = "EmailSent"
PROVIDER_EVENTS_SERVICE = "campaigns"  # the service whose consumer counts provider events


def email_event_metric(kind: str) -> str:
    return f"EmailEvent-{kind}"
