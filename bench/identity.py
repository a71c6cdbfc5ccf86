"""Check that a change to the pipeline leaves its output the same bytes.

    .venv/bin/python bench/identity.py [--size 1000] [--jobs 1] --save base.json
    ... make the change ...
    .venv/bin/python bench/identity.py [--size 1000] [--jobs 2] --compare base.json

Speed and memory work must not change what a briefing says. This builds ``--size`` real
articles (bench/scale.py's: BBC and Multi-News from ../shared/data, read in place) as RSS
files in ``--work`` (made once per size, then reused), with a fixed clock, in this process
with ``--jobs`` workers, renders the Markdown, HTML and JSON, and prints the sha256 of each:
``--save`` keeps them, ``--compare`` exits 1 if any differs (compare builds from the same
``--work``: the feeds' ``file:`` addresses are in the briefing). On stderr: the seconds, the CPU
seconds of this process and its peak RSS (no imports of the command line, no PDF: for the
whole command, bench/scale.py). Issue 16's identity claims were checked this way, at 1,000
and 10,000 articles, with 1 and 2 jobs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale  # the articles, feeds and config of the scale benchmark

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)  # the feeds' dates and the build's clock


def feeds(folder: Path, size: int) -> tuple[Path, list[tuple[str, int]]]:
    """The folder of ``size`` articles' feeds, made once, and (feed path, entries) of each."""
    made = folder / f"feeds-{size}"
    if not made.exists():
        folder.mkdir(parents=True, exist_ok=True)
        partial = Path(tempfile.mkdtemp(dir=folder))
        site, listed = scale.build_site("https://example.org", size, now=NOW)
        for path, (_, body, _, _) in site.items():
            (partial / path.strip("/")).write_bytes(body)
        (partial / "feeds.json").write_text(json.dumps(listed), encoding="utf-8")
        partial.rename(made)
    return made, json.loads((made / "feeds.json").read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=1)
    default_work = Path(tempfile.gettempdir()) / "digest-identity"
    parser.add_argument("--work", type=Path, default=default_work, help="where the feeds go")
    parser.add_argument("--save", type=Path, help="write the outputs' sha256 here")
    parser.add_argument("--compare", type=Path, help="compare with what --save wrote")
    args = parser.parse_args()
    if not scale.DATA.is_dir():
        sys.exit(f"{scale.DATA} not found: this check needs the shared data beside the checkout")

    from digest import build, render
    from digest.config import load
    from digest.executor import running

    folder, listed = feeds(args.work.resolve(), args.size)
    run = Path(tempfile.mkdtemp(dir=args.work))
    try:
        path = scale.write_config(run, folder.as_uri(), listed, {"jobs": args.jobs})
        config = json.loads(path.read_text(encoding="utf-8"))
        config["access"] = {"paths": [str(folder)]}  # file: feeds outside the config's folder
        path.write_text(json.dumps(config), encoding="utf-8")
        loaded = load(path)
        start, cpu = time.perf_counter(), time.process_time()
        with running(build.executor_settings(loaded, args.jobs)) as workers:
            analysis = build.analyze(
                loaded, now=NOW, on=NOW.date(), executor=workers, explain=False
            )
            templates = build._templates(loaded)
            outputs = render.render(
                analysis.briefing, ["md", "html", "json"], templates, beside=workers
            )
    finally:
        shutil.rmtree(run)
    sums = {fmt: hashlib.sha256(data).hexdigest() for fmt, data in outputs.items()}
    print(json.dumps(sums, indent=1))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{time.perf_counter() - start:.2f} s, CPU here {time.process_time() - cpu:.2f} s, "
        f"peak RSS {peak:.0f} MiB; {len(analysis.briefing.other)} items in other",
        file=sys.stderr,
    )
    if args.save:
        args.save.write_text(json.dumps(sums), encoding="utf-8")
    if args.compare:
        wanted = json.loads(args.compare.read_text(encoding="utf-8"))
        differ = [fmt for fmt in wanted if wanted[fmt] != sums.get(fmt)]
        print(f"DIFFERENT: {', '.join(differ)}" if differ else "IDENTICAL")
        sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
