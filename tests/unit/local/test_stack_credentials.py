"""The embedded stack's own keys (decision 0083): generated once, owner-only, replaced when
others could read them, and handed to every client pointed at the stack."""

from __future__ import annotations

import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSPreparedRequest

from tctfmsg.core import settings
from tctfmsg.core.clients import Clients
from tctfmsg.local import sigv4, state
from tctfmsg.local.components import pointed_at


def test_keys_are_generated_once_and_readable_by_their_owner_only(tmp_path: Path) -> None:
    first = state.ensure_credentials(tmp_path)
    again = state.ensure_credentials(tmp_path)

    mode = stat.S_IMODE((tmp_path / state.CREDENTIALS_FILE).stat().st_mode)
    assert again == first
    assert mode == 0o600
    assert len(first.secret_access_key) >= 40
    assert first.secret_access_key not in repr(first)


def test_keys_others_could_read_are_replaced(tmp_path: Path) -> None:
    first = state.ensure_credentials(tmp_path)
    (tmp_path / state.CREDENTIALS_FILE).chmod(0o644)

    replaced = state.ensure_credentials(tmp_path)

    assert replaced.secret_access_key != first.secret_access_key
    assert stat.S_IMODE((tmp_path / state.CREDENTIALS_FILE).stat().st_mode) == 0o600


class _Sent(Exception):
    pass


def test_clients_pointed_at_the_stack_sign_with_its_keys(tmp_path: Path) -> None:
    loaded = settings.load(target="local", home=tmp_path)
    keys = state.ensure_credentials(loaded.local_dir)
    client = Clients(pointed_at(loaded, 40000)).build("sqs", total_attempts=1)
    sent: list[AWSPreparedRequest] = []

    def capture(request: AWSPreparedRequest, **_: Any) -> None:
        sent.append(request)
        raise _Sent  # nothing leaves the process

    client.meta.events.register_first("before-send", capture)
    with pytest.raises(_Sent):
        client.list_queues()

    request = sent[0]
    received = sigv4.Received(
        request.method,
        request.url.removeprefix("http://127.0.0.1:40000"),
        {k.lower(): v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        | {"host": "127.0.0.1:40000"},
        request.body or b"",
    )
    stack_keys = {keys.access_key_id: keys.secret_access_key}
    assert sigv4.check(received, stack_keys, datetime.now(UTC)) is None
    assert sigv4.check(received, {keys.access_key_id: "other"}, datetime.now(UTC)) is not None
