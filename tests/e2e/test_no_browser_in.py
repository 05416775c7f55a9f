"""No web page reads or writes the embedded stack, and nothing listens beyond 127.0.0.1
(decision 0082): a foreign origin's preflight and its simple form post are refused on the AWS
endpoint and the provider endpoints; the stack's own page origin still passes."""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from pathlib import Path

from tests.e2e.conftest import Stack
from tests.support.stacks import stack_processes

EVIL = "https://evil.example"
TCP_LISTEN = "0A"


def _request(
    url: str, method: str, headers: dict[str, str], body: bytes | None = None
) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            return answer.status, dict(answer.headers)
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers)


def test_a_foreign_origin_s_preflight_and_form_post_are_refused_by_the_aws_endpoint(
    stack: Stack,
) -> None:
    aws = f"http://127.0.0.1:{stack.port}/"
    preflight = {
        "Origin": EVIL,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-amz-target,content-type",
    }
    form = {"Origin": EVIL, "Content-Type": "application/x-www-form-urlencoded"}

    status, headers = _request(aws, "OPTIONS", preflight)
    posted, _ = _request(aws, "POST", form, b"Action=ListQueues")

    assert status == 403
    assert not any(h.lower() == "access-control-allow-origin" for h in headers)
    assert posted == 403


def test_the_stack_s_own_page_origin_passes_and_sdks_send_none(stack: Stack) -> None:
    aws = f"http://127.0.0.1:{stack.port}/"
    page = f"http://127.0.0.1:{stack.port + 9}"

    status, _ = _request(aws, "OPTIONS", {"Origin": page, "Access-Control-Request-Method": "PUT"})
    listed = stack.cli("local", "status", "--json")

    assert status == 200
    assert listed.returncode == 0, listed.stderr


def test_provider_endpoints_refuse_a_browser_origin(stack: Stack) -> None:
    for offset in (1, 2, 4, 6, 7, 8):  # resend, sendgrid, ses, sms, whatsapp, push
        url = f"http://127.0.0.1:{stack.port + offset}/_local/outbox"
        status, _ = _request(url, "GET", {"Origin": EVIL})
        assert status == 403, url


def test_every_listener_of_the_stack_is_on_127_0_0_1(stack: Stack) -> None:
    pids = stack_processes(stack.home)
    inodes = {_socket_inode(fd) for pid in pids for fd in _fds(pid)} - {None}
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == TCP_LISTEN and fields[9] in inodes:
                listening.append(fields[1].split(":")[0])

    assert pids and listening
    assert set(listening) == {"0100007F"}  # 127.0.0.1, nothing on 0.0.0.0 or ::


def _fds(pid: int) -> list[Path]:
    try:
        return list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return []


def _socket_inode(fd: Path) -> str | None:
    try:
        target = os.readlink(fd)
    except OSError:
        return None
    return target[len("socket:[") : -1] if target.startswith("socket:[") else None
