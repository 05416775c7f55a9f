"""Template versions in the DynamoDB config table (the TemplateVersions port)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tctfmsg.core.dynamodb.keys import KeyNames
from tctfmsg.core.errors import Conflict, NotFound
from tctfmsg.rendering.store import TemplateSource, parse_catalogs

KEYS = KeyNames.of("config")  # shared with provider settings: a prefix tells them apart


class DynamoTemplateVersions:
    """Versioned templates in the config table: partition `template#<name>`, sort
    `v#<000001>`."""

    def __init__(self, table: str, client: Any) -> None:
        self.table = table
        self.client = client

    def latest(self, name: str) -> TemplateSource | None:
        items = self.client.query(
            TableName=self.table,
            KeyConditionExpression="#pk = :pk AND begins_with(#sk, :v)",
            ExpressionAttributeNames=KEYS.names,
            ExpressionAttributeValues={":pk": {"S": _pk(name)}, ":v": {"S": "v#"}},
            ScanIndexForward=False,
            Limit=1,
        )["Items"]
        return _source(items[0]) if items else None

    def get(self, name: str) -> TemplateSource:
        found = self.latest(name)
        if found is None:
            raise NotFound(f"template {name!r} has no version in the config table")
        return found

    def names(self) -> list[str]:
        names: set[str] = set()
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "FilterExpression": "begins_with(#pk, :p)",
            "ExpressionAttributeNames": {"#pk": KEYS.partition},
            "ExpressionAttributeValues": {":p": {"S": "template#"}},
            "ProjectionExpression": "#pk",
        }
        while True:
            page = self.client.scan(**kwargs)
            keys = (item[KEYS.partition]["S"] for item in page["Items"])
            names.update(key.removeprefix("template#") for key in keys)
            if "LastEvaluatedKey" not in page:
                return sorted(names)
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def put(self, source: TemplateSource, attempts: int = 5) -> int:
        """Stores the parts as a new version and returns its number."""
        for _ in range(attempts):
            current = self.latest(source.name)
            version = int(current.version.removeprefix("v")) + 1 if current else 1
            item = {
                **KEYS.key(_pk(source.name), f"v#{version:06d}"),
                "version": {"N": str(version)},
                "subject": {"S": source.subject},
                "html": {"S": source.html},
                "text": {"S": source.text},
                "slots": {"S": json.dumps(source.slots)},
                "sample": {"S": json.dumps(source.sample)},
                "strings": {"S": json.dumps(source.strings, ensure_ascii=False)},
                "created_at": {"S": datetime.now(UTC).isoformat(timespec="seconds")},
            }
            if source.sms is not None:
                item["sms"] = {"S": source.sms}
            try:
                self.client.put_item(
                    TableName=self.table,
                    Item=item,
                    ConditionExpression="attribute_not_exists(#sk)",
                    ExpressionAttributeNames={"#sk": KEYS.sorted_by},
                )
                return version
            except self.client.exceptions.ConditionalCheckFailedException:
                continue  # another push took this number; take the next
        raise Conflict(f"template {source.name!r} is being pushed concurrently", "try again")


def _pk(name: str) -> str:
    return f"template#{name}"


def _source(item: dict[str, Any]) -> TemplateSource:
    def text(key: str) -> str:
        return str(item[key]["S"]) if key in item else ""

    return TemplateSource(
        name=text(KEYS.partition).removeprefix("template#"),
        subject=text("subject"),
        html=text("html"),
        text=text("text"),
        sms=text("sms") if "sms" in item else None,
        slots=json.loads(text("slots") or "{}"),
        sample=json.loads(text("sample") or "{}"),
        strings=parse_catalogs(json.loads(text("strings") or "{}"), "config table strings"),
        version=f"v{int(item['version']['N'])}",
        origin="config table",
    )
