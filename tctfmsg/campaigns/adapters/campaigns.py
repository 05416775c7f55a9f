"""CampaignStore on the campaigns table: lifecycle by conditional update, counters by ADD."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from tctfmsg.campaigns.domain.campaign import (
    COUNTERS,
    Audience,
    Campaign,
    CampaignStatus,
    Counters,
    Window,
    breaker_failures,
)
from tctfmsg.campaigns.ports import StateChanged
from tctfmsg.core.dynamodb import codec
from tctfmsg.core.dynamodb.keys import KeyNames
from tctfmsg.core.dynamodb.mapping import ItemMapping, Spread
from tctfmsg.core.errors import Conflict, NotFound

KEYS = KeyNames.of("campaigns")
BY_STATUS = KeyNames.of("campaigns", "by_status")  # status, then send_at
CAMPAIGN = ItemMapping(
    Campaign,
    renamed={"cursor": "fanout_cursor"},
    spread={
        "audience": Spread(
            ("list_name", "audience_filter"),
            write=lambda a: {
                "list_name": a.list_name,
                "audience_filter": json.dumps(dict(a.filter), sort_keys=True),
            },
            read=lambda v: Audience(v["list_name"], json.loads(v.get("audience_filter") or "{}")),
        ),
        "counters": ItemMapping(Counters),  # one number attribute per counter
        "window": ItemMapping(Window),
    },
)


class DynamoCampaignStore:
    def __init__(self, table: str, client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("dynamodb")
        self.table = table
        self.client = client

    def create(self, campaign: Campaign) -> None:
        try:
            self.client.put_item(
                TableName=self.table,
                Item=CAMPAIGN.to_item(campaign),
                ConditionExpression="attribute_not_exists(#pk)",
                ExpressionAttributeNames={"#pk": KEYS.partition},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            raise Conflict(f"campaign {campaign.campaign_id} already exists") from None

    def get(self, campaign_id: str) -> Campaign | None:
        item = self.client.get_item(
            TableName=self.table, Key=KEYS.key(campaign_id), ConsistentRead=True
        ).get("Item")
        return CAMPAIGN.from_item(item) if item else None

    def list(self, status: CampaignStatus | None = None) -> Sequence[Campaign]:
        found = []
        for page in self.client.get_paginator("scan").paginate(TableName=self.table):
            found += [
                c for c in map(CAMPAIGN.from_item, page["Items"]) if status in (None, c.status)
            ]
        return sorted(found, key=lambda c: c.created_at or datetime.min, reverse=True)

    def due(self, now: datetime) -> Sequence[Campaign]:
        pages = self.client.get_paginator("query").paginate(
            TableName=self.table,
            IndexName=BY_STATUS.index,
            KeyConditionExpression="#pk = :s AND #sk <= :now",
            ExpressionAttributeNames=BY_STATUS.names,
            ExpressionAttributeValues={
                ":s": {"S": CampaignStatus.SCHEDULED.value},
                ":now": {"S": codec.to_time(now)},
            },
        )
        return [CAMPAIGN.from_item(item) for page in pages for item in page["Items"]]

    def transition(
        self,
        campaign_id: str,
        expected: CampaignStatus,
        to: CampaignStatus,
        now: datetime,
        *,
        send_at: datetime | None = None,
        reason: str | None = None,
    ) -> Campaign:
        # status and send_at key the by_status index the scheduler reads due campaigns from
        sets = ["#s = :to", "updated_at = :now"]
        names = {"#s": CAMPAIGN.attribute("status")}
        values = {":to": {"S": to.value}, ":expected": {"S": expected.value}, ":now": _s(now)}
        if send_at is not None:
            sets.append("#at = :send_at")
            names["#at"] = CAMPAIGN.attribute("send_at")
            values[":send_at"] = _s(send_at)
        if to is CampaignStatus.COMPLETED:
            sets.append("completed_at = :now")
        if reason is not None:
            sets.append("pause_reason = :reason")
            values[":reason"] = {"S": reason}
        return self._update(
            campaign_id,
            UpdateExpression="SET "
            + ", ".join(sets)
            + ("" if reason is not None else " REMOVE pause_reason"),
            ConditionExpression="#s = :expected",
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
        )

    def add_counts(
        self, campaign_id: str, counts: Mapping[str, int], *, progress_at: datetime | None = None
    ) -> Campaign:
        names, values, adds = _counter_adds(counts)
        if not adds:
            found = self.get(campaign_id)
            if found is None:
                raise NotFound(f"no campaign {campaign_id}")
            return found
        stamp = ""
        if progress_at is not None:
            stamp, values[":progress"] = "SET progress_at = :progress ", _s(progress_at)
        return self._update(
            campaign_id,
            UpdateExpression=stamp + "ADD " + ", ".join(adds),
            ConditionExpression="attribute_exists(#pk)",
            ExpressionAttributeNames={**names, "#pk": KEYS.partition},
            ExpressionAttributeValues=values,
        )

    def record_outcomes(
        self,
        campaign_id: str,
        counts: Mapping[str, int],
        failures: Mapping[str, tuple[int, str]],
        now: datetime,
    ) -> Campaign:
        names, values, adds = _counter_adds(counts)
        values[":progress"] = _s(now)
        settled = counts.get("sent", 0) + counts.get("failed", 0)
        failed = breaker_failures(counts.get("failed", 0), failures)
        if settled:
            adds += ["window_settled :ws", "window_failed :wf"]
            values |= {":ws": {"N": str(settled)}, ":wf": {"N": str(failed)}}
        sets = ["progress_at = :progress"]  # the same write: progress costs nothing more
        for i, (reason, (count, sample)) in enumerate(sorted(failures.items())):
            names[f"#r{i}"] = reason
            values |= {f":n{i}": {"N": str(count)}, f":s{i}": {"S": sample}, ":zero": {"N": "0"}}
            sets += [
                f"failure_counts.#r{i} = if_not_exists(failure_counts.#r{i}, :zero) + :n{i}",
                f"failure_samples.#r{i} = if_not_exists(failure_samples.#r{i}, :s{i})",
            ]
        if not adds and not failures:
            return self.add_counts(campaign_id, {})
        expression = "SET " + ", ".join(sets) + (" ADD " + ", ".join(adds) if adds else "")
        request = {
            "UpdateExpression": expression,
            "ConditionExpression": "attribute_exists(#pk)",
            "ExpressionAttributeNames": {**names, "#pk": KEYS.partition},
            "ExpressionAttributeValues": values,
        }
        try:
            return self._update(campaign_id, **request)
        except ClientError as exc:
            # a campaign stored before the summary existed has no maps to add into
            if not failures or exc.response["Error"]["Code"] != "ValidationException":
                raise
        self.client.update_item(
            TableName=self.table,
            Key=KEYS.key(campaign_id),
            UpdateExpression="SET failure_counts = if_not_exists(failure_counts, :m),"
            " failure_samples = if_not_exists(failure_samples, :m)",
            ExpressionAttributeValues={":m": {"M": {}}},
        )
        return self._update(campaign_id, **request)

    def roll_window(self, campaign_id: str, seen: Window) -> Campaign:
        try:
            return self._update(
                campaign_id,
                UpdateExpression="SET window_prev_failed = :f, window_settled = :zero,"
                " window_failed = :zero",
                ConditionExpression="window_settled = :s AND window_failed = :f",
                ExpressionAttributeValues={
                    ":s": {"N": str(seen.window_settled)},
                    ":f": {"N": str(seen.window_failed)},
                    ":zero": {"N": "0"},
                },
            )
        except StateChanged:  # another batch added meanwhile: the next one rolls it
            return self.get(campaign_id) or self._missing(campaign_id)

    def set_counts(self, campaign_id: str, counters: Counters) -> Campaign:
        values = {f":{k}": {"N": str(v)} for k, v in counters.as_dict().items()}
        return self._update(
            campaign_id,
            UpdateExpression="SET " + ", ".join(f"#{k} = :{k}" for k in COUNTERS),
            ConditionExpression="attribute_exists(#pk)",
            ExpressionAttributeNames={f"#{k}": k for k in COUNTERS} | {"#pk": KEYS.partition},
            ExpressionAttributeValues=values,
        )

    def take_lease(self, campaign_id: str, token: str, until: datetime, now: datetime) -> bool:
        try:
            self.client.update_item(
                TableName=self.table,
                Key=KEYS.key(campaign_id),
                UpdateExpression="SET lease_token = :t, lease_until = :until",
                ConditionExpression=(
                    "attribute_exists(#pk) AND (attribute_not_exists(lease_until)"
                    " OR lease_until < :now OR lease_token = :t)"
                ),
                ExpressionAttributeNames={"#pk": KEYS.partition},
                ExpressionAttributeValues={
                    ":t": {"S": token},
                    ":until": _s(until),
                    ":now": _s(now),
                },
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def save_progress(
        self,
        campaign_id: str,
        token: str,
        cursor: str | None,
        counts: Mapping[str, int],
        done: bool,
    ) -> Campaign:
        names, values, adds = _counter_adds(counts)
        values[":t"] = {"S": token}
        sets = ["fanout_done = :done"]
        values[":done"] = {"BOOL": done}
        removes = []
        if cursor is None:
            removes.append("fanout_cursor")
        else:
            sets.append("fanout_cursor = :c")
            values[":c"] = {"S": cursor}
        if done:
            removes += ["lease_token", "lease_until"]
        expression = "SET " + ", ".join(sets)
        if adds:
            expression += " ADD " + ", ".join(adds)
        if removes:
            expression += " REMOVE " + ", ".join(removes)
        return self._update(
            campaign_id,
            UpdateExpression=expression,
            ConditionExpression="lease_token = :t",
            ExpressionAttributeNames=names or None,
            ExpressionAttributeValues=values,
        )

    def release_lease(self, campaign_id: str, token: str) -> None:
        # someone else may hold it by now: then there is nothing of ours to release
        with contextlib.suppress(self.client.exceptions.ConditionalCheckFailedException):
            self.client.update_item(
                TableName=self.table,
                Key=KEYS.key(campaign_id),
                UpdateExpression="REMOVE lease_token, lease_until",
                ConditionExpression="lease_token = :t",
                ExpressionAttributeValues={":t": {"S": token}},
            )

    @staticmethod
    def _missing(campaign_id: str) -> Campaign:
        raise NotFound(f"no campaign {campaign_id}")

    def _update(self, campaign_id: str, **request: Any) -> Campaign:
        request = {k: v for k, v in request.items() if v is not None}
        try:
            response = self.client.update_item(
                TableName=self.table, Key=KEYS.key(campaign_id), ReturnValues="ALL_NEW", **request
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            current = self.get(campaign_id)
            if current is None:
                raise NotFound(f"no campaign {campaign_id}") from None
            raise StateChanged(
                f"campaign {campaign_id} changed meanwhile (now {current.status.value})",
                "run the command again",
            ) from None
        return CAMPAIGN.from_item(response["Attributes"])


def _counter_adds(counts: Mapping[str, int]) -> tuple[dict[str, str], dict[str, Any], list[str]]:
    unknown = set(counts) - set(COUNTERS)
    if unknown:
        raise ValueError(f"not campaign counters: {sorted(unknown)}")
    live = {k: v for k, v in counts.items() if v}
    names = {f"#{k}": k for k in live}
    values: dict[str, Any] = {f":{k}": {"N": str(v)} for k, v in live.items()}
    return names, values, [f"#{k} :{k}" for k in live]


def _s(value: datetime) -> dict[str, str]:
    return {"S": codec.to_time(value)}
