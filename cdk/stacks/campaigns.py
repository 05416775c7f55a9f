"""Bulk email campaigns: subscribers, lists, campaigns, the delivery ledger and its queues."""

from __future__ import annotations

from cdk.stacks.service_stack import ServiceStack


class CampaignsStack(ServiceStack):
    service = "campaigns"
