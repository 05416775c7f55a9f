"""The communication service's composition root: its stores, queue, channels and use-case
dependencies, built once per process on the shared client factory, the templates and the email
backbone. Doors ask it for what they need; services never import it."""

from __future__ import annotations

from functools import cached_property, lru_cache

from tctfmsg.communication.adapters.users import DynamoUserStore
from tctfmsg.core import clients as clients_module
from tctfmsg.core.clients import Clients
from tctfmsg.email.bootstrap import EmailRoot
from tctfmsg.rendering.bootstrap import TemplateRoot

SENDING_FUNCTION = "notification_worker"  # the one function of this service that sends


class CommunicationRoot:
    def __init__(
        self,
        clients: Clients,
        templates: TemplateRoot | None = None,
        email: EmailRoot | None = None,
    ) -> None:
        self.clients = clients
        self.settings = clients.settings
        self.templates = templates or TemplateRoot(clients)
        # Its sends are the worker's, paced to the transactional share of the rate budget.
        self.email = email or EmailRoot(clients, sends_as=SENDING_FUNCTION)

    @cached_property
    def users(self) -> DynamoUserStore:
        return DynamoUserStore(self.clients.names["users"], self.clients.client("dynamodb"))


@lru_cache(maxsize=1)
def default() -> CommunicationRoot:
    """The process-wide root for the communication service's Lambda handlers."""
    return CommunicationRoot(clients_module.default())
