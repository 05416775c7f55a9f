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
