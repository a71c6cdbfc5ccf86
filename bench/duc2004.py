"""Benchmark: the selection on DUC 2004 task 2, ROUGE-1 and ROUGE-2 recall beside published systems.

    .venv/bin/python bench/duc2004.py [--clusters N] [--json PATH] [--bootstrap N]

Reads ../shared/data/duc2004-dev (25 clusters of 10 news articles, 4 human summaries each, and
the summaries 13 published systems wrote for them) and scores, in one run with one scorer
(rouge-score, Porter stemming): `digest.select.summarize`, sumy's LexRank on the same documents,
every published system in peers/, two lead baselines and, for reference, each human summary
against the other three. Every summary, the references too, is cut to its first 100 words
(whitespace tokens) first, as DUC does. Prints a Markdown table sorted by ROUGE-2 and the time
per cluster of digest's selection and of sumy. Needs `pip install -e .[bench]`; no NLTK data
and no network. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "duc2004-dev"
WORDS = 100  # DUC 2004 task 2 summaries: 665 bytes then; 100 words here, as PUBLISHED_SCORES
SYSTEM = "digest"  # the project's row
SUMY = "sumy LexRank"
HUMAN = "human (each vs the other 3)"
Summarize = Callable[[Sequence[str], int], list[str]]


@dataclass
class Cluster:
    id: str  # d30001
    documents: list[str]  # article texts, oldest first
    refs: list[str]  # the human summaries, one sentence a line
    peers: dict[str, str] = field(default_factory=dict)  # published system -> its summary


def article(path: Path) -> tuple[tuple[str, str], str]:
    """(date, DOCNO) and the text of one SGML article: the <TEXT> body, <P>s as paragraphs."""
    sgml = path.read_text(encoding="utf-8", errors="replace")
    docno = re.search(r"<DOCNO>\s*(.*?)\s*</DOCNO>", sgml, re.S)
    body = re.search(r"<TEXT>(.*?)</TEXT>", sgml, re.S)
    if docno is None or body is None:
        sys.exit(f"{path}: no <DOCNO> or <TEXT>")
    paragraphs = re.findall(r"<P>(.*?)</P>", body.group(1), re.S) or [body.group(1)]
    text = "\n\n".join(filter(None, map(clean, paragraphs)))
    date = re.search(r"(\d{8})\.\d+", docno.group(1))  # APW19981016.0240: the wire's date
    return (date.group(1) if date else "", docno.group(1)), text


def clean(sgml: str) -> str:
    """Unwrapped plain text: no tags, entities decoded, the wire's `` '' quotes and _ dashes."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", sgml))  # &AMP; is HTML5 too
    text = text.replace("``", "“").replace("''", "”")
    return " ".join(text.split()).replace(" _ ", " — ")


def load(limit: int | None) -> list[Cluster]:
    folders = sorted(p for p in (DATA / "docs").iterdir() if p.is_dir())[:limit]
    clusters = []
    for folder in folders:
        key = folder.name.removesuffix("t")  # docs/d30001t, refs/d30001.m.100.t.a
        documents = [text for _, text in sorted(article(p) for p in folder.iterdir())]
        refs = [p.read_text(errors="replace") for p in sorted(DATA.glob(f"refs/{key}.m.*"))]
        peers = {p.suffix[1:]: p.read_text(errors="replace") for p in DATA.glob(f"peers/{key}.*")}
        if not documents or len(refs) < 2:
            sys.exit(f"{folder}: {len(documents)} articles, {len(refs)} human summaries")
        clusters.append(Cluster(key, documents, refs, dict(sorted(peers.items()))))
    return clusters


def published() -> dict[str, tuple[float, float]]:
    """Section A of PUBLISHED_SCORES.md: system -> (R-1, R-2), ROUGE-1.5.5, all 50 clusters."""
    path = DATA / "PUBLISHED_SCORES.md"
    text = path.read_text() if path.is_file() else ""
    section = text.partition("## A.")[2].partition("\n## ")[0]
    rows = re.findall(r"^(\S+)\s+([\d.]+)\s+([\d.]+)\s+[\d.]+\s*$", section, re.M)
    return {name: (float(r1), float(r2)) for name, r1, r2 in rows}


def cut(text: str, words: int = WORDS) -> str:
    return " ".join(text.split()[:words])


def fill(ranked: Sequence[Any], words: int = WORDS, text: Callable[[Any], str] = str) -> list[Any]:
    """The first sentences (best first) until they hold `words` words."""
    taken, count = [], 0
    for sentence in ranked:
        if count >= words:
            break
        taken.append(sentence)
        count += len(text(sentence).split())
    return taken


class SumyLexRank:
    """sumy's LexRankSummarizer (its defaults, English Snowball stemmer and stop words).

    sumy's own `Tokenizer("english")` needs NLTK's punkt_tab data, which is not on PyPI: the
    document is built through sumy's object model instead, from sentences split by the project's
    rule-based splitter, each one's words by NLTK's Treebank tokenizer (no data) filtered as
    sumy's Tokenizer filters them. Sentences are taken best first until 100 words, and returned
    in document order, as sumy returns them.
    """

    language = "english"

    def __init__(self, split: Callable[[str], list[str]]) -> None:
        from nltk import word_tokenize
        from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
        from sumy.nlp.stemmers import Stemmer
        from sumy.nlp.tokenizers import Tokenizer
        from sumy.summarizers.lex_rank import LexRankSummarizer
        from sumy.utils import get_stop_words

        self.split, self.word_tokenize, self.is_word = split, word_tokenize, Tokenizer._is_word
        self.dom, self.paragraph, self.sentence = ObjectDocumentModel, Paragraph, Sentence
        self.summarizer = LexRankSummarizer(Stemmer(self.language))
        self.summarizer.stop_words = get_stop_words(self.language)

    def to_words(self, sentence: str) -> tuple[str, ...]:  # what sumy's Sentence asks for
        return tuple(filter(self.is_word, self.word_tokenize(sentence, preserve_line=True)))

    def __call__(self, documents: Sequence[str], words: int = WORDS) -> list[str]:
        paragraphs = [
            self.paragraph([self.sentence(s, self) for s in self.split(p)])
            for document in documents
            for p in document.split("\n\n")
        ]
        best = self.summarizer(self.dom(paragraphs), lambda infos: fill(infos, words, _text))
        return [str(s) for s in best]


def _text(info: Any) -> str:  # sumy's SentenceInfo
    return str(info.sentence)


def lead(documents: Sequence[str], split: Callable[[str], list[str]]) -> list[str]:
    return fill([s for p in documents[0].split("\n\n") for s in split(p)])


def scores(scorer: Any, summary: str, refs: Sequence[str]) -> tuple[float, float]:
    """ROUGE-1 and ROUGE-2 recall of the summary, averaged over the references (all cut)."""
    got = [scorer.score(cut(ref), cut(summary)) for ref in refs]  # score(target, prediction)
    return (
        statistics.fmean(s["rouge1"].recall for s in got),
        statistics.fmean(s["rouge2"].recall for s in got),
    )


def bootstrap(values: Sequence[float], samples: int, seed: int = 0) -> tuple[float, float]:
    """95 % percentile interval of the mean over clusters, resampled with replacement."""
    rng, n = random.Random(seed), len(values)
    means = sorted(statistics.fmean(rng.choices(values, k=n)) for _ in range(samples))
    return means[int(0.025 * samples)], means[min(samples - 1, int(0.975 * samples))]


def paired(ours: Sequence[float], theirs: Sequence[float], samples: int, seed: int = 0) -> float:
    """Share of cluster resamples in which ours has the higher mean (paired bootstrap)."""
    rng, diffs = random.Random(seed), [a - b for a, b in zip(ours, theirs, strict=True)]
    return sum(sum(rng.choices(diffs, k=len(diffs))) > 0 for _ in range(samples)) / samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clusters", type=int, help="only the first N clusters")
    parser.add_argument("--json", type=Path, help="write the results (and summaries) here")
    parser.add_argument("--bootstrap", type=int, default=1000, help="resamples; 0: no intervals")
    args = parser.parse_args()
    if not (DATA / "docs").is_dir() or not (DATA / "refs").is_dir():
        sys.exit(f"{DATA} not found: this benchmark needs the shared evaluation data beside it")
    try:
        from rouge_score.rouge_scorer import RougeScorer
    except ImportError:
        sys.exit("rouge-score and sumy are missing: .venv/bin/pip install -e '.[bench]'")
    try:
        from digest.select import summarize
    except ImportError:
        sys.exit(
            "digest.select.summarize(documents, words=100) -> list[str] is missing: the "
            "project's selection is what this benchmark measures"
        )
    from digest.normalize import split_sentences

    clusters = load(args.clusters)
    scorer = RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    sumy = SumyLexRank(split_sentences)
    runs: dict[str, Summarize] = {SYSTEM: summarize, SUMY: sumy}
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    texts: dict[str, dict[str, str]] = {}  # system -> cluster -> summary (uncut)
    per: dict[str, dict[str, tuple[float, float]]] = {}  # system -> cluster -> (R-1, R-2)
    length: dict[str, dict[str, float]] = {}  # system -> cluster -> words before the cut
    print(
        f"DUC 2004 task 2, {len(clusters)} clusters of {len(clusters[0].documents)} articles "
        f"from {DATA}; {WORDS}-word summaries, recall averaged over the human summaries"
    )
    for cluster in clusters:
        made: dict[str, str] = {}
        for name, run in runs.items():
            start = time.perf_counter()
            chosen = run(cluster.documents, WORDS)
            seconds[name].append(time.perf_counter() - start)
            made[name] = " ".join(chosen)
        made["lead: latest article"] = " ".join(lead(cluster.documents[::-1], split_sentences))
        made["lead: first article"] = " ".join(lead(cluster.documents, split_sentences))
        for name, summary in {**made, **cluster.peers}.items():
            texts.setdefault(name, {})[cluster.id] = summary
            per.setdefault(name, {})[cluster.id] = scores(scorer, summary, cluster.refs)
            length.setdefault(name, {})[cluster.id] = len(summary.split())
        alone = [scores(scorer, r, cluster.refs[:i] + cluster.refs[i + 1 :])
                 for i, r in enumerate(cluster.refs)]  # fmt: skip
        per.setdefault(HUMAN, {})[cluster.id] = (
            statistics.fmean(a for a, _ in alone),
            statistics.fmean(b for _, b in alone),
        )
        texts.setdefault(HUMAN, {})[cluster.id] = "\n\n".join(cluster.refs)
        length.setdefault(HUMAN, {})[cluster.id] = statistics.fmean(
            len(r.split()) for r in cluster.refs
        )
    report(args, clusters, per, length, texts, seconds)


def report(
    args: argparse.Namespace,
    clusters: list[Cluster],
    per: dict[str, dict[str, tuple[float, float]]],
    length: dict[str, dict[str, float]],
    texts: dict[str, dict[str, str]],
    seconds: dict[str, list[float]],
) -> None:
    ids, known = [c.id for c in clusters], published()
    ours = [per[SYSTEM][i] for i in ids]
    results: dict[str, dict[str, Any]] = {}
    for name, by_cluster in per.items():
        if missing := [i for i in ids if i not in by_cluster]:
            print(f"  {name}: no summary for {', '.join(missing)}; left out")
            continue
        values = [by_cluster[i] for i in ids]
        r1, r2 = [v[0] for v in values], [v[1] for v in values]
        result: dict[str, Any] = {
            "rouge1": statistics.fmean(r1), "rouge2": statistics.fmean(r2),
            "words": statistics.fmean(length[name][i] for i in ids),
            "published": known.get(name), "per_cluster": dict(zip(ids, values, strict=True)),
        }  # fmt: skip
        if args.bootstrap:
            result["ci1"], result["ci2"] = (bootstrap(v, args.bootstrap) for v in (r1, r2))
            if name not in (SYSTEM, HUMAN):
                result["digest_higher"] = [
                    paired([o[k] for o in ours], [v[k] for v in values], args.bootstrap)
                    for k in (0, 1)
                ]
        results[name] = result
    header = ["system", "R-1", "R-2", "words", "published R-1 / R-2"]
    if args.bootstrap:
        header[3:3] = ["R-1 95 % CI", "R-2 95 % CI", "P(digest higher) R-1 / R-2"]
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
    for name, r in sorted(results.items(), key=lambda item: -item[1]["rouge2"]):
        shown = f"**{name}**" if name == SYSTEM else name
        cells = [shown, f"{100 * r['rouge1']:.2f}", f"{100 * r['rouge2']:.2f}"]
        if args.bootstrap:
            cells += [f"{100 * r[k][0]:.2f}-{100 * r[k][1]:.2f}" for k in ("ci1", "ci2")]
            higher = r.get("digest_higher")
            cells.append(f"{higher[0]:.2f} / {higher[1]:.2f}" if higher else "")
        cells.append(f"{r['words']:.0f}")
        cells.append("{:.2f} / {:.2f}".format(*r["published"]) if r["published"] else "")
        print("| " + " | ".join(cells) + " |")
    timing = {}
    for name, times in seconds.items():
        timing[name] = {"median": statistics.median(times), "total": sum(times)}
        print(
            f"{name}: {statistics.median(times):.3f} s per cluster (median), "
            f"{sum(times):.2f} s for {len(times)} clusters, the calls only"
        )
    if args.json:
        out = {"data": str(DATA), "words": WORDS, "clusters": ids, "systems": results,
               "seconds": {**timing, "per_cluster": seconds}, "summaries": texts}  # fmt: skip
        args.json.write_text(json.dumps(out, indent=1), encoding="utf-8")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
