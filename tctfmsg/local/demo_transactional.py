"""The demo's transactional path: a password reset and an MFA code sent while the newsletter
sends (each timed from accept to its final status), an account-locked alert delivered by SMS
while every email provider is down, and a repeated idempotency key that sends nothing new."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from tctfmsg.communication.bootstrap import CommunicationRoot
from tctfmsg.communication.domain.notification import Notification, NotificationRequest
from tctfmsg.communication.domain.user import User
from tctfmsg.communication.services import records
from tctfmsg.communication.services.accept import accept
from tctfmsg.communication.services.users import set_user
from tctfmsg.core.errors import TctfmsgError
from tctfmsg.email import admin as email_admin
from tctfmsg.email.message import PROVIDERS as EMAIL_PROVIDERS
from tctfmsg.local.providers import control

USER = User("demo-ada", email="ada@example.com", phone="+447700900123", timezone="Europe/London")
RESET = {"reset_url": "https://tctfmsg.example/reset?token=d3m0", "first_name": "Ada"}


@dataclass(frozen=True)
class Delivered:
    type: str
    notification_id: str
    status: str
    channel: str | None
    provider: str | None
    latency_ms: int
    attempts: list[str] = field(default_factory=list)  # "channel: outcome"


@dataclass
class TransactionalReport:
    during_campaign: list[Delivered] = field(default_factory=list)
    fallback: Delivered | None = None
    repeat_same_id: bool = False
    repeat_sent_nothing: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "during_campaign": [d.__dict__ for d in self.during_campaign],
            "fallback": self.fallback.__dict__ if self.fallback else None,
            "idempotent_repeat": {
                "same_notification": self.repeat_same_id,
                "nothing_new_sent": self.repeat_sent_nothing,
            },
        }


class TransactionalDemo:
    def __init__(self, root: CommunicationRoot, running: control.StackAccess) -> None:
        self.root = root
        self.running = running
        self.report = TransactionalReport()
        self.reset_key = f"demo-reset-{uuid.uuid4().hex[:12]}"
        set_user(
            root.users, USER.user_id, email=USER.email, phone=USER.phone, timezone=USER.timezone
        )

    def while_campaign_sends(self) -> list[Delivered]:
        """A password reset and an MFA code, timed while the newsletter is sending."""
        reset = self._send("password_reset", RESET, key=self.reset_key)
        mfa = self._send("mfa_code", {"code": "482913", "expires_in": "10 minutes"})
        self.report.during_campaign += [reset, mfa]
        return [reset, mfa]

    def with_email_down(self) -> Delivered:
        """Every email provider down: the account-locked alert goes by SMS instead."""
        try:
            for provider in EMAIL_PROVIDERS:
                control.set_fault(self.running, provider, "down")
            alert = self._send("account_locked", {"unlock_url": "https://tctfmsg.example/unlock"})
        finally:
            for provider in EMAIL_PROVIDERS:
                control.set_fault(self.running, provider, "up")
                email_admin.reset_breaker(self.root.email.backbone.storages, provider)
        self.report.fallback = alert
        return alert

    def repeat(self) -> bool:
        """The password reset's request again, same key: the same notification, nothing sent."""
        before = self._emails()
        first = self.report.during_campaign[0].notification_id
        request = NotificationRequest(
            "password_reset", USER.user_id, RESET, idempotency_key=self.reset_key
        )
        again = accept(self.root.accept_deps, request)
        time.sleep(1.0)  # a worker that wrongly sent it again would have done so by now
        after = self._emails()
        self.report.repeat_same_id = again.notification.notification_id == first
        self.report.repeat_sent_nothing = again.repeated and after == before
        return self.report.repeat_same_id and self.report.repeat_sent_nothing

    # ---- helpers ---------------------------------------------------------------------------

    def _emails(self) -> int:
        return sum(len(control.outbox(self.running, p)) for p in EMAIL_PROVIDERS)

    def _send(self, type_: str, data: dict[str, Any], key: str | None = None) -> Delivered:
        started = time.monotonic()
        request = NotificationRequest(type_, USER.user_id, data, idempotency_key=key)
        accepted = accept(self.root.accept_deps, request)
        done = self._final(accepted.notification.notification_id)
        return Delivered(
            type=type_,
            notification_id=done.notification_id,
            status=done.status.value,
            channel=done.channel,
            provider=done.provider,
            latency_ms=round((time.monotonic() - started) * 1000),
            attempts=[f"{a.channel}: {a.outcome.value}" for a in done.attempts],
        )

    def _final(self, notification_id: str, timeout_s: float = 60.0) -> Notification:
        # polled every 20 ms throughout: the demo prints the latency it saw
        found = records.wait_for_final(
            self.root.record_deps, notification_id, timeout_s, max_poll_s=0.02
        )
        if not found.status.final:
            raise TctfmsgError(
                f"notification {notification_id} still {found.status.value} after {timeout_s:.0f}s",
                f"see `tctfmsg notify show {notification_id}` and the stack log",
            )
        return found
