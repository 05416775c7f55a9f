"""DynamoDB: moto answers a query on an index by testing every item of the table against the
key condition, so finding one user's connections among 5,000 costs 28 ms (decision 0075).

Moto's own query, over fewer items: the items whose attribute holds the queried hash key value,
from a map of that attribute's values built once and rebuilt after any write to the table (a
put, a delete, an update, which changes an item in place). Moto then sorts, pages, filters and
projects exactly as before; the order it sorts into is fully set by the index and table keys, so
which items it is handed, not in what order, is all that matters.
"""

from __future__ import annotations

import functools
import itertools
import threading
from typing import Any

from tctfmsg.local.moto_patches.registry import Patches

_local = threading.local()  # the items this thread's query sees as the table's
_generations = itertools.count()
_state_attribute = "_tctfmsg_index_values"  # renamed by every `apply`, as in `dynamodb`
# Every backend call that changes items (an update changes one in place, so Table.put_item
# alone would not see it); each marks every table's maps stale when it returns.
_WRITERS = (
    "put_item", "delete_item", "update_item", "batch_write_item", "transact_write_items",
    "execute_statement", "batch_execute_statement", "execute_transaction",
)  # fmt: skip


def apply(patches: Patches) -> None:
    from moto.dynamodb.models import DynamoDBBackend, table

    global _state_attribute
    _state_attribute = f"_tctfmsg_index_values_{next(_generations)}"
    original_query = table.Table.query
    original_all_items = table.Table.all_items

    @functools.wraps(original_all_items)
    def all_items(self: Any) -> Any:
        chosen = getattr(_local, "chosen", None)
        if chosen is not None and chosen[0] is self:
            return list(chosen[1])
        return original_all_items(self)

    @functools.wraps(original_query)
    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        conditions = kwargs.get("hash_key_conditions")
        if not kwargs.get("index_name") and not (len(args) > 7 and args[7]):
            return original_query(self, *args, **kwargs)
        if not conditions or len(conditions) != 1:
            return original_query(self, *args, **kwargs)
        attribute, value = conditions[0]
        _local.chosen = (self, _holding(self, attribute, value, original_all_items))
        try:
            return original_query(self, *args, **kwargs)
        finally:
            _local.chosen = None

    for name in _WRITERS:
        patches.replace(DynamoDBBackend, name, _bumping(getattr(DynamoDBBackend, name)))
    patches.replace(table.Table, "all_items", all_items)
    patches.replace(table.Table, "query", query)


def _bumping(writer: Any) -> Any:
    @functools.wraps(writer)
    def written(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return writer(self, *args, **kwargs)
        finally:  # whatever it changed, or began to: the maps built before are stale
            for name in _written(self, args, kwargs):
                state = self.tables[name].__dict__.get(_state_attribute)
                if state is not None:
                    state["version"] += 1

    return written


def _written(backend: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[str]:
    """The tables a write may have changed: the one it names, a transaction's, else all."""
    named = kwargs.get("table_name", args[0] if args else None)
    if isinstance(named, str) and named in backend.tables:
        return [named]
    items = kwargs.get("transact_items", args[0] if args else None)
    if isinstance(items, list) and all(isinstance(i, dict) for i in items):
        names = {op.get("TableName") for i in items for op in i.values() if isinstance(op, dict)}
        if names <= set(backend.tables):
            return [str(n) for n in names]
    return list(backend.tables)


def _holding(table: Any, attribute: str, value: Any, every: Any) -> list[Any]:
    state = table.__dict__.setdefault(_state_attribute, {"version": 0, "maps": {}})
    version = state["version"]  # read before building: a write during it forces a rebuild
    built = state["maps"].get(attribute)
    if built is None or built[0] != version:
        by_value: dict[Any, list[Any]] = {}
        for item in every(table):
            found = getattr(item, "attrs", {}).get(attribute)
            try:
                by_value.setdefault(found, []).append(item)
            except TypeError:  # a list or map: never equal to a key value
                continue
        built = (version, by_value)
        state["builds"] = state.get("builds", 0) + 1
        state["maps"][attribute] = built
    try:
        return built[1].get(value, [])
    except TypeError:
        return []
