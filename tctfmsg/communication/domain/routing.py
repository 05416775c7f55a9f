"""Where one notification may go for one user, in which order, and whether it must wait first.

Pure: the registry entry says what the type allows (its channels, default and fallback, and
whether it is security-critical); the user says where they can be reached and what they opted
out of. Security-critical types ignore opt-outs and quiet hours, always.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from tctfmsg.communication.domain.user import User

if TYPE_CHECKING:
    from tctfmsg.rendering.registry import RegistryEntry

OPTED_OUT = "opted out"
NO_ADDRESS = {
    "email": "no email address",
    "sms": "no phone number",
    "whatsapp": "no WhatsApp number",
    "push": "no push device token",
    "websocket": "no chat connection",
}


@dataclass(frozen=True)
class ChannelPlan:
    channels: tuple[str, ...]  # to try, in order; at most one when the type allows no fallback
    left_out: dict[str, str]  # channel -> why it is not tried ("opted out", "no phone number", …)

    @property
    def reachable(self) -> bool:
        return bool(self.channels)


def channel_order(entry: RegistryEntry, user: User, now: datetime) -> ChannelPlan:
    """The type's default channel first or, where the user cannot take it, the first of its
    channels (in registry order) that reaches them; then, if the type may be rerouted, its
    fallback channels in the registry's order. Every allowed channel not in the plan is in
    `left_out` with its reason. `now` is the moment the plan is made for; no rule reads it yet
    (quiet hours are `quiet_until`'s)."""
    left_out: dict[str, str] = {}
    usable: list[str] = []
    others = (c for c in entry.channels if c != entry.default_channel)
    for channel in (entry.default_channel, *others):
        reason = _why_not(entry, user, channel)
        if reason is None:
            usable.append(channel)
        else:
            left_out[channel] = reason
    if not usable:
        return ChannelPlan((), left_out)
    first = usable[0]
    then = tuple(c for c in entry.fallback if c != first and c in usable)
    for channel in usable[1:]:
        if channel not in then:
            left_out[channel] = (
                f"not a fallback channel of {entry.type}"
                if entry.fallback
                else f"{entry.type} is never rerouted from {first}"
            )
    return ChannelPlan((first, *then), left_out)


def quiet_until(entry: RegistryEntry, user: User, now: datetime) -> datetime | None:
    """When the user's quiet hours holding `now` end (UTC); None when it may go now. Never
    anything but None for a security-critical type."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if entry.security_critical or user.quiet_hours is None:
        return None
    ends = user.quiet_hours.ends(now, user.timezone)
    return ends.astimezone(UTC) if ends is not None else None


def _why_not(entry: RegistryEntry, user: User, channel: str) -> str | None:
    if not entry.security_critical and not user.allows(entry.type, channel):
        return OPTED_OUT
    if user.address(channel) is None:
        return NO_ADDRESS.get(channel, f"no address for {channel}")
    return None
