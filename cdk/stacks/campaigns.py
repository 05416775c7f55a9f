"""Bulk email campaigns: subscribers, lists, campaigns, the delivery ledger and its queues."""

from __future__ import annotations

from typing import Any

from constructs import Construct

from cdk.components.email_events import subscribe_to_email_events
from cdk.stacks.service_stack import ServiceStack


class CampaignsStack(ServiceStack):
    service = "campaigns"

    def __init__(self, scope: Construct, *, stage: str, **kwargs: Any) -> None:
        super().__init__(scope, stage=stage, **kwargs)
        # SES's bounces, complaints and deliveries come in on the provider_events queue
        subscribe_to_email_events(self, stage, self.resources.queues["provider_events"])
