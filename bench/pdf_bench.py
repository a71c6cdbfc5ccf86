"""Benchmark: the PDF step, for the sample briefing and for a ~40-page briefing.

    .venv/bin/python bench/pdf_bench.py [--runs N] [--variant pdf/a-3b] [--page-size Letter]
    .venv/bin/python bench/pdf_bench.py --write /tmp/pdfs   # also keep one PDF of each

Each measurement is a fresh process that reads the briefing from JSON, renders its HTML,
then prints it to PDF twice: the first call is what ``digest build`` pays (WeasyPrint is
imported on first use, fontconfig starts cold), the second what a long-running process
pays. Reported: medians over N runs of the whole process's wall time, the first and the
second PDF call, and the process's peak RSS (and its RSS before the first PDF call).

The large briefing is built from BBC articles in ``../shared/data/bbc`` (read in place,
never copied): five sections of 40 items, 150 sources (some failed, with long reasons),
30 key figures and 40 people. Without that folder it repeats the sample's sections
instead. A benchmark, not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from digest.models import Briefing

ROOT = Path(__file__).resolve().parents[1]
BBC = ROOT.parent / "shared" / "data" / "bbc"
SAMPLE_DATE = date(2025, 6, 6)
TOPICS = ("business", "politics", "tech", "entertainment", "sport")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")


# --------------------------------------------------------------------------- briefings


def sample_briefing() -> Briefing:
    from digest import config
    from digest.build import analyze

    return analyze(config.load(ROOT / "config.yaml"), on=SAMPLE_DATE).briefing


def large_briefing(items_per_section: int = 40, n_sources: int = 150) -> Briefing:
    """About 40 A4 pages: long sections, a long source list and status table."""
    from digest.models import (
        Citation,
        Figure,
        Item,
        Person,
        Quantity,
        Section,
        SourceInfo,
        SourceStatus,
        Status,
    )

    if not BBC.is_dir():
        return _repeated_sample(6)
    articles: list[tuple[str, str, list[str]]] = []  # topic, title, sentences
    per_topic = n_sources // len(TOPICS)
    for topic in TOPICS:
        for path in sorted((BBC / topic).glob("*.txt"))[:per_topic]:
            lines = path.read_text(encoding="utf-8", errors="replace").split("\n")
            body = " ".join(line.strip() for line in lines[1:] if line.strip())
            articles.append((topic, lines[0].strip(), _SENTENCE.split(body)))
    published = datetime(2025, 6, 5, 12, tzinfo=UTC)
    sources = tuple(
        SourceInfo(
            id=f"bbc_{n}",
            number=n,
            name=title,
            kind="feed" if n % 3 else "page",
            location=f"https://feeds.bbci.example/news/{topic}/rss.xml",
            publisher="BBC News",
            url=f"https://www.bbc.example/news/{topic}-{31000000 + n}",
            published=published - timedelta(hours=n % 30),
        )
        for n, (topic, title, _) in enumerate(articles, start=1)
    )
    statuses = tuple(
        SourceStatus(
            s.id,
            Status.FAILED if s.number % 17 == 0 else Status.OK,
            0 if s.number % 17 == 0 else 1 + s.number % 4,
            (
                "HTTP 503 Service Unavailable after 3 attempts (retried after 1 s, 2 s and "
                "4 s); the last answer came from a CDN edge in front of the origin server"
                if s.number % 17 == 0
                else None
            ),
        )
        for s in sources
    )

    def cite(n: int, sentence: int) -> Citation:
        _topic, title, sentences = articles[n - 1]
        text = sentences[sentence % len(sentences)]
        return Citation(f"bbc_{n}", n, f"doc{n}", sentence, text, sources[n - 1].url, title)

    sections = []
    for k, topic in enumerate(TOPICS):
        numbers = [n for n, a in enumerate(articles, start=1) if a[0] == topic]
        items = []
        for i in range(items_per_section):
            n = numbers[i % len(numbers)]
            sentences = articles[n - 1][2]
            start = (i // len(numbers)) * 2
            text = " ".join(sentences[start : start + 2]) or sentences[0]
            others = (numbers[(i + 7) % len(numbers)],) if i % 3 == 0 else ()
            citations = (cite(n, start), *(cite(m, 0) for m in others))
            items.append(Item(text, topic, 1.0 - i / 100, citations))
        note = (
            f"Coverage of **{topic}** is thinner today; see *Sources* for what failed."
            if k % 2 == 0
            else None
        )
        sections.append(Section(topic, topic.capitalize(), f"{topic} news", tuple(items), note))
    figures = tuple(
        Figure(
            f"{articles[n][1]} (figure {n + 1})",
            Quantity(float(n * 7 % 100), "percent", f"{n * 7 % 100} percent"),
            (cite(n + 1, 0),),
            before=Quantity(float(n * 3 % 90), "percent", f"{n * 3 % 90} percent")
            if n % 2
            else None,
            consistent=n % 5 != 0,
            variants=(Quantity(12.0, "percent", "12 percent"),) if n % 5 == 0 else (),
            note="as of the fourth quarter" if n % 4 == 0 else None,
        )
        for n in range(30)
    )
    people = tuple(
        Person(
            f"Person {chr(65 + n % 26)}. Example{n}",
            ("Chief executive", "spokesperson") if n % 2 else ("Minister",),
            (),
            3,
            (cite(n + 1, 0), cite(n + 2, 1)),
            pinned=n < 3,
        )
        for n in range(40)
    )
    return Briefing(
        title="Daily news briefing: business, politics, tech, entertainment and sport",
        subtitle="A synthetic 40-page briefing built from BBC articles (2004-2005)",
        date=SAMPLE_DATE,
        timezone="Europe/London",
        sections=tuple(sections),
        sources=sources,
        statuses=statuses,
        note="Built by `bench/pdf_bench.py` to time a long PDF.",
        top_lines=tuple(s.items[0] for s in sections[:4]),
        figures=figures,
        people=people,
    )


def _repeated_sample(times: int) -> Briefing:
    """Without the BBC data: the sample's sections, again and again."""
    briefing = sample_briefing()
    sections = tuple(
        replace(s, id=f"{s.id}_{k}", title=f"{s.title} ({k + 1})")
        for k in range(times)
        for s in briefing.sections
    )
    return replace(briefing, sections=sections)


# --------------------------------------------------------------------------- child


def child(path: Path, page_size: str, variant: str, write: Path | None) -> None:
    """One measurement, in its own process; prints a JSON line."""
    start = time.perf_counter()
    from digest import config, render

    briefing = render.from_json(json.loads(path.read_text(encoding="utf-8")))
    settings = config.PdfConfig(page_size=page_size, variant=variant)  # type: ignore[arg-type]
    html = render.render(briefing, ["html"])["html"].decode("utf-8")
    created, info = render.briefing_start(briefing), render.pdf_info(briefing)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    pdf = render.html_to_pdf(html, created, settings, info)
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = render.html_to_pdf(html, created, settings, info)
    second = time.perf_counter() - t0
    assert again == pdf, "the PDF is not byte-identical on a second run"
    import pypdf

    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    if write is not None:
        write.write_bytes(pdf)
    print(
        json.dumps(
            {
                "first": first,
                "second": second,
                "process": time.perf_counter() - start,
                "rss_before": rss_before / 1024,
                "rss_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "pages": pages,
                "bytes": len(pdf),
            }
        )
    )


# --------------------------------------------------------------------------- parent


def measure(name: str, path: Path, args: argparse.Namespace) -> None:
    rows = []
    for run in range(args.runs):
        cmd = [sys.executable, __file__, "--child", str(path)]
        cmd += ["--page-size", args.page_size, "--variant", args.variant]
        if args.write and run == 0:
            cmd += ["--write", str(Path(args.write) / f"{name}.pdf")]
        start = time.perf_counter()
        done = subprocess.run(cmd, check=True, capture_output=True, text=True)
        row = json.loads(done.stdout.strip().splitlines()[-1])
        row["wall"] = time.perf_counter() - start
        rows.append(row)

    def med(key: str) -> float:
        return statistics.median(r[key] for r in rows)

    first = [r["first"] for r in rows]
    print(
        f"{name}: {rows[0]['pages']} pages, {rows[0]['bytes'] / 1024:.0f} KiB, "
        f"{args.page_size}, variant {args.variant}, {args.runs} runs (medians)"
    )
    print(f"  process wall      {med('wall'):6.2f} s   (interpreter, imports, HTML, 2 PDFs)")
    print(
        f"  PDF, first call   {med('first'):6.2f} s   (min {min(first):.2f}, "
        f"max {max(first):.2f}; WeasyPrint import included)"
    )
    print(f"  PDF, second call  {med('second'):6.2f} s")
    before = med("rss_before")
    print(f"  peak RSS          {med('rss_peak'):6.0f} MiB (before the PDF: {before:.0f})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--page-size", default="A4", choices=("A4", "Letter"))
    parser.add_argument("--variant", default="none", choices=("none", "pdf/a-3b", "pdf/ua-1"))
    parser.add_argument("--write", help="a folder to keep one PDF of each briefing in")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        write = Path(args.write) if args.write else None
        child(Path(args.child), args.page_size, args.variant, write)
        return
    from digest import render

    if not BBC.is_dir():
        print(f"note: {BBC} is absent; the large briefing repeats the sample's sections")
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in (("sample", sample_briefing), ("large", large_briefing)):
            path = Path(tmp) / f"{name}.json"
            path.write_bytes(render.json_bytes(build()))
            measure(name, path, args)


if __name__ == "__main__":
    main()
