"""The store the renderer reads at run time: the config table's newest version of a template,
else its files."""

from __future__ import annotations

import threading
import time

from tctfmsg.rendering.ports import TemplateVersions
from tctfmsg.rendering.store import FileTemplateStore, TemplateSource


class LayeredTemplateStore:
    """The config table's newest version if it has one, else the files; looked up again after
    `ttl_s`, so an edit reaches every running Lambda within that time."""

    def __init__(
        self, files: FileTemplateStore, config: TemplateVersions, ttl_s: float = 60.0
    ) -> None:
        self.files = files
        self.config = config
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[float, TemplateSource]] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> TemplateSource:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(name)
        if cached and now - cached[0] < self.ttl_s:
            return cached[1]
        found = self.config.latest(name) or self.files.get(name)
        with self._lock:
            self._cache[name] = (now, found)
        return found

    def names(self) -> list[str]:
        return sorted(set(self.files.names()) | set(self.config.names()))
