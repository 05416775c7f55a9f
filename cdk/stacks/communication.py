"""Transactional notifications. No resources in the spec yet; the stack still deploys alone."""

from __future__ import annotations

from cdk.stacks.service_stack import ServiceStack


class CommunicationStack(ServiceStack):
    service = "communication"
