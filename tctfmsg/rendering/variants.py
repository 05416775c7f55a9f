"""What `template validate` checks across a template's locales: each has every word the default
has and no other, none left in the default's language, and the locales its category needs."""

from __future__ import annotations

import re

from tctfmsg.rendering.language import DEFAULT_LOCALE
from tctfmsg.rendering.registry import RegistryEntry
from tctfmsg.rendering.store import Catalogs

# a transactional message reaches every user, in their language; a security alert also reaches
# right-to-left readers (campaigns are written for one audience and may stay in one language)
TRANSACTIONAL_LOCALES = ("en", "es", "fr", "de", "pt-BR")
SECURITY_LOCALES = (*TRANSACTIONAL_LOCALES, "ar")
TAGS = re.compile(r"\{\{[^}]*\}\}\}?")
LETTERS = re.compile(r"[^\W\d_]{2,}")


def required_locales(entry: RegistryEntry) -> tuple[str, ...]:
    if entry.category != "transactional":
        return ()
    return SECURITY_LOCALES if entry.security_critical else TRANSACTIONAL_LOCALES


def catalog_problems(catalogs: Catalogs, where: str) -> list[str]:
    """Keys a locale lacks or adds against the default, and text left as the default wrote it
    (a translation that is still the original; text made only of variables does not count)."""
    default = catalogs.get(DEFAULT_LOCALE, {})
    problems = []
    for locale, words in catalogs.items():
        if locale == DEFAULT_LOCALE:
            continue
        missing = [key for key in default if key not in words]
        extra = [key for key in words if key not in default]
        if missing:
            problems.append(
                f"{where} [{locale}] lacks {', '.join(missing)} (in [{DEFAULT_LOCALE}])"
            )
        if extra:
            problems.append(f"{where} [{locale}] has {', '.join(extra)}, which [en] does not")
        same = [
            key
            for key, text in words.items()
            if default.get(key) == text and LETTERS.search(TAGS.sub("", text))
        ]
        if same:
            problems.append(
                f"{where} [{locale}] {', '.join(same)}: still the [{DEFAULT_LOCALE}] text, "
                "not translated"
            )
    return problems


def locale_problems(entry: RegistryEntry, locales: tuple[str, ...], where: str) -> list[str]:
    lacking = [locale for locale in required_locales(entry) if locale not in locales]
    if not lacking:
        return []
    why = "a security-critical" if entry.security_critical else "a transactional"
    return [f"{where}: {why} template needs locale(s) {', '.join(lacking)} in strings.toml"]
