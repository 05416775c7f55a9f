"""The suppression list on the backbone: a suppressed address reaches no provider, whoever
sends; operators list, add and lift entries, a complaint only with their word."""

from __future__ import annotations

import pytest

from tctfmsg.core.errors import Conflict, InvalidInput, NotFound
from tctfmsg.email import suppression_admin
from tctfmsg.email.failover import FailoverSender
from tctfmsg.email.message import DEFAULT_CONFIG, RecipientRejected, RecipientSuppressed
from tctfmsg.email.pacer import Pacer
from tctfmsg.email.suppression import Suppression, SuppressionReason
from tests.support.suppression_memory import MemorySuppressions
from tests.unit.email.fakes import FakeClock, MemoryBreakerStorage, ScriptedProvider, message


def _backbone(suppressions: MemorySuppressions) -> tuple[FailoverSender, ScriptedProvider]:
    clock, ses = FakeClock(), ScriptedProvider("ses")
    configs = [c.__class__(**{**c.__dict__, "rate_per_s": 0}) for c in DEFAULT_CONFIG.values()]
    storages = {name: MemoryBreakerStorage(name, clock) for name in DEFAULT_CONFIG}
    sender = FailoverSender(
        {"ses": ses}, lambda: configs, storages, Pacer(), clock, suppressions=suppressions
    )
    return sender, ses


def test_a_suppressed_address_reaches_no_provider_and_is_refused_as_a_rejection() -> None:
    suppressions = MemorySuppressions()
    suppressions.add(Suppression("ada@example.com", SuppressionReason.BOUNCED, "ses:fb-1"))
    sender, ses = _backbone(suppressions)

    with pytest.raises(RecipientSuppressed) as refused:
        sender.send(message("Ada <ADA@example.com>"))

    assert isinstance(refused.value, RecipientRejected)  # callers that know only that still stop
    assert refused.value.reason == "suppressed: bounced"
    assert ses.calls == []


def test_an_address_not_on_the_list_is_sent() -> None:
    sender, ses = _backbone(MemorySuppressions())

    assert sender.send(message("ada@example.com")).provider == "ses"
    assert len(ses.sent) == 1


def test_an_operator_suppresses_lists_and_lifts_an_address() -> None:
    suppressions = MemorySuppressions()

    entry = suppression_admin.suppress(suppressions, " bob@example.com ", FakeClock())
    listed = list(suppression_admin.entries(suppressions, SuppressionReason.MANUAL))
    lifted = suppression_admin.lift(suppressions, "BOB@example.com")

    assert (entry.address, entry.reason) == ("bob@example.com", SuppressionReason.MANUAL)
    assert [s.address for s in listed] == ["bob@example.com"]
    assert lifted.address == "bob@example.com" and suppressions.find("bob@example.com") is None


def test_suppressing_twice_keeps_the_first_reason() -> None:
    suppressions = MemorySuppressions()
    suppressions.add(Suppression("ada@example.com", SuppressionReason.COMPLAINED, "ses:fb-1"))

    entry = suppression_admin.suppress(suppressions, "ada@example.com", FakeClock())

    assert entry.reason is SuppressionReason.COMPLAINED


def test_lifting_a_complaint_needs_force() -> None:
    suppressions = MemorySuppressions()
    suppressions.add(Suppression("ada@example.com", SuppressionReason.COMPLAINED, "ses:fb-1"))

    with pytest.raises(Conflict, match="complained"):
        suppression_admin.lift(suppressions, "ada@example.com")
    assert suppressions.find("ada@example.com") is not None

    suppression_admin.lift(suppressions, "ada@example.com", force=True)
    assert suppressions.find("ada@example.com") is None


def test_lifting_an_address_that_is_not_suppressed_says_so() -> None:
    with pytest.raises(NotFound):
        suppression_admin.lift(MemorySuppressions(), "ada@example.com")


@pytest.mark.parametrize("bad", ["", "no-at-sign", "a@b@c", "a b@example.com", "x\n@example.com"])
def test_a_malformed_address_is_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        suppression_admin.suppress(MemorySuppressions(), bad, FakeClock())
