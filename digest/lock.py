"""One run at a time: cron may start a run while yesterday's (or a stuck) one still goes.

The lock is an advisory ``flock`` on a file next to the state store. The kernel drops
it when its process dies, however it dies, so a lock left by a killed run is simply
taken over; the file's text (pid and start time) is only there to say who holds it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from .errors import LockError, StateError


@contextlib.contextmanager
def hold(path: Path) -> Iterator[None]:
    """Hold the run lock at ``path`` for the ``with`` block; raise LockError if taken,
    StateError if the lock file cannot be made (a folder in its place, a read-only or
    impossible folder)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise StateError(f"run lock {path}: cannot open it: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            who = f" by {holder}" if holder else ""
            raise LockError(f"another digest run holds {path}{who}; not starting") from None
        stamp = datetime.now(UTC).isoformat(timespec="seconds")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} since {stamp}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
