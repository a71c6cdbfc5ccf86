"""Benchmark: the sentence encoder (digest/encoder.py) on real news sentences.

    .venv/bin/python bench/encoder_bench.py [--sentences 2000] [--threads 1 2] [--runs 3]
                                            [--model FOLDER]

Sentences come from ../shared/data/bbc (read in place), the articles taken in turn from
each topic, their bodies split naively on ". ". The model is the one the tests use
(.cache/all-MiniLM-L6-v2, fetched by ``python3 dev.py model``; DIGEST_TEST_MODEL or
--model name another). Prints sentences a second for each thread count (best and median
of the runs, with the machine's load: other processes on a shared machine slow a run),
checks that every thread count gives the same bytes, and times what a warm cache costs
instead: the model id (a hash of the weights), loading the model, and reading the
vectors back from the state store. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from digest import encoder as encoder_module  # noqa: E402
from digest.encoder import Encoder  # noqa: E402
from digest.state import Store  # noqa: E402
from tests.model import FOLDER  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "bbc"


def sentences(count: int) -> list[str]:
    """``count`` distinct sentences of at least three words, topic by topic in turn."""
    topics = sorted(p for p in DATA.iterdir() if p.is_dir())
    files = [sorted(t.glob("*.txt")) for t in topics]
    out: dict[str, None] = {}
    for i in range(max(len(f) for f in files)):
        for found in files:
            if i >= len(found):
                continue
            body = found[i].read_text(encoding="utf-8", errors="replace").split("\n", 1)[-1]
            for paragraph in body.split("\n"):
                for sentence in paragraph.split(". "):
                    if len(sentence.split()) >= 3:
                        out[sentence.strip()] = None
            if len(out) >= count:
                return list(out)[:count]
    return list(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    folder = args.model or Path(os.environ.get("DIGEST_TEST_MODEL") or FOLDER)
    if not (folder / "model.safetensors").is_file():
        print(f"no model in {folder}: python3 dev.py model fetches the test model", file=sys.stderr)
        return 2
    texts = sentences(args.sentences)
    start = time.perf_counter()
    encoder_module._HASHES.clear()
    model_id = encoder_module.check(folder)
    check_seconds = time.perf_counter() - start
    start = time.perf_counter()
    Encoder.load(folder)
    load_seconds = time.perf_counter() - start
    probe = Encoder.load(folder, threads=1)
    tokens = [len(probe._tokenizer.encode(t).ids) for t in texts]
    print(
        f"{len(texts)} sentences from {DATA}, {statistics.mean(tokens):.1f} tokens on average"
        f" (most {max(tokens)}, [CLS] and [SEP] included); model {folder}"
    )
    print(f"check (model id {model_id[:12]}…): {check_seconds:.3f} s; load: {load_seconds:.3f} s")
    print()
    print("| threads | sentences/s (best) | median | tokens/s (best) | load average |")
    print("|---|---|---|---|---|")
    results: dict[int, np.ndarray] = {}
    for threads in args.threads:
        encoder = Encoder.load(folder, threads=threads)
        encoder.encode(texts[:64])  # warm up
        seconds = []
        for _ in range(args.runs):
            start = time.perf_counter()
            results[threads] = encoder.encode(texts)
            seconds.append(time.perf_counter() - start)
        best, median = min(seconds), statistics.median(seconds)
        print(
            f"| {threads} | {len(texts) / best:.1f} | {len(texts) / median:.1f}"
            f" | {sum(tokens) / best:,.0f} | {os.getloadavg()[0]:.2f} |"
        )
    first = next(iter(results.values()))
    same = all(r.tobytes() == first.tobytes() for r in results.values())
    print(f"\nthe same bytes with every thread count: {'yes' if same else 'NO'}")
    start = time.perf_counter()
    alone = probe.encode(texts[:1])
    print(f"one sentence alone: {1000 * (time.perf_counter() - start):.1f} ms", end="; ")
    print(
        f"same bytes as in the batch: {'yes' if alone.tobytes() == first[:1].tobytes() else 'NO'}"
    )

    ids = [f"{k:016x}" for k in range(len(texts))]
    with tempfile.TemporaryDirectory() as scratch, Store.open(Path(scratch) / "s.sqlite") as store:
        start = time.perf_counter()
        store.save_encodings(model_id, dict(zip(ids, first, strict=True)))
        saved = time.perf_counter() - start
        start = time.perf_counter()
        cached = store.encodings(model_id, ids)
        read = time.perf_counter() - start
    assert np.stack([cached[k] for k in ids]).tobytes() == first.tobytes()
    print(
        f"state store: save {len(ids)} vectors {1000 * saved:.0f} ms,"
        f" read them back {1000 * read:.0f} ms"
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
