"""Clients and other costly collaborators are made at their first use, once."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from tctfmsg.core import settings as settings_module
from tctfmsg.core.clients import Clients
from tctfmsg.core.lazy import OnFirstUse


def test_nothing_is_built_until_first_used_then_once_whatever_the_threads() -> None:
    built: list[int] = []
    gate = threading.Barrier(8)

    def build() -> Any:
        built.append(1)
        return {"answer": 42}

    lazy = OnFirstUse(build, "thing")
    assert built == [] and "not made yet" in repr(lazy)

    def use() -> None:
        gate.wait()
        assert lazy.get("answer") == 42

    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)

    assert built == [1]
    assert lazy.made() == {"answer": 42} and "made" in repr(lazy)


def test_a_clients_boto3_client_loads_its_model_only_when_a_command_calls_it(
    tmp_path: Path,
) -> None:
    settings = settings_module.load(target="aws", stage="dev", home=tmp_path)
    clients = Clients(settings)
    built: list[str] = []
    real_build = clients.build

    def build(service: str, *args: Any, **kwargs: Any) -> Any:
        built.append(service)
        return real_build(service, *args, **kwargs)

    clients.build = build  # type: ignore[method-assign]
    sesv2 = clients.client("sesv2")
    assert clients.client("sesv2") is sesv2 and built == []

    assert sesv2.meta.service_model.service_name == "sesv2"
    assert hasattr(sesv2.exceptions, "NotFoundException")
    assert built == ["sesv2"]
