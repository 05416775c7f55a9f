"""One module per service stack; each stack deploys on its own."""

from cdk.stacks.campaigns import CampaignsStack
from cdk.stacks.communication import CommunicationStack
from cdk.stacks.service_stack import ServiceStack
from cdk.stacks.user_messages import UserMessagesStack

STACKS: tuple[type[ServiceStack], ...] = (CampaignsStack, CommunicationStack, UserMessagesStack)

__all__ = ["STACKS", "CampaignsStack", "CommunicationStack", "ServiceStack", "UserMessagesStack"]
