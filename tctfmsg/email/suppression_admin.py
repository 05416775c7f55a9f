"""Operating the suppression list: list it, put an address on it, lift one. Lifting a
complaint is the one move that needs the operator's word (`force`): mailing someone who said
"spam" is what gets a sender suspended."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tctfmsg.core.clock import Clock
from tctfmsg.core.errors import Conflict, InvalidInput, NotFound
from tctfmsg.email.suppression import Suppression, SuppressionList, SuppressionReason

_ADDRESS = re.compile(r"[^@\s<>\x00-\x1f\x7f]{1,64}@[^@\s<>\x00-\x1f\x7f]{1,253}")


def entries(
    suppressions: SuppressionList, reason: SuppressionReason | None = None
) -> Iterator[Suppression]:
    return suppressions.entries(reason)


def suppress(
    suppressions: SuppressionList,
    address: str,
    clock: Clock,
    reason: SuppressionReason = SuppressionReason.MANUAL,
    source: str = "operator",
) -> Suppression:
    """Puts `address` on the list; if it already is, the entry that stands."""
    address = checked(address)
    entry = Suppression(address, reason, source, "", clock.now())
    if suppressions.add(entry):
        return entry
    return suppressions.find(address) or entry


def lift(suppressions: SuppressionList, address: str, *, force: bool = False) -> Suppression:
    address = checked(address)
    found = suppressions.find(address)
    if found is None:
        raise NotFound(f"{address} is not suppressed", "`tctfmsg suppression list` shows who is")
    if found.reason is SuppressionReason.COMPLAINED and not force:
        raise Conflict(
            f"{address} complained (marked a message as spam); mailing it again risks the "
            "sender's reputation",
            "lift it anyway with --force",
        )
    return suppressions.remove(address) or found


def checked(address: str) -> str:
    value = address.strip()
    if not _ADDRESS.fullmatch(value):
        raise InvalidInput(
            f"{value[:80]!r} is not an email address", "give one address, like ana@example.com"
        )
    return value
