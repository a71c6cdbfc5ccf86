"""Benchmark: build the sample briefing, all four formats.

    .venv/bin/python bench/sample_build.py [--runs N]

Reports the wall time and peak memory (max RSS) of the whole `digest build` command
(a fresh process each run, so imports are included), and the time each stage takes in
one process. A benchmark, not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def whole_command(runs: int) -> None:
    walls, peaks = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as out:
            cmd = [
                sys.executable,
                "-m",
                "digest",
                "build",
                "-c",
                str(ROOT / "config.yaml"),
                "-o",
                out,
            ]
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True)
            walls.append(time.perf_counter() - start)
            peaks.append(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss or before)
    print(f"digest build (md,html,pdf,json), {runs} runs, new process each:")
    median = statistics.median(walls)
    print(f"  wall   median {median:.3f} s   min {min(walls):.3f} s   max {max(walls):.3f} s")
    print(f"  peak RSS {max(peaks) / 1024:.1f} MiB")


def stages() -> None:
    from digest import config, dedupe, deliver, figures, normalize, people, render, select, sources
    from digest.build import _extract
    from digest.classify import Classifier
    from digest.text import Stemmer

    times: dict[str, float] = {}

    def timed(name: str, func, *args):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        result = func(*args)
        times[name] = times.get(name, 0.0) + time.perf_counter() - start
        return result

    import weasyprint  # noqa: F401  (imported once up front, as in a long-running process)

    loaded = timed("config", config.load, ROOT / "config.yaml")
    cfg = loaded.config
    collected = timed("sources", sources.collect, loaded)
    documents, statuses = timed("extract", _extract, collected)
    sentences = timed("normalize", normalize.normalize_all, documents, normalize.Rules.make())
    stemmer = Stemmer()
    scored = timed("classify", Classifier(cfg.sections, cfg.classify, stemmer).classify, sentences)
    items = timed("dedupe", dedupe.merge, scored, collected.sources, stemmer, documents)
    sections, _other, top = timed(
        "select", select.select, items, cfg.sections, None, cfg.select, stemmer
    )
    found = timed("figures", figures.extract, scored, collected.sources)
    who = timed("people", people.find, sentences, collected.sources)
    from digest.models import Briefing

    briefing = Briefing(
        cfg.briefing.title,
        None,
        cfg.briefing.today(),
        "UTC",
        sections,
        collected.sources,
        statuses,
        top_lines=top,
        figures=found,
        people=who,
    )
    for fmt in ("md", "html", "json", "pdf"):
        timed(f"render {fmt}", render.render, briefing, [fmt])
    outputs = render.render(briefing, ["md", "html", "json", "pdf"])
    with tempfile.TemporaryDirectory() as out:
        timed("deliver", deliver.write_outputs, outputs, Path(out), "b")
    print("stages, one process (render pdf includes rendering its HTML):")
    for name, seconds in times.items():
        print(f"  {name:<12} {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    whole_command(args.runs)
    stages()
