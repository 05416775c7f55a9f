"""DynamoDB: moto's `TransactWriteItems` deep-copies every table it touches before it starts, so
that it can put the copies back if the transaction is cancelled: a cost that grows with the
tables, paid under the stack's one DynamoDB write lock (decision 0044). The chat service writes
each message and its client-id claim in one transaction, so every message copied the whole
history of both tables, and every other write waited for it (decision 0075).

The same transaction, with an undo list instead: before each operation writes, the one item it
is about to change is copied, and a cancelled transaction puts those items back (last first)
through the table's own put and delete. Moto's code otherwise, step for step: the same checks in
the same order, the same errors and cancellation reasons. A transaction touching a table with a
stream is left to moto (putting items back would add stream records); the items of a table
whose item was deleted and put back may scan in another order, which DynamoDB never promises.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from tctfmsg.local.moto_patches.registry import Patches


def apply(patches: Patches) -> None:
    from moto.dynamodb.models import DynamoDBBackend

    original = DynamoDBBackend.transact_write_items

    @functools.wraps(original)
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        if _any_streamed(self, transact_items):
            return original(self, transact_items)
        return _transact(self, transact_items)

    patches.replace(DynamoDBBackend, "transact_write_items", transact_write_items)


def _any_streamed(backend: Any, transact_items: list[dict[str, Any]]) -> bool:
    for item in transact_items:
        for op in item.values():
            table = backend.tables.get(op.get("TableName")) if isinstance(op, dict) else None
            if table is not None and table.stream_shard is not None:
                return True
    return False


def _transact(backend: Any, transact_items: list[dict[str, Any]]) -> None:
    """moto 5.2.5's DynamoDBBackend.transact_write_items, with an undo list for its backup."""
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models import get_filter_expression

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    undo: list[tuple[Any, Any, Any, Any]] = []  # (table, hash, range, item before) per write
    target_items: set[tuple[str, str]] = set()

    def check_unicity(table_name: str, key: dict[str, Any]) -> None:
        item = (str(table_name), str(dict(sorted(key.items()))))
        if item in target_items:
            raise MultipleTransactionsException()
        target_items.add(item)

    errors: list[tuple[str, str, dict[str, Any]] | tuple[None, None, None]] = []
    for item in transact_items:
        original_item: dict[str, Any] | None = None
        if len(list(item.keys())) > 1:
            raise TransactWriteSingleOpException
        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            condition_expression = op.get("ConditionExpression")
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            on_failure = op.get("ReturnValuesOnConditionCheckFailure")
            if op_type == "Put":
                attrs = op["Item"]
                table = backend.get_table(table_name)
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            check_unicity(table_name, key)
            current = backend.get_item(table_name, key)
            if condition_expression is not None:
                condition_op = get_filter_expression(condition_expression, names, values)
                if not condition_op.expr(current):
                    if on_failure == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)
            if op_type != "ConditionCheck":
                undo.append(_before(backend, table_name, key, current))
            expressions: dict[str, Any] = {
                "condition_expression": condition_expression,
                "expression_attribute_names": names,
                "expression_attribute_values": values,
            }
            if op_type == "Put":
                backend.put_item(table_name, op["Item"], **expressions)
            elif op_type == "Delete":
                backend.delete_item(table_name, key, **expressions)
            elif op_type == "Update":
                backend.update_item(
                    table_name, key, update_expression=op["UpdateExpression"], **expressions
                )
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            _roll_back(undo)
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), original_item))  # type: ignore[arg-type]
        except Exception as e:  # as moto: any other failure is a cancellation reason
            errors.append((type(e).__name__, str(e), original_item))  # type: ignore[arg-type]

    if any(code is not None for code, _, _ in errors):
        _roll_back(undo)
        raise TransactionCanceledException(errors)


def _before(backend: Any, table_name: str, key: dict[str, Any], current: Any) -> tuple[Any, ...]:
    """What puts this one item back: an update changes the item in place, so a copy."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    table = backend.get_table(table_name)
    hash_value = DynamoType(key[table.hash_key_attr])
    range_attr = table.range_key_attr
    range_value = DynamoType(key[range_attr]) if range_attr is not None else None
    return table, hash_value, range_value, copy.deepcopy(current)


def _roll_back(undo: list[tuple[Any, Any, Any, Any]]) -> None:
    for table, hash_value, range_value, before in reversed(undo):
        if before is None:
            table.delete_item(hash_value, range_value)
        else:
            table.put_item(before.to_json()["Attributes"], overwrite=True)
