"""What a build holds at its peak (issue 16): each piece made smaller still reads the same."""

from __future__ import annotations

import pickle

from digest import build, reading
from digest.models import Block, Document, Hit, Role, Scored, Sentence


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
    unexplained: dict[str, float] = {}
    kept = build._Decided([_read(1).scored[0]], unexplained)
    item = _read(2).scored[0]
    kept[0] = item
    kept[0:1] = [item]
    assert kept[0].scores is unexplained and kept[0].reasons == () and kept[0].words == ()
    assert (kept[0].sentence, kept[0].section, kept[0].score) == (
        item.sentence, item.section, item.score)  # fmt: skip


def test_the_c_heap_calls_are_safe_anywhere() -> None:
    build._one_heap()
    build._give_back()
