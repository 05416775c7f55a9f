"""Header safety in one place: what may stand in a subject, a sender or a display name.

Text an operator typed is refused when it holds a control character (it would end the header
and start another: `Bcc: ...`); text rendered from user data is cleaned instead, because a
subscriber's name must not stop a campaign. Either way bidirectional formatting characters
from user data are dropped, so a name cannot reorder what the reader sees (`invoice‮fdp.exe`).
"""

from __future__ import annotations

import re
from email.errors import HeaderParseError
from email.headerregistry import HeaderRegistry

from tctfmsg.core.errors import InvalidInput

# C0 and C1 controls (CR and LF among them) and DEL. Tab is folding whitespace, allowed.
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
# Embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069) and the two marks
# (U+200E, U+200F): invisible, and each can reorder the text around it.
BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL_RUN = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_NAMES = {"\r": "CR", "\n": "LF", "\x00": "NUL", "\t": "tab", "\x1b": "ESC", "\x7f": "DEL"}
_REGISTRY = HeaderRegistry()


def require_header_safe(field: str, value: str) -> None:
    """InvalidInput naming the field, the character and where it stands, if `value` holds a
    control character."""
    found = CONTROL.search(value)
    if found:
        char = found.group()
        shown = _NAMES.get(char, f"U+{ord(char):04X}")
        raise InvalidInput(
            f"the {field} holds a control character ({shown} at position {found.start()})",
            "remove line breaks and control characters: a header is one line",
        )


def header_text(value: str) -> str:
    """User data made fit for a subject or a display name: every run of control characters
    (a line break among them) becomes one space, bidirectional formatting is dropped."""
    return BIDI.sub("", _CONTROL_RUN.sub(" ", value)).strip()


def without_bidi(value: str) -> str:
    return BIDI.sub("", value)


def one_address(field: str, raw: str) -> tuple[str, str]:
    """`(display name, address)` when `raw` is exactly one address, optionally `Name <address>`;
    otherwise InvalidInput saying what was wrong with it."""
    require_header_safe(field, raw)
    try:
        parsed = _REGISTRY("From", raw)
    except (HeaderParseError, IndexError, ValueError):
        parsed = None
    hint = "give one address, optionally as 'Name <address>'"

    def refused(what: str) -> InvalidInput:
        shown = raw[:120]
        return InvalidInput(f"invalid {field} {shown!r}: not exactly one address ({what})", hint)

    if parsed is None or parsed.defects:
        raise refused("it does not parse as one")
    groups = parsed.groups  # type: ignore[attr-defined]
    addresses = parsed.addresses  # type: ignore[attr-defined]
    if any(group.display_name is not None for group in groups):
        raise refused("it is a group")
    if len(addresses) != 1:
        raise refused(f"it holds {len(addresses)}")
    address = addresses[0]
    if not address.username or not address.domain:
        raise refused("it has no name@domain")
    return str(address.display_name), str(address.addr_spec)
