"""``digest status``: what the state store remembers of the last runs, of each source and
of each delivery, for the operator asking why this morning's briefing did not come.

Read only: it never creates a store, and takes no run lock (the store's readers never
wait for a writer). Times are shown in the briefing's time zone, always with the zone.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .config import LoadedConfig
from .models import Status
from .render import local_time, zone_name
from .sources import describe
from .state import DeliveryRecord, RunRecord, SourceHealth, Store


@dataclass(frozen=True)
class SourceLine:
    """A configured source and how the recorded runs found it (None: none read it yet)."""

    id: str
    name: str
    location: str
    health: SourceHealth | None


@dataclass(frozen=True)
class Report:
    """What ``digest status`` shows; ``recorded`` is False before the first run."""

    store: Path
    zone: ZoneInfo
    recorded: bool
    runs: tuple[RunRecord, ...] = ()
    sources: tuple[SourceLine, ...] = ()
    deliveries: tuple[DeliveryRecord, ...] = ()
    pending: DeliveryRecord | None = None


def gather(loaded: LoadedConfig, limit: int = 10) -> Report:
    """The last ``limit`` runs and deliveries, and the health of every configured source."""
    path = loaded.resolve(loaded.config.state.path)
    zone = ZoneInfo(loaded.config.briefing.timezone)
    infos = describe(loaded)
    if not path.is_file():  # opening would create it: a status check writes nothing
        lines = tuple(SourceLine(i.id, i.name, i.location, None) for i in infos)
        return Report(path, zone, recorded=False, sources=lines)
    with Store.open(path) as store:
        health = store.source_health()
        return Report(
            path,
            zone,
            recorded=True,
            runs=tuple(store.runs(limit)),
            sources=tuple(SourceLine(i.id, i.name, i.location, health.get(i.id)) for i in infos),
            deliveries=tuple(store.deliveries(limit)),
            pending=store.pending_delivery(),
        )


def when(moment: datetime, zone: ZoneInfo | LoadedConfig) -> str:
    """``2025-06-06 12:22 EDT``: a time of day in the briefing's zone (``zone``, or the
    config's ``briefing.timezone``), never without it."""
    if isinstance(zone, LoadedConfig):
        zone = ZoneInfo(zone.config.briefing.timezone)
    local = local_time(moment, zone)
    return f"{local:%Y-%m-%d %H:%M} {zone_name(local)}"


def text(report: Report) -> Iterator[str]:
    """The report as lines for a person."""
    zone = report.zone
    yield f"State store {report.store}; times in {zone.key}."
    if not report.recorded:
        yield "No runs recorded yet: `digest build` starts the record."
    yield ""
    yield "Last runs, newest first:" if report.runs else "Last runs: none."
    for run in report.runs:
        code = "exit -" if run.exit_code is None else f"exit {run.exit_code}"
        took = f"  {(run.finished - run.started).total_seconds():.1f} s" if run.finished else ""
        yield (
            f"  {when(run.started, zone)}  {run.command:<5}  briefing of {run.briefing_date}"
            f"  {code}  {_outcome(run)}{took}"
        )
    yield ""
    yield "Sources:"
    width = max((len(s.id) for s in report.sources), default=0)
    for source in report.sources:
        yield f"  {source.id:<{width}}  {_health(source.health, zone)}"
    yield ""
    yield "Deliveries, newest first:" if report.deliveries else "Deliveries: none."
    for delivery in report.deliveries:
        if delivery.ok:
            what = f"sent to {len(delivery.recipients)} recipient(s)"
        else:
            what = f"failed for {len(delivery.recipients)} recipient(s): {delivery.error}"
        yield f"  {when(delivery.at, zone)}  briefing of {delivery.briefing_date}  {what}"
    if report.pending is not None:
        yield (
            f"Not delivered yet: the briefing of {report.pending.briefing_date}"
            " (`digest send` sends it)."
        )


def _outcome(run: RunRecord) -> str:
    """What a run came to, in a few words."""
    if run.finished is None:
        return "did not finish (killed, or still running)"
    if run.message:
        return run.message.splitlines()[0].rstrip(":")
    if run.command == "send":
        return "sent"
    failed = sum(s.status is Status.FAILED for s in run.statuses)
    wrote = f"wrote {len(run.outputs)} file(s)"
    return wrote + (f"; {failed} of {len(run.statuses)} sources failed" if failed else "")


def _health(health: SourceHealth | None, zone: ZoneInfo) -> str:
    if health is None:
        return "not read by any recorded run yet"
    last = health.last
    if health.failing_since is not None:
        worked = f"last worked {when(health.last_ok, zone)}" if health.last_ok else "never worked"
        return (
            f"failing since {when(health.failing_since, zone)} ({health.failed_runs} run(s) in"
            f" a row; {worked}): {last.reason}"
        )
    found = f"{last.status.value} at {when(health.checked, zone)}, {last.documents} document(s)"
    return found + (f": {last.reason}" if last.reason else "")


def as_json(report: Report) -> dict[str, Any]:
    """The report for tools; times in ISO 8601 with the briefing zone's offset."""

    def iso(moment: datetime | None) -> str | None:
        return local_time(moment, report.zone).isoformat() if moment is not None else None

    return {
        "state": str(report.store),
        "timezone": report.zone.key,
        "runs": [
            {
                "id": run.id,
                "command": run.command,
                "briefing_date": run.briefing_date.isoformat(),
                "started": iso(run.started),
                "finished": iso(run.finished),
                "exit_code": run.exit_code,
                "message": run.message,
                "outputs": [str(p) for p in run.outputs],
                "sources": [
                    {
                        "id": s.source_id,
                        "status": s.status.value,
                        "documents": s.documents,
                        "reason": s.reason,
                    }
                    for s in run.statuses
                ],
            }
            for run in report.runs
        ],
        "sources": [
            {"id": s.id, "name": s.name, "location": s.location}
            | (
                {
                    "status": s.health.last.status.value,
                    "documents": s.health.last.documents,
                    "reason": s.health.last.reason,
                    "checked": iso(s.health.checked),
                    "last_ok": iso(s.health.last_ok),
                    "failing_since": iso(s.health.failing_since),
                    "failed_runs": s.health.failed_runs,
                }
                if s.health is not None
                else {"status": None}
            )
            for s in report.sources
        ],
        "deliveries": [
            {
                "at": iso(d.at),
                "briefing_date": d.briefing_date.isoformat(),
                "ok": d.ok,
                "recipients": list(d.recipients),
                "error": d.error,
                "files": [str(f) for f in d.files],
            }
            for d in report.deliveries
        ],
        "pending": report.pending.briefing_date.isoformat() if report.pending else None,
    }
