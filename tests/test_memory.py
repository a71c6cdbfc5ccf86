"""What a build holds at its peak (issue 16): each piece made smaller still reads the same."""

from __future__ import annotations

import pickle
from typing import Any

from digest import build, learn, reading
from digest.classify import Classifier
from digest.config import ClassifyConfig
from digest.models import Block, Document, Hit, Role, Scored, Sentence
from digest.text import Stemmer


def _read(n: int) -> reading.Read:
    text = f"Carmakers report shipments {n}."
    sentence = Sentence("wire", f"d{n}", Role.CONTENT, text, 0, 0)
    hit = Hit("business", "carmaker +1.0", ("carmak",), 1.0)
    scored = Scored(sentence, "business", 1.0, {"business": 1.0}, ("carmaker +1.0",),
                    hits=(hit,), words=("carmak", "report", "shipment"))  # fmt: skip
    return reading.Read("wire", None, None, (scored,), {text: ("carmak", "report", "shipment")})


def test_batches_share_their_words_on_arrival() -> None:
    shared = reading.Shared()
    first, second = (shared(pickle.loads(pickle.dumps([_read(n)]))) for n in (1, 2))
    a, b = first[0].scored[0], second[0].scored[0]
    assert a.words == ("carmak", "report", "shipment")
    assert all(x is y for x, y in zip(a.words, b.words, strict=True))
    assert a.hits[0] is b.hits[0] and a.hits == (_read(1).scored[0].hits)
    assert a.hits[0].stems[0] is a.words[0]
    (stems_a,), (stems_b,) = first[0].stems.values(), second[0].stems.values()
    assert stems_a == stems_b and stems_a[1] is stems_b[1]


def test_a_document_let_go_of_its_blocks_keeps_its_keys() -> None:
    document = Document("wire", "d1", "file:d1", (Block("paragraph", ("Words " * 30,)),))
    head = build._head(document)
    assert head.blocks == () and head.doc_id == "d1"
    assert head.digests == document.digests
    assert pickle.loads(pickle.dumps(head)).digests == document.digests


def test_sentences_scored_again_keep_what_a_build_reads() -> None:
    """A build's refining writes no reasons and, given one mapping for all, no scores:
    the same sections and scores as an explained refining."""
    from .test_learn import DAY, SECTIONS, _sentences

    def refined(**options: Any) -> list[Scored]:
        stemmer = Stemmer()
        config = ClassifyConfig(min_score=2.0)
        scored = Classifier(SECTIONS, config, stemmer).classify(_sentences(DAY))
        return learn.refine(scored, SECTIONS, config, stemmer, **options)

    unexplained: dict[str, float] = {}
    full, lean = refined(), refined(explain=False, scores=unexplained)
    assert any(s.reasons for s in full) and any(s.scores is unexplained for s in lean)
    for a, b in zip(full, lean, strict=True):
        assert (a.sentence, a.section, a.score, a.threshold) == (
            b.sentence, b.section, b.score, b.threshold)  # fmt: skip
        if b.scores is unexplained:
            assert b.reasons == () and b.words == ()


def test_the_c_heap_calls_are_safe_anywhere() -> None:
    build._one_heap()
    build._give_back()
