"""The embedded stack's messaging channels as one component: End User Messaging SMS, the
WhatsApp Cloud API and FCM, each on its own port, with the local credentials of the
`messaging_keys` secret. `local status` lists them as sms, whatsapp and push."""

from __future__ import annotations

import logging

from tctfmsg.core import resources
from tctfmsg.local.components import StackContext
from tctfmsg.local.providers.base import ProviderEndpoint
from tctfmsg.local.providers.fcm import FcmEndpoint
from tctfmsg.local.providers.sms import SmsEndpoint
from tctfmsg.local.providers.whatsapp import WhatsAppEndpoint

log = logging.getLogger("tctfmsg.local.providers")


class MessagingProvidersComponent:
    name = "messaging-providers"

    def __init__(self) -> None:
        self.endpoints: dict[str, ProviderEndpoint] = {}

    def start(self, context: StackContext) -> dict[str, str]:
        keys = resources.secret("messaging_keys").local_value
        self.endpoints = {
            "sms": SmsEndpoint(),
            "whatsapp": WhatsAppEndpoint(keys["whatsapp_token"], keys["whatsapp_phone_number_id"]),
            "push": FcmEndpoint(keys["fcm_token"], keys["fcm_project"]),
        }
        urls = {n: e.start(context.port(n), context.home) for n, e in self.endpoints.items()}
        log.info("messaging providers at %s", urls)
        return urls

    def stop(self) -> None:
        for endpoint in self.endpoints.values():
            endpoint.stop()

    def alive(self) -> bool:
        return all(endpoint.alive() for endpoint in self.endpoints.values())
