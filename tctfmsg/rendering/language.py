"""Which language a message goes out in: the locales a template has, the fallback chain from
what the recipient reads to what the template offers, and the direction its script runs."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from tctfmsg.core.errors import InvalidInput

# Babel is imported by what renders or formats, not by every handler that imports this module.
if TYPE_CHECKING:
    from babel import Locale

DEFAULT_LOCALE = "en"  # every template has it: the catalog other locales are checked against
# A BCP 47 language tag as far as messages need one: language, then optional script or region
# (en, pt-BR, zh-Hant, es-419); case and `_` are forgiven, length is not.
TAG = re.compile(r"[A-Za-z]{2,3}([-_]([A-Za-z]{4}|[A-Za-z]{2}|[0-9]{3}))?")
MAX_TAG = 11

Direction = Literal["ltr", "rtl"]


def canonical(tag: str) -> str:
    """`pt_br`, `PT-BR` → `pt-BR`: language lower-case, region upper, script title-case."""
    if not isinstance(tag, str) or len(tag) > MAX_TAG or not TAG.fullmatch(tag):
        shown = tag[:MAX_TAG] if isinstance(tag, str) else type(tag).__name__
        raise InvalidInput(
            f"invalid locale {shown!r}", "use a language tag such as en, es, de or pt-BR"
        )
    language, _, rest = tag.replace("_", "-").partition("-")
    if not rest:
        return language.lower()
    if len(rest) == 4:
        return f"{language.lower()}-{rest.title()}"
    return f"{language.lower()}-{rest.upper()}"


def resolve(available: tuple[str, ...], requested: str | None) -> str:
    """The locale to render: the one asked for if the template has it, else its language alone
    (`pt-BR` → `pt`), else the template's default (the first of `available`)."""
    if requested is None:
        return available[0]
    wanted = canonical(requested)
    language = wanted.partition("-")[0]
    for candidate in (wanted, language):
        if candidate in available:
            return candidate
    return available[0]


@lru_cache(maxsize=64)
def direction(locale: str) -> Direction:
    """Which way the locale's script runs, from CLDR (Babel): `ar` and `he` are right to left."""
    from babel import Locale, UnknownLocaleError

    try:
        order = Locale.parse(locale, sep="-").character_order
    except (UnknownLocaleError, ValueError):
        return "ltr"
    return "rtl" if order == "right-to-left" else "ltr"


def babel_locale(locale: str) -> Locale:
    """Babel's locale for a tag a template has; an unknown one formats as the default."""
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(locale, sep="-")
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT_LOCALE)


def ordered(found: set[str] | list[str]) -> tuple[str, ...]:
    """The default first, then the others in alphabetical order."""
    rest = sorted(set(found) - {DEFAULT_LOCALE})
    return (DEFAULT_LOCALE, *rest)
