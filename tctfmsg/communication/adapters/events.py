"""StatusEvents on EventBridge: each final status of a notification, published for the calling
service to react to (source tctfmsg.communication, detail-type "Notification Status")."""

from __future__ import annotations

import json
from typing import Any

from tctfmsg.communication.domain.notification import Notification

SOURCE = "tctfmsg.communication"
DETAIL_TYPE = "Notification Status"


class EventBridgeStatusEvents:
    def __init__(self, bus: str, client: Any) -> None:
        self.bus = bus
        self.client = client

    def published(self, notification: Notification) -> None:
        detail = {
            "notification_id": notification.notification_id,
            "type": notification.type,
            "user_id": notification.user_id,
            "status": notification.status.value,
            "channel": notification.channel,
            "provider": notification.provider,
            "reason": notification.reason,
        }
        answer = self.client.put_events(
            Entries=[
                {
                    "Source": SOURCE,
                    "DetailType": DETAIL_TYPE,
                    "Detail": json.dumps(detail),
                    "EventBusName": self.bus,
                }
            ]
        )
        if answer.get("FailedEntryCount"):
            raise RuntimeError(f"EventBridge refused the event: {answer['Entries']}")


class NoStatusEvents:
    """Publishing switched off (settings.status_event_bus empty)."""

    def published(self, notification: Notification) -> None:
        pass
