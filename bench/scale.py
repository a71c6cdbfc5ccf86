"""Benchmark: the whole pipeline on 100, 1,000 and 10,000 real articles served as feeds.

    .venv/bin/python bench/scale.py [--sizes 100 1000 10000] [--runs N] [--help-runs 10]
        [--keep DIR] [--json FILE] [--stages-only] [--profile DIR]
        [--jobs N [N ...]] [--executor local dask]

Real articles from ../shared/data (read in place, never copied): the 2,225 BBC articles
(bbc/<topic>/*.txt) and, after them, Multi-News documents (multinews/test.jsonl, 12,744),
one BBC and one Multi-News article in turn while BBC ones last. A server in its own process
serves them on 127.0.0.1 as RSS feeds, full text as description, dates over the last day:
one feed per BBC topic and one per 500 Multi-News documents (a cluster's documents go to
different feeds, as one story reaches a reader through several outlets). It gzips, keeps
connections alive, sends ETag and Last-Modified and answers conditional requests with 304
(the server of sources_bench.py). A temporary config has a generic seven-section config
(world, politics, business, technology, health, entertainment, sport), a 36 h window, the
cache and the state store in a temporary folder.

For each size, each a fresh process:

- ``digest build -f md,html,json`` and ``-f md,html,json,pdf`` on an empty cache and store:
  wall time and peak RSS (``os.wait4``) of the whole command, imports included;
- the same with PDF again on the same cache and store: every feed answers 304, so the run
  finds nothing new and stops after fetching, leaving the files (the re-run with nothing
  new; the script warns if any feed was not 304);
- a driver (this script with ``--child``) that calls ``digest.build.build`` as the command
  does, with the stage functions wrapped by timers (the wrapping exists only in the driver,
  so a normal run pays nothing): seconds per stage (exclusive: the PDF is not in "render"),
  and the peak RSS so far after each stage (with a pool, the key figures, the who's who
  and the PDF run in forked copies of the build's process: their stages read 0 here, and
  "render" includes waiting for the PDF); cold, then again on the same cache and store,
  a full rebuild (what ``--force`` does) with every feed answering 304.

Then ``digest --help``: median wall time of ``--help-runs`` fresh processes. The driver also
reports the time Python's cyclic garbage collector took, by stage. ``--stages-only`` runs only
the cold driver (quick, to try a change); ``--profile DIR`` adds one cProfile'd driver run per
size (stats in DIR/<size>.prof; cProfile sees the main thread only, not the feed parsing that
the source stage runs in a thread).
Each size is measured for each way of running (issue 16): ``--jobs 1 2`` sets ``build.jobs``
(default: the cores), ``--executor dask`` starts a Dask LocalCluster on loopback (one
single-threaded worker process per core) and runs the same with ``build.executor: dask``;
``--executor local dask`` measures both. The driver reports the CPU seconds of its own
process (the critical path: on a machine others use, wall time hides what parallel work
saves) and of its ended worker processes.
A benchmark, not a test: figures depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import hashlib
import html
import itertools
import json
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sources_bench import Handler, Resource, Server  # the same loopback server

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
FEED_SIZE = 500  # Multi-News documents per feed
NO_PDF, WITH_PDF = "md,html,json", "md,html,json,pdf"
STAGES = [  # (label, owner, attribute): what the driver times, in pipeline order
    ("sources", "digest.sources", "collect"),
    ("read", "digest.build", "_extract"),  # extract, normalize, classify: on the workers
    ("screen", "digest.screen", "screen"),
    ("learn", "digest.learn", "refine"),
    ("dedupe", "digest.dedupe", "merge"),
    ("history", "digest.state:Store", "mark"),
    ("standalone", "digest.standalone", "edit"),
    ("salience", "digest.salience", "weigh"),
    ("select", "digest.select", "select"),
    ("figures", "digest.figures", "extract"),
    ("people", "digest.people", "find"),
    ("store docs", "digest.state:Store", "note_documents"),
    ("render", "digest.render", "render"),
    ("pdf", "digest.render", "html_to_pdf"),
    ("deliver", "digest.deliver", "write_outputs"),
    ("store items", "digest.state:Store", "record_items"),
]
SECTIONS: list[dict[str, Any]] = [
    {"id": "world", "title": "World", "keywords": {
        "foreign": 2, "international": 2, "united nations": 3, "embassy": 3, "troops": 3,
        "war": 2, "military": 2, "refugees": 3, "ceasefire": 3, "iraq": 2, "china": 1.5,
        "russia": 2, "europe": 1.5, "syria": 3, "border": 1.5, "diplomat": 3}},
    {"id": "politics", "title": "Politics", "keywords": {
        "election": 3, "minister": 2, "party": 2, "labour": 2, "government": 1.5, "vote": 2,
        "congress": 3, "senate": 3, "president": 1.5, "campaign": 2, "republican": 3,
        "democrat": 3, "parliament": 3, "governor": 2, "tory": 3, "policy": 1}},
    {"id": "business", "title": "Business", "keywords": {
        "market": 2, "shares": 3, "economy": 3, "profit": 3, "bank": 2, "growth": 2,
        "company": 1.5, "investors": 3, "sales": 2, "prices": 2, "inflation": 3, "stock": 2,
        "oil": 2, "jobs": 1.5, "billion": 1.5, "firm": 1.5}},
    {"id": "tech", "title": "Technology and science", "keywords": {
        "software": 3, "phone": 2, "internet": 3, "computer": 3, "games": 2, "digital": 2,
        "online": 2, "technology": 3, "broadband": 3, "users": 2, "apple": 2, "google": 3,
        "microsoft": 3, "scientists": 3, "research": 2, "space": 2}},
    {"id": "health", "title": "Health", "keywords": {
        "health": 3, "hospital": 3, "doctors": 3, "patients": 3, "disease": 3, "cancer": 3,
        "vaccine": 3, "medical": 2, "drug": 2, "virus": 3, "study": 1.5, "obesity": 3}},
    {"id": "entertainment", "title": "Entertainment", "keywords": {
        "film": 3, "music": 3, "album": 3, "award": 2, "actor": 3, "show": 1.5, "singer": 3,
        "star": 1.5, "oscar": 3, "box office": 3, "television": 2, "band": 2, "movie": 3}},
    {"id": "sport", "title": "Sport", "keywords": {
        "match": 2, "win": 1.5, "cup": 2, "coach": 3, "season": 2, "championship": 3,
        "game": 1.5, "team": 2, "players": 2, "league": 3, "olympic": 3, "tournament": 3,
        "football": 3, "rugby": 3, "tennis": 3}},
]  # fmt: skip

# ------------------------------------------------------------------ articles and feeds


def bbc_articles() -> list[tuple[str, str, str | None, list[str]]]:
    """(feed, id, title, paragraphs) of every BBC article, the five topics interleaved."""
    topics = [sorted(t.glob("*.txt")) for t in sorted((DATA / "bbc").iterdir()) if t.is_dir()]
    out = []
    for path in itertools.chain.from_iterable(itertools.zip_longest(*topics)):
        if path is not None:
            text = path.read_bytes().decode("utf-8", "replace")
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            out.append((f"bbc-{path.parent.name}", f"bbc/{path.parent.name}/{path.stem}",
                        lines[0], lines[1:]))  # fmt: skip
    return out


def multinews_articles(limit: int) -> list[tuple[str, str, str | None, list[str]]]:
    """(feed, id, title, paragraphs) of the first ``limit`` Multi-News documents; they have
    no title and no paragraphs (one block of text each); empty ones are passed over."""
    out: list[tuple[str, str, str | None, list[str]]] = []
    with (DATA / "multinews" / "test.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            cluster = json.loads(line)
            for number, text in enumerate(cluster["documents"]):
                text = " ".join(html.unescape(text).split())
                if text and len(out) < limit:
                    out.append(("", f"multinews/{cluster['idx']}-{number}", None, [text]))
            if len(out) >= limit:
                break
    feeds = -(-len(out) // FEED_SIZE)
    return [(f"multinews-{i % feeds + 1:02d}", *rest) for i, (_, *rest) in enumerate(out)]


def articles(size: int) -> list[tuple[str, str, str | None, list[str]]]:
    """``size`` articles: BBC and Multi-News in turn while BBC ones last, then Multi-News."""
    bbc = bbc_articles()
    take_bbc = min(len(bbc), size // 2 if size < 2 * len(bbc) else len(bbc))
    news = multinews_articles(size - take_bbc)
    mixed = [a for pair in itertools.zip_longest(bbc[:take_bbc], news) for a in pair if a]
    if len(mixed) < size:
        sys.exit(f"only {len(mixed)} articles in {DATA}: lower --sizes")
    return mixed


def build_site(
    base: str, size: int, now: datetime | None = None
) -> tuple[dict[str, Resource], list[tuple[str, int]]]:
    """The feeds by path, and (feed path, entries) of each; dated back from ``now``."""
    now = now or datetime.now(UTC)
    items: dict[str, list[str]] = {}
    for i, (feed, key, title, paragraphs) in enumerate(articles(size)):
        link = f"{base}/{key}.html"
        when = format_datetime(now - timedelta(seconds=60 + i * 86400 / size), usegmt=True)
        text = escape("".join(f"<p>{html.escape(p)}</p>" for p in paragraphs))
        head = f"<title>{escape(title)}</title>" if title else ""
        items.setdefault(feed, []).append(
            f"<item>{head}<link>{link}</link><guid>{link}</guid>"
            f"<pubDate>{when}</pubDate><description>{text}</description></item>\n"
        )
    site: dict[str, Resource] = {}
    feeds = []
    for feed, entries in sorted(items.items()):
        body = (
            f"<?xml version='1.0' encoding='utf-8'?>\n<rss version='2.0'><channel>"
            f"<title>{feed}</title><link>{base}/</link><description>Scale bench</description>\n"
            f"{''.join(entries)}</channel></rss>"
        ).encode()
        etag = f'"{hashlib.sha256(body).hexdigest()[:20]}"'
        site[f"/{feed}.xml"] = (etag, body, gzip.compress(body, 6), "application/rss+xml")
        feeds.append((f"/{feed}.xml", len(entries)))
    return site, feeds


def _title(path: str) -> str:
    """``/bbc-business.xml`` → ``BBC business``, ``/multinews-03.xml`` → ``Multi-News 03``."""
    kind, _, rest = path.strip("/").removesuffix(".xml").partition("-")
    return f"{'BBC' if kind == 'bbc' else 'Multi-News'} {rest}"


def write_config(
    folder: Path, base: str, feeds: list[tuple[str, int]], build: dict[str, Any] | None = None
) -> Path:
    config: dict[str, Any] = {
        "briefing": {"title": "Scale benchmark", "timezone": "UTC", "window": "36h"},
        "sources": [
            {
                "kind": "feed",
                "id": path.strip("/").removesuffix(".xml").replace("-", "_"),
                "name": _title(path),
                "url": base + path,
                "max_entries": entries + 10,
            }
            for path, entries in feeds
        ],
        "sections": SECTIONS,
        "fetch": {"cache_dir": str(folder / "cache"), "per_host": 8},
        "state": {"path": str(folder / "state" / "state.sqlite")},
        "output": {"directory": str(folder / "out")},
    }
    if build:
        config["build"] = build
    path = folder / "config.yaml"
    path.write_text(json.dumps(config, indent=1), encoding="utf-8")  # JSON is YAML
    return path


# ------------------------------------------------------------------ measuring


def command(args: list[str]) -> dict[str, Any]:
    """Run a fresh process; its wall time, peak RSS (MiB), exit code and stderr."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(args, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        out.seek(0)
        return {"wall": wall, "rss": usage.ru_maxrss / 1024, "code": process.returncode,
                "stdout": out.read().decode(errors="replace"),
                "stderr": err.read().decode(errors="replace")}  # fmt: skip


def digest_build(config: Path, formats: str) -> dict[str, Any]:
    digest = ROOT / ".venv" / "bin" / "digest"
    exe = [str(digest)] if digest.exists() else [sys.executable, "-m", "digest"]
    out = config.parent / "out"
    done = command([*exe, "build", "-c", str(config), "-o", str(out), "-f", formats])
    if done["code"]:
        sys.exit(f"digest build failed (exit {done['code']}):\n{done['stderr']}")
    return done


def driver(config: Path, formats: str, profile: str | None = None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", str(config), "--formats", formats]
    done = command(cmd + (["--profile", profile] if profile else []))
    if done["code"]:
        sys.exit(f"the driver failed (exit {done['code']}):\n{done['stderr']}")
    result: dict[str, Any] = json.loads(done["stdout"].splitlines()[-1])
    result["process wall"], result["process rss"] = done["wall"], done["rss"]
    return result


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF (pypdf, from the test extra; else -1)."""
    try:
        import io

        import pypdf
    except ImportError:
        return -1
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def server_stats(base: str, reset: bool = False) -> dict[str, int]:
    with urllib.request.urlopen(f"{base}/{'_reset' if reset else '_stats'}") as response:
        stats: dict[str, int] = json.loads(response.read())
    return stats


def cpu(who: int) -> float:
    """CPU seconds (user and system) of this process, or of its ended children."""
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def child(config_path: str, formats: str, profile: str | None) -> None:
    """The driver: ``build.build`` as ``digest build`` calls it, each stage timed; with
    ``profile``, the build (not the imports) runs under cProfile, its stats saved there."""
    started = time.perf_counter()
    import gc
    import importlib

    collecting: list[float] = [0.0, 0.0]  # the one in progress started; seconds in all
    collections = [0, 0, 0]
    in_gc: dict[str, float] = {}  # seconds of collection by the stage they fell in
    stack: list[list[Any]] = []  # [label, start, time of nested stages]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collecting[0] = time.perf_counter()
        else:
            spent = time.perf_counter() - collecting[0]
            collecting[1] += spent
            collections[info["generation"]] += 1
            where = stack[-1][0] if stack else "outside stages"
            in_gc[where] = in_gc.get(where, 0.0) + spent

    gc.callbacks.append(on_gc)

    from digest import build, config

    imported = time.perf_counter()
    times: dict[str, float] = {"imports": imported - started, "config": 0.0}
    times.update((label, 0.0) for label, *_ in STAGES)
    peaks: dict[str, float] = {}
    counts: dict[str, int] = {}

    def timed(label: str, func: Any) -> Any:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            stack.append([label, time.perf_counter(), 0.0])
            try:
                result = func(*args, **kwargs)
            finally:
                _, start, nested = stack.pop()
                spent = time.perf_counter() - start
                times[label] = times.get(label, 0.0) + spent - nested
                if stack:
                    stack[-1][2] += spent
                peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                peaks[label] = max(peaks.get(label, 0.0), peak)
            if label in ("learn", "dedupe", "screen"):
                counts[label] = len(result[0] if label == "screen" else result)
            if label == "sources":
                counts["fetched"] = len(result.documents)
                counts["304"] = result.fetched.not_modified
                counts["requests"] = result.fetched.requests
            return result

        return wrapper

    for label, owner, name in STAGES:
        module_name, _, class_name = owner.partition(":")
        target: Any = importlib.import_module(module_name)
        if class_name:
            target = getattr(target, class_name)
        setattr(target, name, timed(label, getattr(target, name)))
    loaded = config.load(config_path)
    times["config"] = time.perf_counter() - imported
    out = Path(config_path).parent / "out"
    start = time.perf_counter()
    if profile:
        import cProfile

        with cProfile.Profile() as profiler:
            result = build.build(loaded, out_dir=out, formats=formats.split(","))
        profiler.dump_stats(profile)
    else:
        result = build.build(loaded, out_dir=out, formats=formats.split(","))
    total = time.perf_counter() - start
    times["other"] = total - sum(v for k, v in times.items() if k not in ("imports", "config"))
    briefing = result.briefing
    pdf = result.outputs.get("pdf")  # counted after the build: pypdf's time is not ours
    if pdf:
        counts["pdf pages"], counts["pdf KiB"] = pdf_pages(pdf), len(pdf) // 1024
    failed = [s.reason for s in briefing.statuses if s.status.value == "failed"]
    notes = [f"{s.source_id}: {s.reason}" for s in briefing.statuses if s.reason]
    print(json.dumps({
        "times": times, "peaks": peaks, "counts": counts, "total": time.perf_counter() - started,
        "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "failed": failed,
        "workers rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
        "cpu": cpu(resource.RUSAGE_SELF), "workers cpu": cpu(resource.RUSAGE_CHILDREN),
        "notes": notes,
        "shown": len(briefing.shown_items), "new": briefing.new_items,
        "figures": len(briefing.figures), "people": len(briefing.people),
        "gc": collecting[1], "collections": collections, "gc by stage": in_gc,
    }))  # fmt: skip


# ------------------------------------------------------------------ the benchmark


def variants(args: argparse.Namespace, scheduler: str | None) -> list[tuple[str, dict[str, Any]]]:
    """(label, the config's ``build``) of each way to run: ``--jobs`` on this machine, then
    the Dask cluster if asked."""
    out: list[tuple[str, dict[str, Any]]] = [(f"jobs {n}", {"jobs": n}) for n in args.jobs]
    if scheduler:
        out.append(("dask", {"executor": "dask", "scheduler": scheduler}))
    return out


def run_size(size: int, args: argparse.Namespace, scheduler: str | None) -> list[dict[str, Any]]:
    """Every measurement of one size, for each variant (``--jobs``, ``--executor``)."""
    server = Server(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    made = time.perf_counter()
    Handler.site, feeds = build_site(base, size)
    mib = sum(len(r[1]) for r in Handler.site.values()) / 2**20
    zipped = sum(len(r[2]) for r in Handler.site.values()) / 2**20
    print(f"\n{size} articles: {len(feeds)} feeds, {mib:.1f} MiB ({zipped:.1f} MiB gzipped), "
          f"made in {time.perf_counter() - made:.1f} s, served on {base}", flush=True)  # fmt: skip
    process = multiprocessing.get_context("fork").Process(target=server.serve_forever)
    process.start()
    server.socket.close()
    results = []
    try:
        for label, build in variants(args, scheduler):
            print(f" {label}:", flush=True)
            runs = [measure(size, args, base, feeds, build, number) for number in range(args.runs)]
            results.append({"size": size, "variant": label, "feeds": len(feeds), "MiB": mib,
                            "runs": runs})  # fmt: skip
            if args.profile:  # one more cold run, profiled: not in the tables
                Path(args.profile).mkdir(parents=True, exist_ok=True)
                stats = str(Path(args.profile, f"{size}-{label.replace(' ', '')}.prof"))
                with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
                    config = write_config(Path(tmp), base, feeds, build)
                    profiled = driver(config, WITH_PDF, stats)
                print(f"  profiled run: {profiled['total']:.2f} s; cProfile stats in {stats} "
                      f"(python -m pstats {stats})")  # fmt: skip
    finally:
        process.terminate()
        process.join()
    return results


def measure(
    size: int,
    args: argparse.Namespace,
    base: str,
    feeds: list[tuple[str, int]],
    build: dict[str, Any],
    number: int,
) -> dict[str, Any]:
    """One run of one variant: the whole command three times, then the driver twice."""
    run: dict[str, Any] = {}
    if args.stages_only:
        with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
            run["stages"] = driver(write_config(Path(tmp), base, feeds, build), WITH_PDF)
        stage_line(run["stages"], "stages")
        return run
    for name, formats in (("build", NO_PDF), ("build pdf", WITH_PDF)):
        with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
            config = write_config(Path(tmp), base, feeds, build)
            run[name] = digest_build(config, formats)
            if name == "build pdf":
                server_stats(base, reset=True)
                run["rerun"] = digest_build(config, formats)
                stats = server_stats(base)
                run["rerun"]["server"] = stats
                if stats.get("not_modified") != stats.get("requests") or stats.get("body"):
                    print(f"  warning: the re-run was not all 304: {stats}")
                if args.keep and number == 0:
                    label = "-".join(f"{k}{v}" for k, v in build.items() if k != "scheduler")
                    shutil.copytree(Path(tmp) / "out", Path(args.keep) / f"{size}-{label}",
                                    dirs_exist_ok=True)  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="scale-") as tmp:
        config = write_config(Path(tmp), base, feeds, build)
        run["stages"] = driver(config, WITH_PDF)
        run["stages warm"] = driver(config, WITH_PDF)
    for key in ("stages", "stages warm"):
        if run[key]["failed"]:
            print(f"  warning: {len(run[key]['failed'])} sources failed: "
                  f"{run[key]['failed'][0]}")  # fmt: skip
    summary(size, number, run)
    return run


def summary(size: int, number: int, run: dict[str, Any]) -> None:
    stages = run["stages"]
    c = stages["counts"]
    print(
        f"  run {number + 1}: build {run['build']['wall']:.2f} s {run['build']['rss']:.0f} MiB"
        f" | with pdf {run['build pdf']['wall']:.2f} s {run['build pdf']['rss']:.0f} MiB"
        f" | re-run {run['rerun']['wall']:.2f} s {run['rerun']['rss']:.0f} MiB"
        f" | driver {stages['total']:.2f} s {stages['rss']:.0f} MiB;"
        f" {c.get('screen')} articles, {c.get('learn')} sentences, {c.get('dedupe')} items,"
        f" {stages['shown']} shown, pdf {c.get('pdf pages')} pages {c.get('pdf KiB')} KiB",
        flush=True,
    )
    for note in stages["notes"]:
        print(f"    source {note}")
    for key in ("stages", "stages warm"):
        stage_line(run[key], key)


def stage_line(stages: dict[str, Any], key: str) -> None:
    times, peaks = stages["times"], stages["peaks"]
    cells = [f"{k} {v:.2f}" + (f" ({peaks[k]:.0f})" if k in peaks else "")
             for k, v in times.items()]  # fmt: skip
    print(f"    {key:<12} s (peak MiB): " + ", ".join(cells), flush=True)
    if key == "stages":
        print(f"    total {stages['total']:.2f} s, peak RSS {stages['rss']:.0f} MiB "
              f"(largest worker {stages.get('workers rss', 0):.0f}), CPU {stages['cpu']:.2f} s "
              f"here and {stages.get('workers cpu', 0):.2f} s in workers, "
              f"{stages['gc']:.2f} s in gc (collections by generation "
              f"{stages['collections']}: "
              + ", ".join(f"{k} {v:.2f}" for k, v in stages["gc by stage"].items() if v >= 0.01)
              + ")", flush=True)  # fmt: skip


def help_time(runs: int) -> list[float]:
    digest = ROOT / ".venv" / "bin" / "digest"
    exe = [str(digest)] if digest.exists() else [sys.executable, "-m", "digest"]
    return [command([*exe, "--help"])["wall"] for _ in range(runs)]


def tables(results: list[dict[str, Any]], helps: list[float]) -> None:
    def med(values: list[float]) -> str:
        middle = statistics.median(values)
        if len(values) < 2:
            return f"{middle:.2f}"
        return f"{middle:.2f} ({min(values):.2f}-{max(values):.2f})"

    print("\n| articles | run on | feeds | sentences | items | wall, md+html+json "
          "| wall, with PDF | peak RSS (with PDF) | PDF | re-run, nothing new "
          "| re-run peak RSS |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    results = [r for r in results if r["runs"] and "build" in r["runs"][0]]
    for r in results:
        runs = r["runs"]
        c = runs[0]["stages"]["counts"]
        print(
            f"| {c.get('screen')} | {r['variant']} | {r['feeds']} | {c.get('learn')} "
            f"| {c.get('dedupe')} "
            f"| {med([x['build']['wall'] for x in runs])} s "
            f"| {med([x['build pdf']['wall'] for x in runs])} s "
            f"| {max(x['build pdf']['rss'] for x in runs):.0f} MiB "
            f"| {c.get('pdf pages')} pages, {c.get('pdf KiB')} KiB "
            f"| {med([x['rerun']['wall'] for x in runs])} s "
            f"| {max(x['rerun']['rss'] for x in runs):.0f} MiB |"
        )
    for key, title in (("stages", "cold"), ("stages warm", "rebuilt with every feed 304")):
        labels = list(dict.fromkeys(k for r in results for x in r["runs"] for k in x[key]["times"]))
        print(f"\nstages, {title} (driver process, seconds, median of runs; peak RSS so far MiB)")
        print("| articles | " + " | ".join(labels) + " | total | peak RSS |")
        print("|---" * (len(labels) + 3) + "|")
        for r in results:
            runs = r["runs"]
            cells = [f"{statistics.median(x[key]['times'].get(k, 0.0) for x in runs):.2f}"
                     for k in labels]  # fmt: skip
            total = statistics.median(x[key]["total"] for x in runs)
            peak = max(x[key]["rss"] for x in runs)
            workers = max(x[key].get("workers rss", 0.0) for x in runs)
            print(f"| {r['size']}, {r['variant']} | " + " | ".join(cells)
                  + f" | {total:.2f} | {peak:.0f} (workers {workers:.0f}) |")  # fmt: skip
        print("peak RSS so far after each stage (MiB, largest run):")
        for r in results:
            peaks = dict.fromkeys(dict.fromkeys(label for label, *_ in STAGES), 0.0)
            for x in r["runs"]:
                for k, v in x[key]["peaks"].items():
                    peaks[k] = max(peaks.get(k, 0.0), v)
            print(f"  {r['size']}, {r['variant']}: "
                  + ", ".join(f"{k} {v:.0f}" for k, v in peaks.items()))  # fmt: skip
    print(f"\ndigest --help: median {statistics.median(helps):.3f} s "
          f"({min(helps):.3f}-{max(helps):.3f}) over {len(helps)} runs")  # fmt: skip


@contextlib.contextmanager
def cluster(wanted: bool) -> Iterator[str | None]:
    """A Dask LocalCluster on loopback for the ``dask`` variant: one worker process per
    core, one thread each (the work holds the GIL); its scheduler's address. It lives in
    a process of its own: a command's peak RSS (``os.wait4``) counts its parent's size
    at the fork, and this one must not carry a scheduler."""
    if not wanted:
        yield None
        return
    cores = os.cpu_count() or 1
    ours, theirs = multiprocessing.Pipe()
    process = multiprocessing.get_context("spawn").Process(
        target=serve_cluster, args=(cores, theirs)
    )
    process.start()
    try:
        address: str = ours.recv()
        print(f"Dask LocalCluster at {address}: {cores} workers", flush=True)
        yield address
    finally:
        ours.send("stop")
        process.join(60)


def serve_cluster(cores: int, pipe: Any) -> None:
    """The cluster's process: start it, say where, wait to be told to stop."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=cores, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None) as local:  # fmt: skip
        local.wait_for_workers(cores)
        pipe.send(local.scheduler_address)
        pipe.recv()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--runs", type=int, default=1, help="runs per size (medians)")
    parser.add_argument("--help-runs", type=int, default=10)
    parser.add_argument("--keep", help="copy the first run's briefings of each size here")
    parser.add_argument("--json", help="write every measurement to this file")
    parser.add_argument(
        "--stages-only",
        action="store_true",
        help="only the driver, cold: stage times, no whole command",
    )
    parser.add_argument("--profile", metavar="DIR", help="one more driver run per size under "
                        "cProfile; stats to DIR/<size>.prof")  # fmt: skip
    parser.add_argument("--jobs", type=int, nargs="+", default=[os.cpu_count() or 1],
                        help="build.jobs of each variant (default: the cores)")  # fmt: skip
    parser.add_argument("--executor", nargs="+", choices=["local", "dask"], default=["local"],
                        help="local: the --jobs variants; dask: also (or only) a LocalCluster "
                        "of one single-threaded worker process per core")  # fmt: skip
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--formats", default=WITH_PDF, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.formats, args.profile)
    if not (DATA / "bbc").is_dir() or not (DATA / "multinews" / "test.jsonl").is_file():
        sys.exit(f"{DATA} not found: this benchmark needs the shared evaluation data beside it")
    print(f"scale benchmark, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; "
          f"{args.runs} run(s) per size")  # fmt: skip
    if "local" not in args.executor:
        args.jobs = []
    with cluster("dask" in args.executor) as scheduler:
        results = [r for size in args.sizes for r in run_size(size, args, scheduler)]
    helps = help_time(args.help_runs)
    tables(results, helps)
    if args.json:
        Path(args.json).write_text(
            json.dumps({"results": results, "help": helps}, indent=1), encoding="utf-8"
        )


if __name__ == "__main__":
    main()
