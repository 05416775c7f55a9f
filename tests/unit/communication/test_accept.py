"""Accepting a notification: refused before queueing when it cannot be sent, recorded once per
idempotency key, queued on the service's own queue."""

from __future__ import annotations

import pytest

from tctfmsg.communication.domain.notification import NotificationRequest, NotificationStatus
from tctfmsg.communication.services.accept import accept, request_from
from tctfmsg.core.errors import Conflict, InvalidInput, NotFound
from tests.support.notification_world import Service

RESET = {"reset_url": "https://app.example/reset/abc"}


def test_accepted_request_is_recorded_queued_and_put_on_the_queue(service: Service) -> None:
    accepted = accept(service.accept_deps, NotificationRequest("password_reset", "u-ada", RESET))

    assert accepted.notification.status == NotificationStatus.QUEUED
    assert service.queue.sent == [(accepted.notification.notification_id, 0)]
    assert service.notifications.get(accepted.notification.notification_id) is not None


def test_same_idempotency_key_and_payload_returns_the_same_notification_and_queues_nothing_new(
    service: Service,
) -> None:
    request = NotificationRequest("password_reset", "u-ada", RESET, idempotency_key="k-1")
    first = accept(service.accept_deps, request)
    service.notifications.update(
        first.notification.notification_id, NotificationStatus.SENT, service.clock.now()
    )

    again = accept(service.accept_deps, request)

    assert again.repeated
    assert again.notification.notification_id == first.notification.notification_id
    assert len(service.queue.sent) == 1


def test_same_idempotency_key_with_a_different_payload_is_a_conflict(service: Service) -> None:
    accept(
        service.accept_deps,
        NotificationRequest("password_reset", "u-ada", RESET, idempotency_key="k-2"),
    )
    other = NotificationRequest(
        "password_reset", "u-ada", {"reset_url": "https://evil.example"}, idempotency_key="k-2"
    )

    with pytest.raises(Conflict, match="different request"):
        accept(service.accept_deps, other)
    assert len(service.queue.sent) == 1


def test_a_missing_required_variable_is_refused_by_name_before_queueing(service: Service) -> None:
    with pytest.raises(InvalidInput, match="reset_url"):
        accept(service.accept_deps, NotificationRequest("password_reset", "u-ada", {}))

    assert service.queue.sent == [] and service.notifications.items == {}


def test_an_unknown_type_is_refused(service: Service) -> None:
    with pytest.raises(NotFound, match="no notification type 'pasword_reset'"):
        accept(service.accept_deps, NotificationRequest("pasword_reset", "u-ada", RESET))
    assert service.queue.sent == []


def test_a_campaign_type_is_not_a_notification(service: Service) -> None:
    with pytest.raises(InvalidInput, match="campaign template"):
        accept(service.accept_deps, NotificationRequest("newsletter", "u-ada", {}))


def test_a_user_with_no_usable_address_is_refused(service: Service) -> None:
    with pytest.raises(InvalidInput, match="has no address for password_reset"):
        accept(service.accept_deps, NotificationRequest("password_reset", "u-nobody", RESET))
    assert service.queue.sent == []


def test_an_inline_address_reaches_a_user_not_stored(service: Service) -> None:
    request = request_from(
        {"type": "password_reset", "user_id": "u-new", "data": RESET, "email": "new@example.com"}
    )

    accepted = accept(service.accept_deps, request)

    assert accepted.notification.recipient.email == "new@example.com"


def test_a_notification_the_queue_refused_is_marked_failed_not_left_queued(
    service: Service,
) -> None:
    service.queue.refuse = True

    with pytest.raises(ConnectionError):
        accept(service.accept_deps, NotificationRequest("password_reset", "u-ada", RESET))

    (stored,) = service.notifications.items.values()
    assert stored.status == NotificationStatus.FAILED and "not queued" in (stored.reason or "")


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ([], "JSON object"),
        ({"type": "password_reset"}, "user_id is required"),
        ({"type": 1, "user_id": "u"}, "type must be text"),
        ({"type": "t", "user_id": "u", "data": {"a": {"nested": 1}}}, "must be text, a number"),
        ({"type": "t", "user_id": "u", "data": {"a": float("nan")}}, "finite"),
        ({"type": "t", "user_id": "u", "data": {"a": "x" * 3000}}, "3,000 characters"),
        ({"type": "t", "user_id": "u", "idempotency_key": "é"}, "idempotency_key"),
        ({"type": "t", "user_id": "u", "idempotency_key": "k" * 256}, "idempotency_key"),
        ({"type": "t", "user_id": "u", "extra": 1}, "unknown field"),
        ({"type": "t", "user_id": "u", "email": "not-an-address"}, "invalid email"),
        ({"type": "t", "user_id": "u", "phone": "07700 900123"}, "E.164"),
        ({"type": "t", "user_id": "bad id!"}, "invalid user id"),
    ],
)
def test_a_hostile_request_body_is_refused_in_one_line(body: object, complaint: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        request_from(body)
    assert complaint in refused.value.message + (refused.value.hint or "")
