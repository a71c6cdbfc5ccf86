"""Normalize stage: repair text, find each line's role, split content into sentences.

Plain-text news has no markup, so titles, headings and boilerplate must be told
from content by their shape. Every character of a source ends up in some title,
heading, boilerplate line or sentence: nothing is silently dropped.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

import ftfy

from .models import Document, Role, Sentence

# Lines that are never content: credits, calls to action, sharing widgets.
BUILTIN_BOILERPLATE = (
    r"\(?\s*(?:adapted|reprinted|republished|excerpted|translated)\s+from\s+.{1,100}?\)?",
    r"\(?\s*(?:additional\s+)?(?:reporting|writing|editing|research|contributing)\s+by\s+.{1,150}?\)?",
    r"leave\s+a\s+(?:comment|reply)",
    r"\d*\s*comments?",
    r"(?:read|see)\s+(?:more|also|next)\s*(?::|[-–—]).*",
    r"related(?:\s+(?:articles?|stories|coverage|content|reading|links?))?\s*:.*",
    r"(?:click|tap)\s+here\b.{0,100}",
    r"(?:sign\s+up|subscribe)\b.{0,100}",
    r"share\s+(?:this|on)\b.{0,60}",
    r"follow\s+us\b.{0,80}",
    r"advertisement|sponsored(?:\s+content)?",
    r"(?:copyright|©)\s.{0,120}|all\s+rights\s+reserved\.?",
    r"(?:photo|image|video)(?:\s+credit)?\s*:.{0,120}",
    r"watch\s*:.{0,120}",
    r"(?:print|email|share|tweet|facebook|twitter|linkedin|whatsapp)",
)

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# Every kind of space and line break: a repaired line is one line, though ftfy turns a
# U+2028 LINE SEPARATOR in it into "\n" (a title must not span two lines of Markdown).
_SPACES = re.compile(r"\s+")
# The same, with the control characters (category Cc, U+0000-U+001F and U+007F-U+009F,
# a set Unicode never changes) that become spaces first.
_SPACES_AND_CONTROLS = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
# Text ftfy (with FTFY_CONFIG) gives back unchanged, and with nothing invisible to remove:
# printable ASCII but "&" (an HTML entity's start), and the quotes, dashes and ellipsis of
# ordinary news text. None is mojibake, a control character, a ligature or a line break,
# all are NFC, and no pair of them is what ftfy's badness heuristic looks for.
_PLAIN = re.compile(r"[ -%'-~‘’“”–—…]*")
_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'“‘«(["
_TERMINAL = ".!?…"
_WORD = re.compile(r"[\w’'-]+")

# Abbreviations after which a period never ends a sentence.
_TITLES = frozenset(
    (
        "mr mrs ms mx dr prof sr jr st mt gen gov sen rep rev col lt sgt capt cmdr adm hon pres "
        "supt messrs mme mlle fr sec amb cpl pvt maj brig insp det "
    ).split()
)
# Abbreviations that end a sentence only if a typical sentence start follows.
_SOFT = frozenset(
    (
        "inc corp co ltd llc plc bros vs etc approx est dept univ ave blvd rd no nos fig vol jan "
        "feb mar apr jun jul aug sep sept oct nov dec "
    ).split()
)
_STARTERS = frozenset(
    (
        "a an the this that these those it its he she they we i you his her their our my your but "
        "and or so yet in on at for of to by with from as after before when while if however "
        "meanwhile still also then there here what who why how where some many most both one two "
        "three no not all each "
    ).split()
)
_MINOR = frozenset(
    (
        "a an the and or but nor for of to in on at by with from as into over vs via per than "
    ).split()
)


@dataclass(frozen=True)
class Rules:
    """Compiled per-run settings, so the regexes are built once per build, not per import."""

    boilerplate: tuple[re.Pattern[str], ...]

    @classmethod
    def make(cls, extra_patterns: Sequence[str] = ()) -> Rules:
        """The built-in patterns as one regex, each of the config's alone: in one regex with
        others, "(?i)credit.*" would not compile, and a group's name or number ("\\1")
        would be another pattern's."""
        builtin = "|".join(f"(?:{p})" for p in BUILTIN_BOILERPLATE)
        patterns = (builtin, *extra_patterns)
        return cls(tuple(re.compile(p, re.IGNORECASE) for p in patterns))

    @property
    def configured(self) -> tuple[re.Pattern[str], ...]:
        """The operator's patterns alone (``make`` puts the built-in regex first)."""
        return self.boilerplate[1:]

    def is_boilerplate(self, line: str) -> bool:
        """Whether some pattern matches the whole line (trailing whitespace aside)."""
        line = line.rstrip()
        return any(pattern.fullmatch(line) for pattern in self.boilerplate)


# --------------------------------------------------------------------------- text repair


# What ftfy may do to a line: its fixes (mojibake, HTML entities, terminal escapes, C1
# controls, ligatures, line breaks, NFC), except straightening quotes and narrowing widths.
FTFY_CONFIG = ftfy.TextFixerConfig(
    uncurl_quotes=False,
    fix_character_width=False,
    fix_latin_ligatures=True,
    normalization="NFC",
)


def repair(text: str) -> str:
    """Fix mojibake and odd spacing but keep the typography (curly quotes, dashes).

    Besides ftfy's fixes (``FTFY_CONFIG``; it also removes most control characters),
    only invisible characters go: zero-width characters and soft hyphens are removed,
    the control characters ftfy keeps become spaces, and runs of spaces and line breaks
    become one space: the result is one line, as ``squash`` would make it.
    """
    if not text:
        return text
    if _PLAIN.fullmatch(text):  # most text: ftfy's checks cost more than all the rest
        return squash(text)  # what the lines below make of it: \s is what split() splits at
    text = ftfy.fix_text(text, FTFY_CONFIG)
    text = text.translate(_ZERO_WIDTH)
    return _SPACES_AND_CONTROLS.sub(" ", text).strip()


def squash(text: str) -> str:
    """Whitespace-normalize for comparison and display."""
    return " ".join(text.split())


# --------------------------------------------------------------------------- documents


def normalize(document: Document, rules: Rules) -> list[Sentence]:
    """Turn one document's blocks into titles, headings, boilerplate lines and sentences."""
    out: list[Sentence] = []
    heading: str | None = None
    paragraph = 0
    has_title = any(b.kind == "title" for b in document.blocks)
    first_line = True
    lowered = functools.cache(lambda: _lowered(document))  # this document's, when asked

    def emit(role: Role, text: str) -> None:
        out.append(
            Sentence(
                source_id=document.source_id,
                doc_id=document.doc_id,
                role=role,
                text=text,
                index=len(out),
                paragraph=paragraph,
                heading=heading,
            )
        )

    for block in document.blocks:
        lines = [line for line in (repair(raw) for raw in block.lines) if line]
        if not lines:
            continue
        if block.kind in ("title", "heading"):
            text = " ".join(lines)
            role = Role.TITLE if block.kind == "title" else Role.HEADING
            if rules.is_boilerplate(text):
                role = Role.BOILERPLATE
            emit(role, text)
            if role is Role.HEADING:
                heading = text
            first_line = False
            continue
        for kind, text in _line_roles(
            lines, rules, standalone=len(lines) == 1, first=first_line and not has_title
        ):
            if kind is Role.CONTENT:
                paragraph += 1
                for role, piece in _pieces(text, rules, lowered):
                    emit(role, piece)
                    if role is Role.HEADING:
                        heading = piece
                first_line = False
                continue
            if kind is Role.HEADING and first_line and not has_title:
                kind = Role.TITLE
            paragraph += kind is not Role.BOILERPLATE
            emit(kind, text)
            if kind is Role.HEADING:
                heading = text
            first_line = False
    return _author_notes(_no_trailing_headings(out))


def _no_trailing_headings(sentences: list[Sentence]) -> list[Sentence]:
    """A heading heads something: one followed only by boilerplate is a short last line."""
    for i in range(len(sentences) - 1, -1, -1):
        sentence = sentences[i]
        if sentence.role is Role.BOILERPLATE:
            continue
        if sentence.role is Role.HEADING:
            sentences[i] = replace(sentence, role=Role.CONTENT)
        break
    return sentences


def _line_roles(
    lines: list[str], rules: Rules, *, standalone: bool, first: bool = False
) -> Iterator[tuple[Role, str]]:
    """Give each line of a paragraph block a role; join lines that continue one sentence.

    ``first``: the block opens a document that has no title yet, where a line alone
    without final punctuation is the headline even when it is long or in sentence case.
    """
    wrapped = _hard_wrapped(lines)
    pending: list[str] = []
    for line in lines:
        if not pending:
            if rules.is_boilerplate(line):
                yield Role.BOILERPLATE, line
                continue
            if _heading_like(line, standalone=standalone) or (
                first and standalone and _headline_like(line)
            ):
                yield Role.HEADING, line
                continue
        pending.append(line)
        if wrapped or _continues(line):
            continue
        yield Role.CONTENT, " ".join(pending)
        pending = []
    if pending:
        yield Role.CONTENT, " ".join(pending)


def _hard_wrapped(lines: list[str]) -> bool:
    """Prose wrapped at a fixed width: most lines stop mid-sentence."""
    if len(lines) < 3:
        return False
    inner = lines[:-1]
    open_ends = sum(1 for line in inner if not _ends_sentence(line))
    return open_ends / len(inner) >= 0.6


def _continues(line: str) -> bool:
    """A line ending in a comma (a quotation whose attribution follows) goes on."""
    stripped = line.rstrip(_CLOSERS + " ")
    return stripped.endswith((",", ";", "—", "–", ":")) and not line.endswith(":")


def _ends_sentence(line: str) -> bool:
    return line.rstrip(_CLOSERS + " ").endswith(tuple(_TERMINAL + ":;"))


def _heading_like(line: str, *, standalone: bool) -> bool:
    """Short, no final punctuation, and (inside running text) in title case."""
    if len(line) > 140 or _ends_sentence(line) or line.endswith(tuple(",;—–")):
        return False
    words = line.split()
    if not words or len(words) > 16:
        return False
    if not (words[0][0].isupper() or words[0][0].isdigit() or not words[0][0].isalpha()):
        return False
    if standalone and len(words) <= 12:
        return True
    major = [w for w in words if w.lower().strip(_OPENERS + _CLOSERS) not in _MINOR]
    capped = sum(1 for w in major if w.lstrip(_OPENERS)[:1].isupper() or w[:1].isdigit())
    return bool(major) and capped / len(major) >= 0.75


def _headline_like(line: str) -> bool:
    """A document's first line, alone, unpunctuated: "China decides to impose additional
    tariffs on 50 bln USD of U.S. imports" is a headline though not in title case."""
    words = line.split()
    return (
        0 < len(words) <= 30
        and len(line) <= 240
        and not _ends_sentence(line)
        and not line.endswith(tuple(",;—–"))
        and (words[0][0].isupper() or words[0][0].isdigit() or words[0][0] in _OPENERS)
    )


# --------------------------------------------------------------------------- residue
# Scraped article text carries what is not the article: script statements glued to the
# last sentence, photo credits and captions, bylines and author notes. They are told by
# their shape, never by one outlet's markup, and each becomes a boilerplate record of its
# own, so the sentence it was glued to comes out clean.

# The start of a JavaScript statement or JSON object: "var addthis_config = {",
# "window.dataLayer = ", "googletag.cmd.push(", "function (", '{"key":'.
_CODE_START = re.compile(
    r"(?<![\w$])(?:"
    r"(?:var|let|const)\s+[A-Za-z_$][\w$]*\s*="
    r"|function\s*[\w$]*\s*\([^()]{0,80}\)\s*\{"
    r"|(?:window|document)\.[A-Za-z_$][\w$.]*\s*[=(]"
    r"|[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+\.push\s*\("
    r'|\{\s*"[\w$-]+"\s*:'
    r")"
)
# Every match of those holds one of these ("=", "{", "window.", "document.", ".push"): a
# text with none has no statement to cut, and the search, tried at every character, costs.
_CODE_MARKS = ("=", "{", "window.", "document.", ".push")
# A bracketed credit: "[Photo/VCG]", "(Photo/VCG)", "[Photo: IC]", "(AP Photo/Andy Wong)",
# "[Photo provided to China Daily]", "(File photo)".
_CREDIT = re.compile(
    r"[\[(]\s*(?:[A-Z][\w.&-]*\s+){0,3}(?:file\s+)?"
    r"(?:photo|image|picture|pic|video|graphic|illustration|screenshot|credit)s?\b"
    # then who took it (after ":" "/" "|" "by" "via" "courtesy" …) or nothing: "(video
    # jockey)" in "VJ (video jockey) Adam Curry" is a gloss, not a credit
    r"(?:\s*(?:[:/|]|by\b|via\b|courtesy\b|provided\b|from\b|credit\b)[^\[\]()]{0,80})?"
    r"\s*[\])]",
    re.IGNORECASE,
)
# A credit word left at the head of a sentence when its brackets were lost, in text that
# is otherwise lower case ("Photo officials in two departments of china's …").
_BARE_CREDIT = re.compile(r"(?:Photo|Image|Video|Picture)s?(?:\s*:)?\s+(?=[a-z])")
# A photo caption: it describes the picture and dates it ("… in Shanghai on April 9,
# 2018."; "Shoppers walk past …, Friday, March 23, 2018.").
_CAPTION_END = re.compile(
    r"(?:\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},?\s+"
    r"(?:19|20)\d\d|\b\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?,?"
    r"\s+(?:19|20)\d\d|\b(?:19|20)\d\d-\d\d-\d\d)\s*[.)]?[\"”]?$"
)
_CAPTION_CUE = re.compile(
    r"\b(?:is|are)\s+seen\b|\bposes?\b|\bpictured\b|^(?:a\s+)?file\s+photo\b"
    r"|\bin\s+this\s+(?:file\s+)?(?:photo|picture|image)\b",
    re.IGNORECASE,
)
_FILE_PHOTO = re.compile(r"(?:A\s+)?file\s+(?:photo|picture)\b", re.IGNORECASE)
# A dateline opens the article proper: "BEIJING, Dec. 3 (Xinhua) --". What carries one is
# content, never a caption.
_DATELINE = re.compile(r"^[A-Z][A-Z .'-]{1,40}(?:,\s*[^-–—]{1,40})?\s*(?:--|—|–)\s")
# Sentences that are credits or notes about the article, not the article.
_CREDIT_SENTENCES = (
    re.compile(
        r"(?:[A-Z][\w.'’-]*\s+){1,4}(?:in\s+(?:[A-Z][\w.'’-]*\s+){1,3})?"
        r"(?:(?:,|and|&)\s+(?:[A-Z][\w.'’-]*\s+){1,4}(?:in\s+(?:[A-Z][\w.'’-]*\s+){1,3})?){0,4}"
        r"(?:also\s+)?contributed\s+(?:to\s+)?(?:this|the)\s+(?:story|report|article|reporting)\.?"
    ),
    re.compile(
        r"\(?\s*(?:Editor'?s\s+)?Note\s*:\s*(?:the\s+)?(?:following|this)\b.{0,80}?"
        r"\b(?:translat|transcript|edited|abridged|excerpt|adapted)\w*\b.{0,300}",
        re.IGNORECASE,
    ),
    re.compile(r"\(\s*Source\s*:[^()]{1,80}\)\.?|Source\s*:\s*[A-Z][\w .,&/-]{1,60}\.?"),
    re.compile(r"By\s+(?:[A-Z][\w.'’-]+\s?){1,4}(?:(?:,\s*|\s+and\s+)(?:[A-Z][\w.'’-]+\s?){1,4})*"),
)
# Said of the writer, at the end of an opinion piece: "The author is a faculty member …".
_AUTHOR_NOTE = re.compile(r"(?:The\s+)?(?:author|writer)s?\s+(?:is|are|was)\s+\S.{0,400}")


def pieces(text: str, rules: Rules, *, lowered: bool = False) -> list[tuple[Role, str]]:
    """A content paragraph as sentences and the boilerplate inside it, in text order.
    ``lowered``: the document is stored lower-cased (see ``_lowered``)."""
    return _pieces(text, rules, lambda: lowered)


def _pieces(text: str, rules: Rules, lowered: Callable[[], bool]) -> list[tuple[Role, str]]:
    """``pieces``, asking whether the document is lower-cased only of a sentence that
    opens with a credit word: most documents have none, and the answer reads them whole."""
    out: list[tuple[Role, str]] = []
    flattened = len(text) >= _FLATTENED
    for is_residue, part in _residue_split(text):
        if is_residue:
            out.append((Role.BOILERPLATE, part))
            continue
        for sentence in split_sentences(part):
            if flattened and (head := _run_in_heading(sentence)):
                out.append((Role.HEADING, head))
                sentence = sentence[len(head) :].lstrip()
            bare = _BARE_CREDIT.match(sentence)
            if (
                bare
                and lowered()
                and not any(w[:1].isupper() for w in sentence[bare.end() :].split())
            ):
                out.append((Role.BOILERPLATE, sentence[: bare.end()].strip()))
                sentence = sentence[bare.end() :]
            credit = _is_credit_sentence(sentence, rules)
            out.append((Role.BOILERPLATE if credit else Role.CONTENT, sentence))
    return _captions(out)


def _lowered(document: Document) -> bool:
    """Whether the text is stored lower-cased (names and all: "officials in beijing"), as
    some corpora are: only there is a capital after a word a sign of a new sentence. In
    ordinary text "Images from camera phones …" is a sentence, not a credit."""
    lines = [line for b in document.blocks if b.kind == "paragraph" for line in b.lines]
    # No more words than this can count (a word and a space take two characters): once a
    # hundredth of it are capitals, the text is not lower-cased, whatever the rest says.
    most = sum((len(line) + 1) // 2 for line in lines)
    words = inner = 0
    for line in lines:
        previous = "."
        for word in line.split():
            if word[:1].isalpha() and previous[-1:] not in '.!?:"”':
                inner += 1
                if word[0].isupper():
                    words += 1
                    if 100 * words >= most:
                        return False
            previous = word
    return inner >= 50 and words / inner < 0.01


# A subheading run into the sentence after it when the markup was lost: "Driver of global
# growth, not economic aggressor In his speech, Pence accused …". A capitalized function
# word after a lower-case word, with no punctuation between, starts a new sentence.
_RUN_IN = re.compile(
    r"(?P<head>[A-Z0-9‘'\"“][^.!?:;\"“”]{8,110}?[a-z0-9’'])\s(?=(?:In|The|A|An|It|Its|This|These|"
    r"Those|But|On|At|As|For|With|According|After|When|While|However|Since|Despite|Although|"
    r"Amid|Last|Earlier|Meanwhile)\s)"
)
# Only in a whole article flattened into one paragraph is a heading lost in the text; in
# ordinary paragraphs "praised the novel The Great Gatsby" is a sentence.
_FLATTENED = 1500
_NOT_HEADING = frozenset("i he she it we they you there said says".split())


def _run_in_heading(sentence: str) -> str | None:
    match = _RUN_IN.match(sentence)
    if match is None:
        return None
    head = match.group("head")
    words = head.split()
    rest = sentence[match.end() :].split()
    if not 3 <= len(words) <= 14 or len(rest) < 6:
        return None
    if any(w.lower().strip(",'’") in _NOT_HEADING for w in words):
        return None  # "He told the board The plan …" is a sentence, not a heading
    return head


def _is_credit_sentence(sentence: str, rules: Rules) -> bool:
    # the operator's patterns hold for sentences too; the built-in line patterns do not
    contributed, note, source, byline = _CREDIT_SENTENCES
    return bool(
        ("contributed" in sentence and contributed.fullmatch(sentence))
        or (":" in sentence and note.fullmatch(sentence))  # what each needs to match, first
        or ("Source" in sentence and source.fullmatch(sentence))
        or (sentence.startswith("By") and byline.fullmatch(sentence))
        or any(p.fullmatch(sentence) for p in rules.configured)
    )


def _residue_split(text: str) -> list[tuple[bool, str]]:
    """Cut script statements, and credits standing between sentences, out of the text."""
    spans = [*_code_spans(text), *_credit_spans(text)]
    spans.sort()
    out: list[tuple[bool, str]] = []
    at = 0
    for start, end in spans:
        if start < at:
            continue
        if text[at:start].strip():
            out.append((False, text[at:start].strip()))
        out.append((True, text[start:end].strip()))
        at = end
    if text[at:].strip():
        out.append((False, text[at:].strip()))
    return out


def _code_spans(text: str) -> Iterator[tuple[int, int]]:
    """Each statement runs to its ``;`` outside brackets and strings; statements that
    follow one another make one span."""
    if not any(mark in text for mark in _CODE_MARKS):
        return
    at = 0
    while (match := _CODE_START.search(text, at)) is not None:
        start = match.start()
        if start and not (text[start - 1].isspace() or text[start - 1] in _TERMINAL + ";}"):
            at = match.end()
            continue
        end = _statement_end(text, start)
        while (more := _CODE_START.match(text, _skip_spaces(text, end))) is not None:
            end = _statement_end(text, more.start())
        yield start, end
        at = end


def _statement_end(text: str, start: int) -> int:
    depth, quote, i = 0, "", start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = ""
        elif ch in "\"'`":
            quote = ch
        elif ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth = max(0, depth - 1)
            if depth == 0 and ch == "}" and _skip_spaces(text, i + 1) >= len(text):
                return len(text)
        elif ch == ";" and depth == 0:
            return i + 1
        i += 1
    return len(text)


def _skip_spaces(text: str, at: int) -> int:
    while at < len(text) and text[at].isspace():
        at += 1
    return at


def _credit_spans(text: str) -> Iterator[tuple[int, int]]:
    """A bracketed credit before a sentence's start (so never one inside a sentence; a
    caption need not end in a full stop: "… on Thursday, June 21, 2018 [Photo: …]")."""
    if "[" not in text and "(" not in text:  # every credit is in brackets
        return
    for match in _CREDIT.finditer(text):
        at = _skip_spaces(text, match.end())  # read in place: no copy of the rest per credit
        if at == len(text) or text[at].isupper() or text[at].isdigit() or text[at] in _OPENERS:
            yield match.start(), match.end()


def _captions(parts: list[tuple[Role, str]]) -> list[tuple[Role, str]]:
    """The sentence just before a bracketed credit is the photo's caption when it reads as
    one (dated at its end, or "is seen", "poses", "file photo") or opens the text, and
    carries no dateline: a lead paragraph's first sentence does, a caption never."""
    out = list(parts)
    for i, (role, text) in enumerate(parts):
        if role is not Role.BOILERPLATE or not _CREDIT.fullmatch(text) or i == 0:
            continue
        prev_role, prev = out[i - 1]
        captioned = i == 1 or _CAPTION_END.search(prev) or _CAPTION_CUE.search(prev)
        if prev_role is Role.CONTENT and not _DATELINE.match(prev) and captioned:
            out[i - 1] = (Role.BOILERPLATE, prev)
    for i, (role, text) in enumerate(out):  # "File photo of …" anywhere
        if role is Role.CONTENT and _FILE_PHOTO.match(text):
            out[i] = (Role.BOILERPLATE, text)
    return out


def _author_notes(sentences: list[Sentence]) -> list[Sentence]:
    """ "The author is …" among a document's last two content sentences is about the
    writer, not the news."""
    seen = 0
    for i in range(len(sentences) - 1, -1, -1):
        sentence = sentences[i]
        if sentence.role is not Role.CONTENT:
            continue
        if _AUTHOR_NOTE.fullmatch(sentence.text):
            sentences[i] = replace(sentence, role=Role.BOILERPLATE)
        seen += 1
        if seen == 2:
            break
    return sentences


# --------------------------------------------------------------------------- sentences

# A run of terminal punctuation is matched whole (never from its middle) and without
# backtracking, so a line of 20,000 dots costs linear time, not seconds. The pattern opens
# with a character class, not the look-behind, so the search skips ahead to candidates.
_BOUNDARY = re.compile(
    rf"[{_TERMINAL}](?<![{_TERMINAL}]{{2}})[{_TERMINAL}]*+[{re.escape(_CLOSERS)}]*+(?=\s)"
)
# What ``squash`` would change: a space of another kind, two spaces, one at either end.
_UNSQUASHED = re.compile(r"[^\S ]|  ")


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences.

    A rule-based splitter rather than a model: it must not break after "U.S.",
    "Mr.", "Dec. 5", initials or decimals, must split inside quotations, and must
    be predictable enough that an operator can see why it did what it did.
    """
    if text[:1] == " " or text[-1:] == " " or _UNSQUASHED.search(text):
        text = squash(text)  # as text from ``repair`` is already
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end()
        after = end + 1  # squashed: exactly one space follows the punctuation
        if after >= len(text) or not _is_boundary(text, match.start(), match.group(), after):
            continue
        sentences.append(text[start:end].strip())
        start = end
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _is_boundary(text: str, at: int, punct: str, after: int) -> bool:
    """Whether ``punct`` at ``at`` ends a sentence; the next one would start at ``after``.

    Reads the text in place: copying the rest of a long paragraph at every
    candidate made splitting quadratic."""
    nxt = text[after]
    if nxt.islower():
        return False  # "the U.S. decision", "… he said"
    if not (nxt.isupper() or nxt.isdigit() or nxt in _OPENERS or not nxt.isalpha()):
        return False
    if punct[0] != ".":
        return True
    word = _last_word(text, at)
    lower = word.lower().rstrip(".")
    if lower in _TITLES:
        return False
    if lower in _SOFT:
        return _starter_follows(text, after) and not nxt.isdigit()
    if "." in word and _INITIALISM.fullmatch(word):
        return _starter_follows(text, after)  # U.S, U.K, a.m: only before "The", "It", …
    if len(word) == 1 and word.isupper():
        return _starter_follows(text, after)  # an initial: "Donald J. Trump"
    return True


_INITIALISM = re.compile(r"(?:[A-Za-z]\.){1,}[A-Za-z]")


def _starter_follows(text: str, after: int) -> bool:
    """Whether the word at ``after`` (past any opening quote or bracket) typically starts
    a sentence: looked at only after an abbreviation, most full stops end a plain word."""
    word_start = after
    while word_start < len(text) and text[word_start] in _OPENERS:
        word_start += 1
    next_word = _WORD.match(text, word_start)
    return bool(next_word and next_word.group().lower() in _STARTERS)


def _last_word(text: str, at: int) -> str:
    """The word before ``at``, from the last space, opening quote or bracket."""
    word = text[text.rfind(" ", 0, at) + 1 : at]
    if word.isalnum():  # most words: no space of another kind, no quote or bracket
        return word
    start = len(word)
    while start > 0 and not word[start - 1].isspace() and word[start - 1] not in _OPENERS:
        start -= 1
    return word[start:]


# --------------------------------------------------------------------------- helpers


def normalize_all(documents: Iterable[Document], rules: Rules) -> list[Sentence]:
    out: list[Sentence] = []
    for document in documents:
        out.extend(normalize(document, rules))
    return out
