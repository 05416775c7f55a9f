"""A transactional email to a suppressed address is recorded as suppressed, not silently
dropped: the real email channel over the backbone, the attempt and the notification say so."""

from __future__ import annotations

from tctfmsg.communication.adapters.email_channel import EmailChannel
from tctfmsg.communication.domain.notification import (
    AttemptOutcome,
    NotificationRequest,
    NotificationStatus,
)
from tctfmsg.communication.services.accept import accept
from tctfmsg.communication.services.worker import Outcome, deliver
from tctfmsg.email.failover import FailoverSender
from tctfmsg.email.message import DEFAULT_CONFIG
from tctfmsg.email.pacer import Pacer
from tctfmsg.email.suppression import Suppression, SuppressionReason
from tests.support.notification_world import Service
from tests.support.suppression_memory import MemorySuppressions
from tests.unit.email.fakes import FakeClock, MemoryBreakerStorage, ScriptedProvider


def test_a_security_email_to_a_bounced_address_is_recorded_suppressed(service: Service) -> None:
    suppressions = MemorySuppressions()
    suppressions.add(Suppression("ada@example.com", SuppressionReason.BOUNCED, "ses:fb-1"))
    clock, ses = FakeClock(), ScriptedProvider("ses")
    backbone = FailoverSender(
        {"ses": ses},
        lambda: list(DEFAULT_CONFIG.values()),
        {n: MemoryBreakerStorage(n, clock) for n in DEFAULT_CONFIG},
        Pacer(),
        clock,
        suppressions=suppressions,
    )
    service.channels["email"] = EmailChannel(backbone, "security@example.com")  # type: ignore[assignment]
    request = NotificationRequest("password_reset", "u-ada", {"reset_url": "https://a.example/r"})
    nid = accept(service.accept_deps, request).notification.notification_id

    assert deliver(service.worker_deps, nid, "t1") == Outcome.SUPPRESSED

    done = service.notifications.get(nid)
    assert done is not None and done.status == NotificationStatus.SUPPRESSED
    assert done.reason == "email: suppressed: bounced"
    (attempt,) = service.ledger.attempts(nid)
    assert (attempt.channel, attempt.outcome) == ("email", AttemptOutcome.SUPPRESSED)
    assert ses.calls == []  # no provider was asked
