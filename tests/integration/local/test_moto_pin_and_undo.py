"""The moto patches are written for one moto release: anything else is refused with one line,
before anything is patched, and the refusal reaches `tctfmsg local up`. Applying them is undone
exactly, so a test that patches moto leaves the next test the moto it found."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tctfmsg.local import aws_process, daemon, moto_patches
from tctfmsg.local.components import StackContext

PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"


def _owners() -> list[Any]:
    """Every moto class and module the patches touch, named here independently of them."""
    import moto.backends
    import moto.dynamodb.models
    import moto.dynamodb.models.table
    import moto.dynamodb.responses
    import moto.sesv2.responses
    import moto.sqs.models

    return [
        moto.sqs.models.Queue,
        moto.sqs.models.SQSBackend,
        moto.dynamodb.models.table.Table,
        moto.dynamodb.models.DynamoDBBackend,
        moto.dynamodb.responses.DynamoHandler,
        moto.dynamodb.responses,
        moto.backends,
        moto.sesv2.responses.SESV2Response,
    ]


def _snapshot() -> list[dict[str, Any]]:
    return [dict(vars(owner)) for owner in _owners()]


def _changed(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> set[str]:
    changed = set()
    for owner, old, new in zip(_owners(), before, after, strict=True):
        for name in old.keys() | new.keys():
            if old.get(name, None) is not new.get(name, None):
                changed.add(f"{getattr(owner, '__name__', owner)}.{name}")
    return changed


@pytest.fixture
def unpatched() -> None:
    if moto_patches.is_applied():  # another fixture left them on: a bug this file reports
        pytest.fail("moto was left patched by an earlier test")


@pytest.fixture
def other_moto(monkeypatch: pytest.MonkeyPatch) -> str:
    import moto

    monkeypatch.setattr(moto, "__version__", "5.3.0")
    return "5.3.0"


def test_pyproject_pins_exactly_the_release_the_patches_are_written_for() -> None:
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    (moto,) = [d for d in dependencies if d.startswith("moto")]

    assert re.fullmatch(r"moto\[server\]==(\S+)", moto)
    assert moto.endswith(f"=={moto_patches.MOTO_VERSION}")


def test_unpatch_puts_back_every_original_of_moto(unpatched: None) -> None:
    before = _snapshot()

    moto_patches.apply()
    patched = _changed(before, _snapshot())
    moto_patches.unpatch()

    assert {"SQSBackend.send_message", "Table.query", "DynamoHandler.serialized"} <= patched
    assert "DynamoDBBackend.transact_write_items" in patched
    assert "moto.dynamodb.responses.dynamo_to_dict" in patched
    assert "SESV2Response.send_email" in patched
    assert _changed(before, _snapshot()) == set()
    assert not moto_patches.is_applied()


def test_an_applied_block_leaves_moto_as_it_found_it(unpatched: None) -> None:
    before = _snapshot()

    with moto_patches.applied():
        with moto_patches.applied():  # nested: the outer block still wants them
            pass
        still_patched = moto_patches.is_applied()

    assert still_patched
    assert _changed(before, _snapshot()) == set()


@pytest.fixture
def undone_afterwards() -> Iterator[None]:
    yield
    # Torn down after every fixture requested after it, `aws` included.
    assert not moto_patches.is_applied(), "the aws fixture left moto patched"


def test_the_integration_fixture_patches_for_its_test_only(
    unpatched: None, undone_afterwards: None, aws: None
) -> None:
    assert moto_patches.is_applied()


def test_a_moto_other_than_the_pinned_one_is_refused_before_anything_is_patched(
    unpatched: None, other_moto: str
) -> None:
    before = _snapshot()

    with pytest.raises(moto_patches.MotoVersionMismatch) as refused:
        moto_patches.apply()

    line = str(refused.value)
    assert "\n" not in line
    assert f"moto {other_moto} is installed" in line
    assert f"pip install moto=={moto_patches.MOTO_VERSION}" in line
    assert _changed(before, _snapshot()) == set()


def test_the_aws_process_exits_with_that_line_before_serving(
    unpatched: None, other_moto: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = aws_process.main(
        ["--port", "1", "--snapshot", str(tmp_path / "state.json"), "--home", str(tmp_path)]
    )

    printed = capsys.readouterr().out.splitlines()
    assert code == 1
    assert len(printed) == 1
    assert printed[0].startswith(f"FATAL: moto {other_moto} is installed")
    assert aws_process.READY_LINE not in printed[0]
    assert not moto_patches.is_applied()


def test_the_daemon_hands_the_aws_process_s_own_line_to_local_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    line = "moto 5.3.0 is installed but the embedded stack patches moto 5.2.5: install it"
    child = f"print({'FATAL: ' + line!r}); raise SystemExit(1)"
    real_popen = subprocess.Popen

    def popen(args: list[str], **kwargs: Any) -> Any:
        assert args[1:3] == ["-m", "tctfmsg.local.aws_process"]
        return real_popen([sys.executable, "-c", child], **kwargs)

    monkeypatch.setattr(daemon.subprocess, "Popen", popen)
    with pytest.raises(RuntimeError) as failed:
        daemon.AwsProcess.spawn(StackContext(home=tmp_path, stage="local", base_port=1))

    # The daemon prints "FATAL: <this>", the line `local up` reports (local/stack.py).
    assert str(failed.value) == line
