"""Look-ups in moto that cost O(queue depth) or O(table size) per request, made cheap.

One module per place patched: `sqs` (approximate counts built only to be thrown away,
docs/decisions/0002), `dynamodb` (a table query answered from its sorted partition, 0046),
`server` (the service lookup and DynamoDB's wire format, 0046) and `transactions` (a cancelled
transaction undone item by item, not from copies of whole tables, 0075) and `indexes` (an index
query handed only the items holding its hash key value, 0075). All of them keep what moto
answers and change only how much work it does to answer it; each keeps an equivalence test in
tests/integration/local/test_moto_patches.py. One adds what moto lacks: `sesv2` answers a
templated SendEmail as SES does, headers and all (0084; tests/integration/local/test_moto_sesv2.py).

They reach into moto's internals, so they are written for one moto release, pinned exactly in
pyproject.toml: `apply()` refuses any other with one line saying what to install (decision
0065). Every replacement is recorded with what it replaced, so `unpatch()` puts moto back
exactly as it was, and `applied()` is the two as a context manager for tests.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from tctfmsg.core.errors import ConfigurationError
from tctfmsg.local.moto_patches import dynamodb, indexes, server, sesv2, sqs, transactions
from tctfmsg.local.moto_patches.registry import Patches

# The release the patches were written and equivalence-tested against; pyproject.toml pins it
# (a unit test keeps the two equal).
MOTO_VERSION = "5.2.5"

_patches = Patches()
_lock = threading.Lock()


class MotoVersionMismatch(ConfigurationError):
    """The installed moto is not the release the patches are written for."""


def installed_version() -> str:
    import moto

    return str(moto.__version__)


def check_version() -> None:
    installed = installed_version()
    if installed != MOTO_VERSION:
        raise MotoVersionMismatch(
            f"moto {installed} is installed but the embedded stack patches moto {MOTO_VERSION}",
            # no square brackets (moto's [server] extra): a console may read them as markup
            f"install the pinned release: `make install`, or pip install moto=={MOTO_VERSION}",
        )


def apply() -> None:
    """Patch moto once per process (again after `unpatch`); MotoVersionMismatch first if the
    installed moto is not the pinned one, before anything is changed."""
    with _lock:
        if _patches:
            return
        check_version()
        try:
            sqs.apply(_patches)
            dynamodb.apply(_patches)
            transactions.apply(_patches)
            indexes.apply(_patches)
            server.apply(_patches)
            sesv2.apply(_patches)
        except BaseException:
            _patches.undo()
            raise


def unpatch() -> None:
    """Put back everything `apply` replaced."""
    with _lock:
        _patches.undo()


def is_applied() -> bool:
    return bool(_patches)


@contextmanager
def applied() -> Iterator[None]:
    """Patched inside the block; on leaving it, moto is as it was on entering (so a block
    entered while patched leaves the patches on)."""
    already = is_applied()
    apply()
    try:
        yield
    finally:
        if not already:
            unpatch()
