"""The chat service's Notifier speaks the notification API's direct-invoke shape: what it sends
is accepted as an unread_messages notification, once per conversation and unread count."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from lambdas.communication import api
from tctfmsg.communication import bootstrap
from tctfmsg.user_messages.adapters.notifier import NotificationApiNotifier
from tests.support.notification_world import Service, world
from tests.unit.communication_api.test_notification_handlers import Context


class DirectInvoker:
    """Lambda's asynchronous invoke, run at once against the API handler."""

    def __init__(self) -> None:
        self.answers: list[dict[str, Any]] = []

    def invoke_async(self, function: str, payload: dict[str, object]) -> None:
        assert function == "notification_api"
        self.answers.append(api.handler(payload, Context()))  # type: ignore[arg-type]


@pytest.fixture(name="svc")
def _svc(monkeypatch: pytest.MonkeyPatch) -> Service:
    service = world()
    root = SimpleNamespace(accept_deps=service.accept_deps)
    monkeypatch.setattr(bootstrap, "default", lambda: root)
    return service


def test_an_unread_notice_is_queued_as_an_unread_messages_notification(svc: Service) -> None:
    invoker = DirectInvoker()
    notifier = NotificationApiNotifier(invoker, "https://app.example/messages")

    notifier.notify_unread("u-ada", "conv-1", 3)
    notifier.notify_unread("u-ada", "conv-1", 3)  # Lambda retried the invoke
    notifier.notify_unread("u-ada", "conv-1", 5)  # the next window, more unread

    assert [a["status_code"] for a in invoker.answers] == [202, 200, 202]
    (first, later) = sorted(svc.notifications.items.values(), key=lambda n: n.data["unread_count"])
    assert first.type == "unread_messages" and first.user_id == "u-ada"
    assert first.data == {
        "unread_count": 3,
        "inbox_url": "https://app.example/messages?conversation=conv-1",
    }
    assert later.data["unread_count"] == 5
