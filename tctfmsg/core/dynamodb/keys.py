"""A table's key attribute names, and an index's, as the resource spec declares them.

Adapters learn them here and nowhere else, so a key renamed in the spec is renamed in every
request that names it; an index named here that the spec lacks fails at import, not at query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tctfmsg.core import resources


@dataclass(frozen=True)
class KeyNames:
    partition: str
    sort: str | None = None
    index: str | None = None  # the index's name; None for the table's own key

    @classmethod
    def of(cls, table: str, index: str | None = None) -> KeyNames:
        spec = resources.table(table)
        if index is None:
            return cls(spec.partition.name, spec.sort.name if spec.sort else None)
        found = spec.index(index)
        return cls(found.partition.name, found.sort.name if found.sort else None, found.name)

    @property
    def sorted_by(self) -> str:
        """The sort key's name, for a table or index that has one."""
        if self.sort is None:
            raise TypeError(f"{self.index or 'the table'} has no sort key in the spec")
        return self.sort

    @property
    def names(self) -> dict[str, str]:
        """ExpressionAttributeNames for `#pk` and `#sk`: key names may be reserved words
        (`status`, `list` and `name` are), so expressions always name keys this way."""
        names = {"#pk": self.partition}
        if self.sort is not None:
            names["#sk"] = self.sort
        return names

    def key(self, partition: str, sort: str | None = None) -> dict[str, Any]:
        """The typed key of one item (every key of ours is a string)."""
        if self.sort is None:
            return {self.partition: {"S": partition}}
        if sort is None:
            raise TypeError(f"a key of this table needs its sort key {self.sort!r}")
        return {self.partition: {"S": partition}, self.sort: {"S": sort}}
