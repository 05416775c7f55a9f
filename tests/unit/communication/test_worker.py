"""Delivering a notification: channel order, fallback, claims that make redelivery and crashes
harmless, quiet hours, and every attempt recorded."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tctfmsg.communication.domain.notification import (
    AttemptOutcome,
    NotificationRequest,
    NotificationStatus,
)
from tctfmsg.communication.domain.user import QuietHours
from tctfmsg.communication.services.accept import accept
from tctfmsg.communication.services.worker import Outcome, RetryLater, deliver
from tests.support.notification_world import CLAIM_FOR, Service

LOCKED = {"unlock_url": "https://app.example/unlock/1"}
MFA = {"code": "482913"}


def _accepted(service: Service, type_: str, data: dict[str, object], **kw: object) -> str:
    request = NotificationRequest(type_, "u-ada", data, **kw)  # type: ignore[arg-type]
    return accept(service.accept_deps, request).notification.notification_id


def _outcomes(service: Service, notification_id: str) -> dict[str, AttemptOutcome]:
    return {a.channel: a.outcome for a in service.ledger.attempts(notification_id)}


def test_a_notification_goes_by_its_default_channel_and_is_recorded_sent(
    service: Service,
) -> None:
    nid = _accepted(service, "mfa_code", MFA)

    assert deliver(service.worker_deps, nid, "t1") == Outcome.SENT

    done = service.notifications.get(nid)
    assert done is not None and done.status == NotificationStatus.SENT
    assert (done.channel, done.provider) == ("sms", "sms-provider")
    assert service.sent("sms") == ["+447700900123"] and service.sent("email") == []
    assert "482913" in service.channels["sms"].sent[0].text
    assert [e.status for e in service.events.events] == [NotificationStatus.SENT]


def test_every_email_provider_down_sends_account_locked_by_sms_with_both_attempts_recorded(
    service: Service,
) -> None:
    service.channels["email"].mode = "down"
    nid = _accepted(service, "account_locked", LOCKED)

    assert deliver(service.worker_deps, nid, "t1") == Outcome.SENT

    done = service.notifications.get(nid)
    assert done is not None and (done.status, done.channel) == (NotificationStatus.SENT, "sms")
    assert _outcomes(service, nid) == {
        "email": AttemptOutcome.UNAVAILABLE,
        "sms": AttemptOutcome.SENT,
    }


def test_an_mfa_code_is_never_rerouted_to_another_channel(service: Service) -> None:
    service.channels["sms"].mode = "down"
    nid = _accepted(service, "mfa_code", MFA)

    with pytest.raises(RetryLater):
        deliver(service.worker_deps, nid, "t1")

    assert service.sent("email") == []
    assert _outcomes(service, nid) == {"sms": AttemptOutcome.UNAVAILABLE}


def test_a_channel_down_comes_back_and_is_tried_again_first(service: Service) -> None:
    service.channels["sms"].mode = "down"
    nid = _accepted(service, "mfa_code", MFA)
    with pytest.raises(RetryLater):
        deliver(service.worker_deps, nid, "t1")

    service.channels["sms"].mode = "up"
    assert deliver(service.worker_deps, nid, "t2") == Outcome.SENT
    assert service.sent("sms") == ["+447700900123"]


def test_a_redelivered_message_is_not_sent_twice(service: Service) -> None:
    nid = _accepted(service, "mfa_code", MFA)
    deliver(service.worker_deps, nid, "t1")
    # the record says SENT; even with it rolled back, the ledger's claim stops a second send
    service.notifications.items[nid] = replace(
        service.notifications.items[nid], status=NotificationStatus.SENDING
    )

    assert deliver(service.worker_deps, nid, "t2") == Outcome.SENT
    assert service.sent("sms") == ["+447700900123"]


def test_a_worker_crash_after_the_send_before_the_ack_does_not_send_twice(
    service: Service,
) -> None:
    nid = _accepted(service, "mfa_code", MFA)
    service.channels["sms"].mode = "crash"
    with pytest.raises(SystemExit):
        deliver(service.worker_deps, nid, "t1")
    service.channels["sms"].mode = "up"

    # while the claim may still be live, the message waits
    with pytest.raises(RetryLater):
        deliver(service.worker_deps, nid, "t2")
    # once it has expired, the attempt is known uncertain: never sent again
    service.clock.advance(CLAIM_FOR.total_seconds() + 1)
    assert deliver(service.worker_deps, nid, "t3") == Outcome.FAILED

    assert service.sent("sms") == ["+447700900123"]
    done = service.notifications.get(nid)
    assert done is not None and "uncertain" in (done.reason or "")


def test_an_unregistered_push_token_is_removed_and_the_next_device_gets_it(
    service: Service,
) -> None:
    service.channels["push"].unregistered.add("device-token-aaaaaaaaaaaa")
    service.users.put(replace(service.users.items["u-ada"], email=None))
    nid = _accepted(service, "new_signin", _signin())

    assert deliver(service.worker_deps, nid, "t1") == Outcome.SENT

    assert service.users.items["u-ada"].push_tokens == ("device-token-bbbbbbbbbbbb",)
    assert service.sent("push") == ["device-token-bbbbbbbbbbbb"]


def test_quiet_hours_defer_a_non_critical_type(service: Service) -> None:
    service.clock.at = datetime(2030, 1, 1, 23, 30, tzinfo=UTC)  # 23:30 in London
    user = service.users.items["u-ada"]
    service.users.put(replace(user, quiet_hours=QuietHours.parse("22:00-07:00")))
    nid = _accepted(service, "unread_messages", {"unread_count": 3, "inbox_url": "https://i"})

    assert deliver(service.worker_deps, nid, "t1") == Outcome.DEFERRED

    deferred = service.notifications.get(nid)
    assert deferred is not None and deferred.status == NotificationStatus.DEFERRED
    assert deferred.not_before == datetime(2030, 1, 2, 7, 0, tzinfo=UTC)
    assert service.queue.sent[-1] == (nid, 900)  # the longest SQS delay; it comes back
    assert service.sent("email") == [] and service.sent("push") == []


def test_quiet_hours_never_delay_a_security_critical_type(service: Service) -> None:
    service.clock.at = datetime(2030, 1, 1, 23, 30, tzinfo=UTC)
    user = service.users.items["u-ada"]
    service.users.put(replace(user, quiet_hours=QuietHours.parse("22:00-07:00")))
    nid = _accepted(service, "mfa_code", MFA)

    assert deliver(service.worker_deps, nid, "t1") == Outcome.SENT


def test_an_opt_out_is_honoured_for_a_non_critical_type(service: Service) -> None:
    user = service.users.items["u-ada"]
    service.users.put(
        replace(user, preferences={"unread_messages": {"email": False, "push": False}})
    )
    nid = _accepted(service, "unread_messages", {"unread_count": 3, "inbox_url": "https://i"})

    assert deliver(service.worker_deps, nid, "t1") == Outcome.SKIPPED

    done = service.notifications.get(nid)
    assert done is not None and "opted out" in (done.reason or "")
    assert service.sent("email") == [] and service.sent("push") == []


def test_a_channel_that_cannot_reach_the_user_fails_over_where_allowed(service: Service) -> None:
    service.channels["email"].mode = "reject"
    nid = _accepted(service, "account_locked", LOCKED)

    assert deliver(service.worker_deps, nid, "t1") == Outcome.SENT
    assert _outcomes(service, nid)["email"] == AttemptOutcome.FAILED


def test_a_final_notification_is_acknowledged_without_sending(service: Service) -> None:
    nid = _accepted(service, "mfa_code", MFA)
    deliver(service.worker_deps, nid, "t1")

    assert deliver(service.worker_deps, nid, "t2") == Outcome.ALREADY_FINAL
    assert len(service.sent("sms")) == 1


def _signin() -> dict[str, object]:
    return {
        "device": "Firefox on Linux",
        "location": "Bristol",
        "signed_in_at": "09:00",
        "secure_url": "https://app.example/secure",
    }


def test_the_email_goes_out_in_the_users_language_and_falls_back_for_one_it_lacks(
    service: Service,
) -> None:
    service.users.put(replace(service.users.items["u-ada"], locale="de"))
    german = _accepted(service, "account_locked", LOCKED)
    assert deliver(service.worker_deps, german, "t1") == Outcome.SENT

    service.users.put(replace(service.users.items["u-ada"], locale="ja"))
    fallback = _accepted(service, "account_locked", {**LOCKED, "attempts": 9})
    assert deliver(service.worker_deps, fallback, "t2") == Outcome.SENT

    first, second = service.channels["email"].sent
    assert first.subject == "Ihr tctfmsg-Konto ist gesperrt" and 'lang="de"' in (first.html or "")
    assert second.subject == "Your tctfmsg account is locked"
