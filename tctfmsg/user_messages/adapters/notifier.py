"""Notifier through the communication service's door: an `unread_messages` notification per
offline member and conversation, sent by invoking the notification API directly (asynchronous
invoke; the API checks and queues it like any other notification). The chat service never
imports the communication service: the invoke payload is that API's published request shape.

The idempotency key names the user, the conversation and the unread count, so a retried invoke
(Lambda retries asynchronous invokes) queues the same notification, while a later notice with
more unread messages is a new one."""

from __future__ import annotations

from typing import Protocol

NOTIFICATION_API = "notification_api"


class Invoker(Protocol):
    def invoke_async(self, function: str, payload: dict[str, object]) -> None: ...


class NotificationApiNotifier:
    def __init__(self, invoker: Invoker, inbox_url: str) -> None:
        self.invoker = invoker
        self.inbox_url = inbox_url

    def notify_unread(self, user_id: str, conversation_id: str, count: int) -> None:
        self.invoker.invoke_async(
            NOTIFICATION_API,
            {
                "type": "unread_messages",
                "user_id": user_id,
                "data": {
                    "unread_count": count,
                    "inbox_url": f"{self.inbox_url}?conversation={conversation_id}",
                },
                "idempotency_key": f"unread:{user_id}:{conversation_id}:{count}",
            },
        )
