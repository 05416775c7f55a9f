"""The shared stack, then one module per service stack; each service stack deploys on its own
once the shared one is there."""

from cdk.stacks.campaigns import CampaignsStack
from cdk.stacks.communication import CommunicationStack
from cdk.stacks.service_stack import ServiceStack
from cdk.stacks.shared import SharedStack
from cdk.stacks.user_messages import UserMessagesStack

STACKS: tuple[type[ServiceStack], ...] = (CampaignsStack, CommunicationStack, UserMessagesStack)

__all__ = [
    "STACKS",
    "CampaignsStack",
    "CommunicationStack",
    "ServiceStack",
    "SharedStack",
    "UserMessagesStack",
]
