"""Real-time chat. The spec gives it no resources yet; the stack still deploys alone."""

from __future__ import annotations

from cdk.stacks.service_stack import ServiceStack


class UserMessagesStack(ServiceStack):
    service = "user_messages"
