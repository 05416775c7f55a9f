"""Look-ups in moto that cost O(queue depth) or O(table size) per request, made cheap.

SQS: moto's `send_message` builds every attribute of the queue (three full scans of its
messages for the approximate counts) only to read ContentBasedDeduplication; `receive_message`
does the same for every message it returns, only to read MessageRetentionPeriod. Filling a
queue is therefore quadratic: 30 messages/s by the time it holds 3,000 (docs/decisions/0002).
`GetQueueAttributes` for named attributes builds all of them twice per name; once is enough.

DynamoDB: moto's `Query` on a table sorts every item of the table, keeps the partition's,
sorts them again and walks from the first to the `ExclusiveStartKey` comparing in Python, so
paging through a 100,000-member list costs O(n) per page and O(n²) in all. A table query is
answered from the partition alone, sorted once and kept in step with every put and delete,
with the start key and any range condition found by bisection (docs/decisions/0046). Its
items are sized once each, and projected and walked into plain values without moto's round
trips when their attributes are strings (the fan-out's 1,000-key audience pages: 27 → 9 ms).

Every request: moto's server finds the service by listing its own package directory (a
`listdir` and 200 `isdir` calls, under the dispatcher's lock); the list is read once. DynamoDB
requests and answers of the data plane (items in, items out) are already in their wire form:
they are read with `json.loads` and written with `json.dumps` instead of walking the botocore
model for every attribute, which was a third of moto's time on the pipeline's requests. Blobs,
which moto keeps as bytes, still take the model's path.

All of them keep what moto answers and change only how much work it does to answer it.
"""

from __future__ import annotations

import bisect
import copy
import functools
import threading
from typing import Any

_local = threading.local()
_COUNTS = (
    "approximate_number_of_messages",
    "approximate_number_of_messages_not_visible",
    "approximate_number_of_messages_delayed",
)


def apply() -> None:
    _patch_sqs()
    _patch_dynamodb()
    _patch_server()


def _patch_sqs() -> None:
    from moto.core.utils import unix_time
    from moto.sqs import models

    if getattr(models, "_tctfmsg_patched", False):
        return
    for name in _COUNTS:
        original = getattr(models.Queue, name)
        setattr(models.Queue, name, property(_unless_not_needed(original.fget)))
    models.SQSBackend.send_message = _counts_not_needed(  # type: ignore[method-assign]
        models.SQSBackend.send_message
    )

    def retention_ok(self: Any, queue_name: str, message: Any) -> bool:
        queue = self.get_queue(queue_name)
        retain_until = int(queue.message_retention_period) + message.sent_timestamp / 1000
        return bool(retain_until > unix_time())

    models.SQSBackend.is_message_valid_based_on_retention_period = retention_ok  # type: ignore[method-assign]

    original_get_attributes = models.SQSBackend.get_queue_attributes

    @functools.wraps(original_get_attributes)
    def get_queue_attributes(self: Any, queue_name: str, attribute_names: list[str]) -> Any:
        # moto builds every attribute (three scans of the queue) twice per name asked for;
        # build them once. "All", no names and unknown names stay moto's.
        queue = self.get_queue(queue_name)
        if not attribute_names or "All" in attribute_names:
            return original_get_attributes(self, queue_name, attribute_names)
        known = set(queue.BASE_ATTRIBUTES + queue.FIFO_ATTRIBUTES + queue.KMS_ATTRIBUTES)
        if not all(name in known for name in attribute_names):
            return original_get_attributes(self, queue_name, attribute_names)
        everything = queue.attributes
        return {n: everything[n] for n in attribute_names if everything.get(n) is not None}

    models.SQSBackend.get_queue_attributes = get_queue_attributes  # type: ignore[method-assign]
    models._tctfmsg_patched = True  # type: ignore[attr-defined]


def _unless_not_needed(count: Any) -> Any:
    @functools.wraps(count)
    def wrapper(queue: Any) -> int:
        return 0 if getattr(_local, "counts_not_needed", False) else int(count(queue))

    return wrapper


def _counts_not_needed(method: Any) -> Any:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _local.counts_not_needed = True
        try:
            return method(*args, **kwargs)
        finally:
            _local.counts_not_needed = False

    return wrapper


# --- DynamoDB -------------------------------------------------------------------------------

_SORTED = "_tctfmsg_sorted_partitions"  # Table attribute: hash key → (range values, items)
_lock = threading.Lock()


def _patch_dynamodb() -> None:
    from moto.dynamodb.models import table

    if getattr(table, "_tctfmsg_patched", False):
        return
    original_query = table.Table.query
    original_put = table.Table.put_item
    original_delete = table.Table.delete_item

    @functools.wraps(original_put)
    def put_item(self: Any, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        item = original_put(self, item_attrs, *args, **kwargs)
        _keep_in_step(self, item, removed=False)
        return item

    @functools.wraps(original_delete)
    def delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
        item = original_delete(self, hash_key, range_key)
        if item is not None:
            _keep_in_step(self, item, removed=True)
        return item

    @functools.wraps(original_query)
    def query(
        self: Any,
        hash_key: Any,
        range_comparison: str | None,
        range_objs: list[Any],
        limit: int,
        exclusive_start_key: Any,
        scan_index_forward: bool,
        projection_expressions: list[list[str]] | None,
        index_name: str | None = None,
        consistent_read: bool = False,
        filter_expression: Any = None,
        hash_key_conditions: Any = None,
        range_key_conditions: Any = None,
        **filter_kwargs: Any,
    ) -> Any:
        bounds = _bounds(range_comparison, range_objs) if range_comparison else None
        simple = (
            index_name is None
            and hash_key is not None
            and self.range_key_attr is not None
            and not filter_kwargs
            and len(hash_key_conditions or ()) <= 1
            and len(range_key_conditions or ()) <= 1
            and (not range_comparison or bounds is not None)
        )
        if not simple:
            return original_query(
                self,
                hash_key,
                range_comparison,
                range_objs,
                limit,
                exclusive_start_key,
                scan_index_forward,
                projection_expressions,
                index_name,
                consistent_read,
                filter_expression,
                hash_key_conditions=hash_key_conditions,
                range_key_conditions=range_key_conditions,
                **filter_kwargs,
            )
        return _partition_query(
            self,
            hash_key,
            range_comparison,
            range_objs,
            bounds,
            limit,
            exclusive_start_key,
            scan_index_forward,
            projection_expressions,
            filter_expression,
            table.RESULT_SIZE_LIMIT,
        )

    table.Table.put_item = put_item  # type: ignore[method-assign]
    table.Table.delete_item = delete_item  # type: ignore[method-assign]
    table.Table.query = query  # type: ignore[method-assign]
    table._tctfmsg_patched = True  # type: ignore[attr-defined]


# A sorted partition is kept in step with every put and delete (moto changes a partition's keys
# nowhere else), so a write costs a bisection, not a re-sort of the partition.


def _keep_in_step(table: Any, item: Any, removed: bool) -> None:
    cache = table.__dict__.get(_SORTED)
    if not cache or item.range_key is None:
        return
    with _lock:
        found = cache.get(item.hash_key)
        if found is None:
            return
        values, items = found
        value = item.range_key.cast_value
        at = bisect.bisect_left(values, value)
        present = at < len(values) and values[at] == value
        if removed:
            if present:
                del values[at]
                del items[at]
        elif present:
            items[at] = item  # moto put a new Item object in place of the old one
        else:
            values.insert(at, value)
            items.insert(at, item)


def _sorted(table: Any, hash_key: Any) -> tuple[list[Any], list[Any]]:
    """The partition sorted by range key; call with _lock held."""
    cache = table.__dict__.setdefault(_SORTED, {})
    found = cache.get(hash_key)
    if found is None:
        # list() copies the partition in one step: writers change it before taking the lock.
        items = list(table.items.get(hash_key, {}).values())
        items.sort(key=lambda i: i.range_key.cast_value)
        found = ([i.range_key.cast_value for i in items], items)
        cache[hash_key] = found
    return found


_OPERATORS = {"=": "EQ", "EQ": "EQ", "<": "LT", "LT": "LT", "<=": "LE", "LE": "LE", ">": "GT"}
_OPERATORS |= {"GT": "GT", ">=": "GE", "GE": "GE", "BETWEEN": "BETWEEN"}
_OPERATORS |= {"BEGINS_WITH": "BEGINS_WITH", "begins_with": "BEGINS_WITH"}


def _bounds(comparison: str, objs: list[Any]) -> tuple[Any, bool, Any, bool] | None:
    """(low, low inclusive, high, high inclusive) of a key condition, None low or high for
    open; None if the condition is not one a bisection can bound."""
    operator = _OPERATORS.get(comparison)
    values = [o.cast_value for o in objs]
    if operator is None or not values:
        return None
    if operator == "EQ":
        return values[0], True, values[0], True
    if operator == "LT":
        return None, True, values[0], False
    if operator == "LE":
        return None, True, values[0], True
    if operator == "GT":
        return values[0], False, None, True
    if operator == "GE":
        return values[0], True, None, True
    if operator == "BETWEEN" and len(values) == 2:
        return values[0], True, values[1], True
    if operator == "BEGINS_WITH" and isinstance(values[0], str):
        return values[0], True, values[0] + chr(0x10FFFF), False
    return None


def _partition_query(
    table: Any,
    hash_key: Any,
    range_comparison: str | None,
    range_objs: list[Any],
    bounds: tuple[Any, bool, Any, bool] | None,
    limit: int | None,
    exclusive_start_key: dict[str, Any] | None,
    forward: bool,
    projection_expressions: list[list[str]] | None,
    filter_expression: Any,
    size_limit: int,
) -> tuple[list[Any], int, dict[str, Any] | None]:
    from moto.dynamodb.models.dynamo_type import DynamoType

    start_key = None
    if exclusive_start_key is not None:
        start_key = DynamoType(exclusive_start_key[table.range_key_attr]).cast_value
    with _lock:
        values, items = _sorted(table, hash_key)
        lo, hi = 0, len(values)
        if bounds is not None:
            low, low_in, high, high_in = bounds
            if low is not None:
                lo = (bisect.bisect_left if low_in else bisect.bisect_right)(values, low)
            if high is not None:
                hi = (bisect.bisect_right if high_in else bisect.bisect_left)(values, high)
        if start_key is not None:
            if forward:
                lo = max(lo, bisect.bisect_right(values, start_key))
            else:
                hi = min(hi, bisect.bisect_left(values, start_key))
        candidates = items[lo:hi] if forward else items[lo:hi][::-1]
        more_beyond = hi < len(values) if forward else lo > 0

    results: list[Any] = []
    size = 0
    last_evaluated_key = None
    for item in candidates:
        item_size = _size(item)  # once per item, not twice as moto does
        if (limit is not None and len(results) == limit) or size + item_size > size_limit:
            last_evaluated_key = table._get_last_evaluated_key(results[-1], None)
            break
        if range_comparison and not item.range_key.compare(range_comparison, range_objs):
            continue  # moto's own comparison has the last word
        results.append(item)
        size += item_size
    else:
        # moto walks the whole partition: a full page followed by any item, in the range or
        # not, ends with a LastEvaluatedKey.
        if limit is not None and results and len(results) == limit and more_beyond:
            last_evaluated_key = table._get_last_evaluated_key(results[-1], None)
    scanned = len(results)
    if filter_expression is not None:
        results = [i for i in results if filter_expression.expr(i)]
    if projection_expressions:
        results = [_project(i, projection_expressions) for i in results]
    else:
        results = copy.deepcopy(results)
    return results, scanned, last_evaluated_key


def _size(item: Any) -> int:
    """moto's Item.size, summed directly when every attribute is a string (a key page, a
    membership): the same number."""
    total = 0
    for name, value in item.attrs.items():
        if value.type != "S":
            return int(item.size())
        total += len(name.encode()) + len(value.value.encode())
    return total


def _project(item: Any, projection_expressions: list[list[str]]) -> Any:
    """moto's Item.project, without its round trip through plain Python values when every
    expression names a top-level string attribute (a key page, say): the same item."""
    from moto.dynamodb.models.dynamo_type import Item

    if any(len(path) != 1 for path in projection_expressions):
        return item.project(projection_expressions)
    projected = Item(hash_key=item.hash_key, range_key=item.range_key, attrs={})
    for (name,) in projection_expressions:
        value = item.attrs.get(name)
        if value is None:
            continue
        if value.type != "S":
            return item.project(projection_expressions)
        # the item's own value (a string is never changed in place), and no size check: a
        # part of an item is never larger than the item
        dict.__setitem__(projected.attrs, name, value)
    return projected


_SCALARS = frozenset({"S", "N", "BOOL", "NULL"})


# --- the server ----------------------------------------------------------------------------

# DynamoDB actions whose results are items and keys only (no timestamps, no blobs moto keeps
# as bytes): their serialised form is the result itself.
_DATA_PLANE = frozenset(
    {
        "GetItem",
        "BatchGetItem",
        "Query",
        "Scan",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactGetItems",
        "TransactWriteItems",
    }
)


def _patch_server() -> None:
    import json

    from moto import backends
    from moto.core.responses import ActionResult
    from moto.dynamodb.responses import DynamoHandler

    if getattr(backends, "_tctfmsg_patched", False):
        return
    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules

    original = DynamoHandler.serialized

    @functools.wraps(original)
    def serialized(self: Any, action_result: ActionResult) -> Any:
        result = action_result.result
        if isinstance(result, dict) and self._get_action() in _DATA_PLANE:
            try:
                # The serialiser leaves out members that are None (items hold none).
                present = {k: v for k, v in result.items() if v is not None}
                body = json.dumps(present, separators=(",", ":"))
            except TypeError:  # bytes or another type only the model knows how to write
                return original(self, action_result)
            headers = {"Content-Type": "application/x-amz-json-1.0", **self.response_headers}
            return 200, headers, body
        return original(self, action_result)

    DynamoHandler.serialized = serialized  # type: ignore[method-assign]

    from moto.dynamodb import responses as dynamodb_responses
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict

    to_dict = dynamodb_responses.dynamo_to_dict
    mappings = (dict, LimitedSizeDict)  # an item's attributes are the latter

    @functools.wraps(to_dict)
    def dynamo_to_dict(obj: Any) -> Any:
        # moto's walk over a result, which asks every value in turn what it is; here plain
        # containers, scalars, and string, number and boolean values are answered first.
        kind = type(obj)
        if kind in mappings:
            return {k: dynamo_to_dict(v) for k, v in obj.items()}
        if kind is list:
            return [dynamo_to_dict(v) for v in obj]
        if kind is str or kind is int or kind is bool or obj is None:
            return obj
        if kind is DynamoType and obj.type in _SCALARS and type(obj.value) in (str, bool):
            return {obj.type: obj.value}
        return to_dict(obj)

    dynamodb_responses.dynamo_to_dict = dynamo_to_dict

    original_parse = DynamoHandler.parse_parameters

    @functools.wraps(original_parse)
    def parse_parameters(self: Any, request: Any) -> None:
        # A data-plane request is DynamoDB JSON already; only blobs (base64 in the request,
        # bytes to moto) need the model-driven parser, so any "B" or "BS" key sends it there.
        body = request.data
        if self._get_action() in _DATA_PLANE and b'"B"' not in body and b'"BS"' not in body:
            try:
                params = json.loads(body)
            except ValueError:
                params = None
            if isinstance(params, dict):
                self.params = params
                return
        original_parse(self, request)

    DynamoHandler.parse_parameters = parse_parameters  # type: ignore[method-assign]
    backends._tctfmsg_patched = True  # type: ignore[attr-defined]
