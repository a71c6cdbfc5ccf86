"""The error hierarchy.

The library raises; only the CLI decides what an error means for the exit code
and the message a user reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


class DigestError(Exception):
    """Base of every error the library raises on purpose."""


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with a config file, located by path and line."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f"{self.path}: " if self.path else ""
        return f"{where}: {field}{self.message}"


class ConfigError(DigestError):
    """A config that cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class SourceError(DigestError):
    """A source could not be read. Caught per source so one failure never stops a briefing."""


class NoSourcesError(SourceError):
    """Every source failed: there is nothing to brief on, so nothing is written and the
    last good briefing stays in place."""

    def __init__(self, failures: list[tuple[str, str]]) -> None:
        self.failures = list(failures)
        lines = "".join(f"\n  {source}: {reason}" for source, reason in self.failures)
        super().__init__(f"every source failed; nothing written:{lines}")


class RenderError(DigestError):
    """A template or output format could not be rendered."""


class DeliveryError(DigestError):
    """Outputs could not be written or sent."""


class SendError(DeliveryError):
    """The message did not reach every recipient (or was not sent at all).

    ``delivered`` lists the recipients the server accepted: a partial delivery when not empty.
    ``failed`` maps every other recipient to why (the server's reply, or the connection error);
    it is empty when sending did not start (no password, unreadable CA file).
    """

    def __init__(
        self,
        message: str,
        *,
        delivered: Sequence[str] = (),
        failed: Mapping[str, str] | None = None,
        attempts: int = 0,
    ) -> None:
        super().__init__(message)
        self.delivered = list(delivered)
        self.failed = dict(failed or {})
        self.attempts = attempts


class StateError(DigestError):
    """The state store or its run lock cannot be opened, read or written (corrupt, a
    folder where the file should be, a read-only or impossible path, a newer schema)."""


class LockError(DigestError):
    """Another run holds the lock; this one did nothing."""
