"""What the patches replaced on moto, so that undoing them puts back the very same objects."""

from __future__ import annotations

from typing import Any

_ABSENT = object()  # the owner had no attribute of its own by that name (it inherited one)


class Patches:
    def __init__(self) -> None:
        self._replaced: list[tuple[Any, str, Any]] = []

    def replace(self, owner: Any, name: str, value: Any) -> None:
        """Sets `owner.name` to `value`, remembering what the owner itself held: a class's own
        attribute (a function, a property), not what attribute lookup would find."""
        self._replaced.append((owner, name, vars(owner).get(name, _ABSENT)))
        setattr(owner, name, value)

    def undo(self) -> None:
        while self._replaced:  # last first, so a name replaced twice ends as it began
            owner, name, original = self._replaced.pop()
            if original is _ABSENT:
                delattr(owner, name)
            else:
                setattr(owner, name, original)

    def __bool__(self) -> bool:
        return bool(self._replaced)
