"""Words for search: case- and accent-insensitive, so "Café" is found by "cafe" and "CAFÉ"."""

from __future__ import annotations

import re
import unicodedata

MAX_QUERY_WORDS = 8
MAX_WORD_CHARS = 40
_WORD = re.compile(r"\w+")


def words(text: str) -> frozenset[str]:
    """The distinct normalized words of a text (each cut at MAX_WORD_CHARS)."""
    return frozenset(w[:MAX_WORD_CHARS] for w in _WORD.findall(_fold(text)))


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return bare.casefold()
