"""The AWS endpoint's write-ahead journal: numbered records in segment files, each a length, a
CRC and a payload, made durable by group commit (one fsync covers every record written before
it), so a writer waits for the disk without holding the lock that orders the records
(docs/decisions/0082).

A segment is named after the first sequence number it may hold; a snapshot records the last
sequence it contains, after which older segments are deleted. A record torn by a crash fails
its CRC and ends the reading of its segment.
"""

from __future__ import annotations

import os
import struct
import threading
import zlib
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

_HEADER = struct.Struct(">QII")  # sequence, payload length, CRC32 of the payload
SEGMENT_SUFFIX = ".journal"
MAX_RECORD_BYTES = 64 * 1024 * 1024  # a header claiming more is garbage, not a record


def segment_name(first_seq: int) -> str:
    return f"{first_seq:020d}{SEGMENT_SUFFIX}"


def segments(directory: Path) -> list[Path]:
    return sorted(directory.glob(f"*{SEGMENT_SUFFIX}"))


def read(directory: Path, after: int) -> Iterator[tuple[int, bytes]]:
    """Every intact record with a sequence number above `after`, in order."""
    for path in segments(directory):
        yield from (r for r in _read_segment(path) if r[0] > after)


def _read_segment(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as handle:
        while True:
            header = handle.read(_HEADER.size)
            if len(header) < _HEADER.size:
                return
            seq, length, crc = _HEADER.unpack(header)
            if length > MAX_RECORD_BYTES:
                return
            payload = handle.read(length)
            if len(payload) < length or zlib.crc32(payload) != crc:
                return  # torn by a crash: nothing after it was acknowledged
            yield seq, payload


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Journal:
    """Appends happen under the caller's ordering lock; `wait_durable` outside it."""

    def __init__(self, directory: Path, last_seq: int) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.last_seq = last_seq
        self._durable = last_seq
        self._cond = threading.Condition()
        self._syncing = False
        self._fd = self._open_segment(last_seq + 1)

    def _open_segment(self, first_seq: int) -> int:
        path = self.directory / segment_name(first_seq)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        fsync_directory(self.directory)  # the new name survives a power cut
        return fd

    def append(self, payload: bytes) -> int:
        """Writes the next record (not yet durable); the caller holds its ordering lock."""
        seq = self.last_seq + 1
        os.write(self._fd, _HEADER.pack(seq, len(payload), zlib.crc32(payload)) + payload)
        self.last_seq = seq
        return seq

    def wait_durable(self, seq: int) -> None:
        """Returns once every record up to seq is on disk; one fsync serves every waiter."""
        with self._cond:
            while self._durable < seq:
                if self._syncing:
                    self._cond.wait()
                    continue
                self._syncing = True
                target, fd = self.last_seq, self._fd
                self._cond.release()
                try:
                    os.fsync(fd)
                finally:
                    self._cond.acquire()
                    self._syncing = False
                    self._durable = max(self._durable, target)
                    self._cond.notify_all()

    def rotate(self) -> None:
        """Starts a new segment at the next sequence; the caller holds its ordering lock."""
        with self._cond:
            while self._syncing:
                self._cond.wait()
            os.fsync(self._fd)
            os.close(self._fd)
            self._durable = self.last_seq
            self._fd = self._open_segment(self.last_seq + 1)

    def drop_through(self, seq: int) -> int:
        """Deletes segments holding only records up to seq (a durable snapshot has them)."""
        paths = segments(self.directory)
        dropped = 0
        for path, following in pairwise(paths):
            if int(following.name.removesuffix(SEGMENT_SUFFIX)) - 1 <= seq:
                path.unlink()
                dropped += 1
        if dropped:
            fsync_directory(self.directory)
        return dropped

    def close(self) -> None:
        with self._cond:
            os.fsync(self._fd)
            os.close(self._fd)
            self._durable = self.last_seq
