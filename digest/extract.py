"""The extract stage: the bytes of one file become titled, headed paragraphs.

Extraction only finds structure. It keeps every line break and never repairs
mojibake or normalizes Unicode: the normalize stage owns those decisions, and
it needs the source's lines intact to make them.
"""

from __future__ import annotations

import codecs
import email.utils
import html
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import lxml.html
import trafilatura
import yaml
from lxml import etree
from trafilatura.settings import Document as TrafilaturaDocument
from trafilatura.settings import set_date_params

from digest.errors import SourceError
from digest.models import Block, Document, RawDocument
from digest.safeyaml import FrontMatterLoader, TooLarge

__all__ = ["decode", "extract"]

log = logging.getLogger(__name__)

TITLE, HEADING, PARAGRAPH = "title", "heading", "paragraph"


# --------------------------------------------------------------------------- decoding

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SNIFF_BYTES = 8192
_CONTROL_SHARE = 0.30
_HTML_CHARSET = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)"""
    rb"""|<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
    re.IGNORECASE,
)
# Browsers read these labels as windows-1252 (WHATWG Encoding); pages rely on it.
_AS_CP1252 = frozenset(
    {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "ascii", "us-ascii", "cp819"}
)
_AS_GB18030 = frozenset({"gb2312", "gbk", "x-gbk", "gb_2312-80"})
_NEWLINES = re.compile(r"\r\n?")


def decode(body: bytes, *, is_html: bool = False, declared: str | None = None) -> str:
    """Bytes to text, never failing: mislabelled files are the norm, not the exception.

    Order: a BOM; UTF-16/32 told by its zero bytes; strict UTF-8 (valid UTF-8 is
    almost never an accident, so it beats a stale declaration); the declared
    charset (``declared``, or for HTML a ``<meta charset>``/``http-equiv``/XML
    declaration); cp1252; cp1252 with replacement characters. Newlines come back
    as ``\\n``.
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            text = body[len(bom) :].decode(codec, errors="replace")
            return _NEWLINES.sub("\n", text)
    if wide := _wide_codec(body[:_SNIFF_BYTES]):
        return _NEWLINES.sub("\n", body.decode(wide, errors="replace"))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = _decode_fallback(body, declared or (_html_charset(body) if is_html else None))
    return _NEWLINES.sub("\n", text)


def _wide_codec(head: bytes) -> str | None:
    """UTF-16/32 without a BOM, told by where the zero bytes of mostly-ASCII text fall.

    Binary files can have zeros too; what such a guess decodes is mostly control
    characters, which the binary check then refuses.
    """
    size = len(head) // 4 * 4
    if size < 4 or b"\x00" not in head:
        return None
    zeros = [head[i:size:4].count(0) / (size // 4) for i in range(4)]
    high, low = [z > 0.9 for z in zeros], [z < 0.1 for z in zeros]
    if low[0] and all(high[1:]):
        return "utf-32-le"
    if all(high[:3]) and low[3]:
        return "utf-32-be"
    odd, even = (zeros[1] + zeros[3]) / 2, (zeros[0] + zeros[2]) / 2
    if odd > 0.3 and even < 0.02:
        return "utf-16-le"
    if even > 0.3 and odd < 0.02:
        return "utf-16-be"
    return None


def _decode_fallback(body: bytes, declared: str | None) -> str:
    codec = _codec(declared)
    if codec is not None:
        try:
            return body.decode(codec, errors="replace")
        except UnicodeError:  # a codec that cannot replace: cp1252 below, as for a bad label
            pass
    try:
        return body.decode("cp1252")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


def _html_charset(body: bytes) -> str | None:
    match = _HTML_CHARSET.search(body[:_SNIFF_BYTES])
    if match is None:
        return None
    return (match.group(1) or match.group(2)).decode("ascii")


def _codec(label: str | None) -> str | None:
    """A Python codec for a declared label, or None when the label cannot be trusted."""
    if not label:
        return None
    label = label.strip().lower()
    if label in _AS_CP1252:
        return "cp1252"
    if label in _AS_GB18030:
        return "gb18030"
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    name = info.name
    # Python's codecs that are no charset: "rot13", "base64" (bytes to bytes, which
    # bytes.decode refuses), "idna", "unicode_escape" (they read escapes in the text).
    if not getattr(info, "_is_text_encoding", True) or name in _NOT_CHARSETS:
        return None
    # A UTF-16/32 label on bytes that had no BOM is a lie (the bytes are ASCII-compatible).
    return None if name.startswith(("utf-16", "utf-32", "utf_16", "utf_32")) else name


_NOT_CHARSETS = frozenset(
    {"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape", "utf-7"}
)


# What counts against a text: U+FFFD and the ASCII control characters (category Cc) but
# tab, line feed, carriage return, form feed and vertical tab.
_BINARY = re.compile("[\x00-\x08\x0e-\x1f\x7f\ufffd]")


def _check_text(text: str) -> None:
    """Refuse binary files early: their 'text' would only pollute a briefing.

    C1 controls (U+0080-U+009F) do not count: they are what UTF-8 read as Latin-1
    and saved again looks like ("itâ\\x80\\x99s"), mojibake the normalize stage
    repairs; binary bytes that are not UTF-8 are read as cp1252, which has no C1.
    """
    sample = text[:_SNIFF_BYTES]
    if "\x00" in sample:
        raise SourceError("binary file, not text")
    if sample:
        controls = len(_BINARY.findall(sample))
        if controls / len(sample) > _CONTROL_SHARE:
            raise SourceError("binary file, not text")


# --------------------------------------------------------------------------- entry point


@dataclass(frozen=True)
class _Meta:
    """Metadata a file states about itself; used only where the source did not say."""

    title: str | None = None
    url: str | None = None
    published: datetime | None = None
    author: str | None = None


def extract(raw: RawDocument) -> Document:
    """Find the title, headings and paragraphs of one file, by its media type.

    Raises SourceError for an unknown media type or a binary file. A file without
    text is not an error here: it yields a Document without blocks.
    """
    media_type, _, params = raw.media_type.partition(";")
    media_type = media_type.strip().lower()
    parser = _PARSERS.get(media_type)
    if parser is None:
        raise SourceError(f"unsupported media type: {raw.media_type!r}")
    charset = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", params, re.IGNORECASE)
    text = decode(
        raw.body, is_html=media_type in _HTML_TYPES, declared=charset.group(1) if charset else None
    )
    _check_text(text)
    if parser is _html and "digest=fragment" in params:
        blocks, meta = _with_title(_fragment(text), raw.title), _Meta()
    else:
        blocks, meta = parser(text)
    title = next((" ".join(b.lines) for b in blocks if b.kind == TITLE), None)
    return Document(
        source_id=raw.source_id,
        doc_id=raw.doc_id,
        location=raw.location,
        blocks=tuple(blocks),
        title=title or raw.title or meta.title,
        url=raw.url or meta.url,
        published=raw.published or meta.published,
        author=raw.author or meta.author,
    )


# --------------------------------------------------------------------------- text/plain


# Whitespace a line is stripped of: all but U+0085 and U+00A0, which at a line's end may be
# the last byte of UTF-8 read as Latin-1 ("voilÃ\xa0" is "voilà", "siÄ\x85" is "się"):
# the normalize stage repairs those, and needs the whole character to.
_STRIPPED = "".join(c for c in map(chr, range(0x3001)) if c.isspace() and c not in "\x85\xa0")


def _plain(text: str) -> tuple[list[Block], _Meta]:
    """Blank lines separate blocks. Everything is a paragraph: plain text has no
    markup, so telling titles and headings from sentences is the normalize stage's job."""
    blocks: list[Block] = []
    lines: list[str] = []
    for line in [*text.split("\n"), ""]:
        if line.strip():
            lines.append(line.strip(_STRIPPED))
        elif lines:
            blocks.append(Block(PARAGRAPH, tuple(lines)))
            lines = []
    return blocks, _Meta()


# --------------------------------------------------------------------------- text/markdown

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FENCE = re.compile(r"^(`{3,}|~{3,})")
_QUOTE = re.compile(r"^ {0,3}> ?")
_ATX = re.compile(r"^(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^(=+|-+)[ \t]*$")
_BREAK = re.compile(r"^(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
_BULLET = re.compile(r"^([-*+]|\d{1,9}[.)])(?:[ \t]+(.*)|$)")
_TASK = re.compile(r"^\[[ xX]\][ \t]+")
_REF_DEF = re.compile(
    r"""^ {0,3}\[([^\]^][^\]]*)\]:[ \t]*(?:<[^>]*>|\S+)"""
    r"""(?:[ \t]+(?:"[^"]*"|'[^']*'|\([^)]*\)))?[ \t]*$"""
)
_FOOTNOTE_DEF = re.compile(r"^\[\^[^\]]+\]:[ \t]*")
_CELL_SEPARATOR = re.compile(r"(?<!\\)\|")
_TABLE_RULE = re.compile(r"^\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")

_CODE_SPAN = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^<>\s]+|[^<>\s@]+@[^<>\s@]+\.[^<>\s@]+)>")
# Bracketed text holds no "[": from each "[" that never closes, "[^\]]*" rescanned the rest
# of the line, quadratic in a long line's length.
_IMAGE = re.compile(r"!\[[^\[\]]*\](?:\((?:[^()]|\([^()]*\))*\)|\[[^\[\]]*\])")
_LINK = re.compile(r"\[([^\[\]]*)\](?:\((?:[^()]|\([^()]*\))*\)|\[[^\[\]]*\])")
_SHORTCUT = re.compile(r"\[([^\[\]]+)\](?![(\[:])")
_FOOTNOTE = re.compile(r"\[\^[^\[\]]+\]")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
# Strong (and struck-out) text, then emphasis: each a span, and where such a span can close
# (the closing delimiter is group 1 of a zero-width match, so overlapping ones are found).
_Span = tuple[re.Pattern[str], re.Pattern[str]]
_STRONG: tuple[_Span, ...] = (
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"), re.compile(r"(?<=\S)(?=(\*\*))")),
    (re.compile(r"(?<!\w)__(?=\S)(.+?)(?<=\S)__(?!\w)"), re.compile(r"(?<=\S)(?=(__)(?!\w))")),
    (re.compile(r"~~(.+?)~~"), re.compile(r"(?=(~~))")),
)
_EMPHASIS: tuple[_Span, ...] = (
    (re.compile(r"\*(?=[^\s*])(.+?)(?<=[^\s*])\*"), re.compile(r"(?<=[^\s*])(?=(\*))")),
    (re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"), re.compile(r"(?<=\S)(?=(_)(?!\w))")),
)
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_SLOT = re.compile("\ue000(\\d+)\ue001")
_SPACES = re.compile(r"[ \t]+")


def _label(text: str) -> str:
    return " ".join(text.split()).casefold()


def _markdown(text: str) -> tuple[list[Block], _Meta]:
    """A line-based reading of CommonMark (and GFM tables): keeps the author's line
    breaks, which a Markdown-to-HTML round trip would lose, and drops what is not
    prose (code, comments, link definitions, images)."""
    meta, text = _front_matter(text)
    text = _drop_comments(text)
    lines = text.split("\n")
    refs = {_label(m.group(1)) for m in map(_REF_DEF.match, lines) if m}
    parser = _MarkdownParser(refs)
    parser.feed(lines)
    blocks = parser.blocks
    if meta.title and not any(b.kind == TITLE for b in blocks):
        blocks = _with_title(blocks, meta.title)
    return blocks, meta


def _drop_comments(text: str) -> str:
    """Remove ``<!-- … -->`` as ``re.sub("<!--.*?-->", "", text, flags=re.S)`` would, in
    linear time: the regex rescans the rest of the text from every unclosed ``<!--``."""
    parts: list[str] = []
    pos = 0
    while (start := text.find("<!--", pos)) >= 0 and (end := text.find("-->", start + 4)) >= 0:
        parts.append(text[pos:start])
        pos = end + 3
    parts.append(text[pos:])
    return "".join(parts)


MAX_FRONT_MATTER = 64 * 1024  # characters; an article's metadata is a few lines


def _front_matter(text: str) -> tuple[_Meta, str]:
    """Title, URL, date and author from YAML front matter. Front matter that is too big,
    too deep, uses aliases or does not parse (``date: 2025-02-30``, ``!!float "x"``) is
    dropped and the article read without it: it is one source's metadata, never a
    reason to fail the build."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return _Meta(), text
    block = match.group(1) or ""
    try:
        if len(block) > MAX_FRONT_MATTER:
            raise TooLarge(f"front matter over {MAX_FRONT_MATTER} characters")
        data = yaml.load(block, Loader=FrontMatterLoader)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        log.info("front matter ignored: %s", exc)
        data = {}
    if data is not None and not isinstance(data, dict):
        return _Meta(), text  # e.g. a thematic break and a setext heading, not front matter
    data = data or {}
    return (
        _Meta(
            title=_scalar(data.get("title")),
            url=_scalar(data.get("url")),
            published=_parse_date(data.get("date") or data.get("published")),
            author=_author(data.get("author") or data.get("authors")),
        ),
        text[match.end() :],
    )


def _scalar(value: object) -> str | None:
    text = " ".join(str(value).split()) if isinstance(value, str | int | float) else ""
    return text or None


def _author(value: object) -> str | None:
    if isinstance(value, Mapping):
        return _scalar(value.get("name"))
    if isinstance(value, list):
        names = [n for n in map(_author, value) if n]
        return ", ".join(names) or None
    return _scalar(value)


class _MarkdownParser:
    """State for one pass over the lines: the open block and what it is."""

    def __init__(self, refs: set[str]) -> None:
        self.refs = refs
        self.blocks: list[Block] = []
        self.lines: list[str] = []
        self.kind = ""  # of the open block: "paragraph", "item" (of a list) or "table"
        self.quoted = False  # the open block is in a block quote
        self.seen_text = False  # a paragraph was emitted: a level-1 heading is no title now

    def feed(self, lines: list[str]) -> None:
        fence = ""
        i = 0
        while i < len(lines):
            line = lines[i]
            i += 1
            if fence:
                closing = line.strip()
                if closing.startswith(fence) and not closing.strip(fence[0]):
                    fence = ""
                continue
            quoted = False
            while match := _QUOTE.match(line):
                line, quoted = line[match.end() :], True
            content = line.strip()
            if not content:
                self.flush()
                continue
            if self.lines and quoted != self.quoted:
                if quoted or self._starts_block(content, lines, i):
                    self.flush()
                else:
                    quoted = True  # CommonMark's lazy continuation of a quoted paragraph
            if opening := _opening_fence(content):
                self.flush()
                fence = opening
                continue
            if self.kind == "paragraph" and _SETEXT.match(content):
                self._heading(1 if content[0] == "=" else 2, self.lines)
                self.lines, self.kind = [], ""
                continue
            if _BREAK.match(content):
                self.flush()
                continue
            if heading := _ATX.match(content):
                self.flush()
                self._heading(len(heading.group(1)), [heading.group(2) or ""])
                continue
            if _is_table(content, lines, i):
                self.flush()  # one paragraph, a line per row, as tables from HTML
                rows, i = [content], i + 1  # the header row, then skip the rule
                while i < len(lines) and "|" in lines[i] and lines[i].strip():
                    rows.append(lines[i])
                    i += 1
                self.lines, self.kind = [_table_row(row) for row in rows], "table"
                self.flush()
                continue
            if not self.lines and _REF_DEF.match(content):
                continue
            item = _BULLET.match(content)
            if item and self._item_starts(item):
                self.flush()
                self.kind, self.quoted = "item", quoted
                self.lines = [_TASK.sub("", item.group(2) or "")]
                continue
            if content[0] == "=" and _SETEXT.match(content):
                continue  # an underline with no paragraph to underline
            if not self.lines:
                self.kind, self.quoted = "paragraph", quoted
                content = _FOOTNOTE_DEF.sub("", content)
            self.lines.append(content)
        self.flush()

    def _item_starts(self, item: re.Match[str]) -> bool:
        """CommonMark: only a non-empty item interrupts a paragraph, and only '1.'
        among ordered ones; so a wrapped line starting '2019. ' stays in its sentence."""
        if not self.lines or (self.kind == "item" and item.group(2)):
            return True
        marker = item.group(1)
        return bool(item.group(2)) and (not marker[0].isdigit() or marker[:-1] == "1")

    @staticmethod
    def _starts_block(content: str, lines: list[str], i: int) -> bool:
        """Whether an unquoted line ends a quote, rather than lazily continuing it."""
        return bool(
            _ATX.match(content)
            or _BREAK.match(content)
            or _opening_fence(content)
            or _BULLET.match(content)
            or _is_table(content, lines, i)
        )

    def _heading(self, level: int, lines: Iterable[str]) -> None:
        text = tuple(t for line in lines for t in _md_inline(line, self.refs))
        if not text:
            return
        title_done = any(b.kind == TITLE for b in self.blocks)
        kind = TITLE if level == 1 and not title_done and not self.seen_text else HEADING
        self.blocks.append(Block(kind, text))

    def flush(self) -> None:
        text = tuple(t for line in self.lines for t in _md_inline(line, self.refs))
        if text:
            self.blocks.append(Block(PARAGRAPH, text))
            self.seen_text = True
        self.lines, self.kind, self.quoted = [], "", False


def _unwrap(line: str, span: re.Pattern[str], close: re.Pattern[str]) -> str:
    """``span.sub(r"\\1", line)``, in time linear in the line's length.

    A span neither crosses a line break nor ends after the last place one can close,
    so only the text up to there is searched: from every opener after it, the regex
    would rescan the rest of the line and fail, quadratic in a long line's length.
    """
    parts = []
    for segment in line.split("\n"):
        end = 0
        for found in close.finditer(segment):
            end = found.end(1)
        parts.append(span.sub(r"\1", segment[:end]) + segment[end:])
    return "\n".join(parts)


def _is_table(content: str, lines: list[str], i: int) -> bool:
    """A GFM table: a row with pipes over a rule row with pipes (``|---|:-:|``)."""
    if "|" not in content or i >= len(lines):
        return False
    rule = lines[i].strip()
    return "|" in rule and bool(_TABLE_RULE.match(rule))


def _table_row(row: str) -> str:
    row = row.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return " ".join(cell.strip() for cell in _CELL_SEPARATOR.split(row))


def _opening_fence(content: str) -> str:
    match = _FENCE.match(content)
    if match is None:
        return ""
    fence = match.group(1)
    # "```x```" on one line is inline code, not a fence
    return fence if fence[0] == "~" or "`" not in content[len(fence) :] else ""


def _md_inline(line: str, refs: set[str]) -> list[str]:
    """Inline Markdown to plain text; a list because ``<br>`` splits a line."""
    slots: list[str] = []

    def keep(text: str) -> str:
        slots.append(text)
        return f"\ue000{len(slots) - 1}\ue001"

    if line.endswith("\\") and not line.endswith("\\\\"):
        line = line[:-1]  # a hard line break, and lines are kept anyway
    line = _CODE_SPAN.sub(lambda m: keep(m.group(2).strip() or m.group(2)), line)
    line = _ESCAPE.sub(lambda m: keep(m.group(1)), line)
    line = _AUTOLINK.sub(lambda m: keep(m.group(1)), line)
    line = _IMAGE.sub("", line)
    line = _LINK.sub(r"\1", line)
    line = _FOOTNOTE.sub("", line)
    line = _SHORTCUT.sub(lambda m: m.group(1) if _label(m.group(1)) in refs else m.group(0), line)
    line = _BR.sub("\n", line)
    line = _TAG.sub("", line)
    for span, close in (*_STRONG, *_STRONG, *_EMPHASIS, *_EMPHASIS):  # twice: nested markup
        line = _unwrap(line, span, close)
    line = _ENTITY.sub(lambda m: html.unescape(m.group(0)), line)
    line = _SLOT.sub(lambda m: slots[int(m.group(1))], line)
    return [t for t in (_SPACES.sub(" ", part).strip() for part in line.split("\n")) if t]


# --------------------------------------------------------------------------- text/html

# Chosen on the 88 pages of ../shared/data/pages-dev (tests/test_extract.py), benchmark F1:
# defaults 0.952; favor_precision 0.964; include_tables 0.959 (article text sits in
# layout tables on some sites); both 0.971; favor_recall or fast never helped.
_TRAFILATURA_OPTIONS: dict[str, Any] = {
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "favor_precision": True,
    "favor_recall": False,
    "with_metadata": True,
}
_HTML_PARSER = lxml.html.HTMLParser(
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
)


@dataclass(frozen=True)
class _Scheme:
    """How a tree's tags map to blocks: trafilatura's XML and raw HTML differ."""

    kinds: Mapping[str, str]  # a tag that opens a block → the block's kind
    breaks: frozenset[str] = frozenset()
    skip: frozenset[str] = frozenset()
    verbatim: frozenset[str] = frozenset()  # line breaks in the text are real
    rows: frozenset[str] = frozenset()  # a table row: one line of its table's paragraph
    cells: frozenset[str] = frozenset()  # a cell: inline, a space after the one before


_TRAFILATURA_SCHEME = _Scheme(
    kinds={
        "head": HEADING,
        **dict.fromkeys(
            ("p", "item", "quote", "code", "ab", "list", "div", "table", "body"),
            PARAGRAPH,
        ),
    },
    breaks=frozenset({"lb"}),
    skip=frozenset({"graphic"}),
    verbatim=frozenset({"code"}),
    rows=frozenset({"row"}),
    cells=frozenset({"cell"}),
)
_HTML_SCHEME = _Scheme(
    kinds={
        "h1": TITLE,
        **dict.fromkeys(("h2", "h3", "h4", "h5", "h6"), HEADING),
        **dict.fromkeys(
            (
                "p li dd dt blockquote pre address figcaption caption table ul ol dl "
                "div section article main body center details summary"
            ).split(),
            PARAGRAPH,
        ),
    },
    breaks=frozenset({"br"}),
    skip=frozenset(
        (
            "script style nav header footer aside form noscript template svg math iframe "
            "object embed canvas select button input textarea label head title meta link"
        ).split()
    ),
    verbatim=frozenset({"pre"}),
    rows=frozenset({"tr"}),
    cells=frozenset({"td", "th"}),
)


class _Builder:
    """Collects inline text until a block boundary, then emits it as one Block."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.kinds: list[str] = [PARAGRAPH]
        self.parts: list[str] = []
        self.line_has_text = False  # kept as we go: re-joining the parts made big tables O(n²)

    def text(self, text: str | None, verbatim: bool) -> None:
        if text:
            # flush() squashes each line's spaces: only a line break must go here
            part = text if verbatim or "\n" not in text else text.replace("\n", " ")
            self.parts.append(part)
            if "\n" in part:
                self.line_has_text = bool(part.rpartition("\n")[2].strip())
            elif part.strip():
                self.line_has_text = True

    def line_break(self) -> None:
        self.parts.append("\n")
        self.line_has_text = False

    def separate(self, separator: str) -> None:
        """Add ``separator`` unless the current line is still empty."""
        if self.line_has_text:
            self.parts.append(separator)

    def open(self, kind: str) -> None:
        self.flush()
        self.kinds.append(kind)

    def close(self) -> None:
        self.flush()
        self.kinds.pop()

    def flush(self) -> None:
        text = "".join(self.parts)
        lines = tuple(t for t in (" ".join(p.split()) for p in text.split("\n")) if t)
        self.parts.clear()
        self.line_has_text = False
        if lines:
            self.blocks.append(Block(self.kinds[-1], lines))


def _walk(element: etree._Element, scheme: _Scheme, out: _Builder, verbatim: bool = False) -> None:
    """Depth-first, in reading order. Recursion is safe: libxml2 caps trees at 256 levels."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if not tag or tag in scheme.skip:
        return
    if tag in scheme.breaks:
        out.line_break()
        return
    kind = scheme.kinds.get(tag)
    verbatim = verbatim or tag in scheme.verbatim
    if kind:
        out.open(kind)
    elif tag in scheme.rows:
        out.line_break()
    elif tag in scheme.cells:
        out.separate(" ")
    out.text(element.text, verbatim)
    for child in element:
        _walk(child, scheme, out, verbatim)
        out.text(child.tail, verbatim)
    if kind:
        out.close()
    elif tag in scheme.rows:
        out.line_break()


def _tree_blocks(element: etree._Element, scheme: _Scheme) -> list[Block]:
    out = _Builder()
    _walk(element, scheme, out)
    out.flush()
    return out.blocks


def _html(text: str) -> tuple[list[Block], _Meta]:
    """Main text by trafilatura, so navigation, share buttons, related stories and
    footers never reach a briefing; a plain walk of <body> when it finds nothing
    (fragments, tiny pages)."""
    tree = _parse_html(text)
    if tree is None:
        return [], _Meta()
    _thin_out(tree)
    found = _trafilatura(tree) if _size(tree) <= MAX_HTML_ELEMENTS else None
    meta = _Meta()
    blocks: list[Block] = []
    if found is not None:
        meta = _Meta(
            title=_clean(found.title),
            url=_clean(found.url),
            published=_parse_date(found.date),
            author=_clean(found.author),
        )
        if found.body is not None:
            blocks = _tree_blocks(found.body, _TRAFILATURA_SCHEME)
    if not blocks:
        body = tree.find(".//body")
        blocks = _one_title(_tree_blocks(body if body is not None else tree, _HTML_SCHEME))
    if not any(b.kind != TITLE for b in blocks):
        return [], replace(meta, title=meta.title or _html_title(tree))
    if not any(b.kind == TITLE for b in blocks):
        blocks = _with_title(blocks, meta.title or _html_title(tree))
    return blocks, meta


def _fragment(text: str) -> list[Block]:
    """A feed entry's HTML is the article itself: walk it whole, trafilatura would
    judge a short entry "not main text" and drop it."""
    tree = _parse_html(text)
    if tree is None:
        return []
    body = tree.find(".//body")
    blocks = _tree_blocks(body if body is not None else tree, _HTML_SCHEME)
    return [replace(b, kind=HEADING) if b.kind == TITLE else b for b in blocks]


MAX_HTML_ELEMENTS = 20_000  # news pages have 500-2,000; beyond this, text extraction crawls


def _size(tree: lxml.html.HtmlElement) -> int:
    return sum(1 for _ in tree.iter())


def _thin_out(tree: lxml.html.HtmlElement) -> None:
    """On a page far larger than any article (a link farm, a 100k-row table), drop the
    links but keep their text's tail, so extraction stays fast; an article never needs it."""
    if _size(tree) > MAX_HTML_ELEMENTS:
        etree.strip_elements(tree, "a", with_tail=False)


def _one_title(blocks: list[Block]) -> list[Block]:
    """The first <h1> is the title; later ones are headings of the same page."""
    titles = [i for i, b in enumerate(blocks) if b.kind == TITLE]
    return [replace(b, kind=HEADING) if i in titles[1:] else b for i, b in enumerate(blocks)]


def _parse_html(text: str) -> lxml.html.HtmlElement | None:
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text.encode("utf-8", "surrogatepass"), _HTML_PARSER)
    except (etree.ParserError, ValueError):
        return None


def _trafilatura(tree: lxml.html.HtmlElement) -> TrafilaturaDocument | None:
    try:
        # the time of day matters to a 36-hour window; trafilatura keeps only the day by
        # default (built per call: set_date_params stamps today as the latest valid date)
        dates = {**set_date_params(True), "outputformat": "%Y-%m-%dT%H:%M:%S%z"}
        found = trafilatura.bare_extraction(
            tree, **_TRAFILATURA_OPTIONS, date_extraction_params=dates
        )
    except Exception:  # a library bug on one odd page must not lose the page: fall back
        log.warning("trafilatura failed; falling back to a plain walk", exc_info=True)
        return None
    return found if isinstance(found, TrafilaturaDocument) else None


def _html_title(tree: lxml.html.HtmlElement) -> str | None:
    for path in (".//title", ".//h1"):
        node = tree.find(path)
        if node is not None and (title := _clean(node.text_content())):
            return title
    return None


def _clean(value: object) -> str | None:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    return text or None


_SITE_NAME_WORDS = 5  # "| The Anti-June Cleaver", "Opinion |": what a page adds to its title
_WORD = re.compile(r"\w+")


def _with_title(blocks: list[Block], title: str | None) -> list[Block]:
    """Put the title first, once: pages repeat it as their first heading, often with
    other quotation marks, or with the site's name added to one of the two."""
    if not title:
        return blocks
    for i, block in enumerate(blocks):
        if block.kind != HEADING:
            continue
        heading = " ".join(block.lines)
        if _same_title(heading, title):
            return [Block(TITLE, (heading,)), *blocks[:i], *blocks[i + 1 :]]
        break
    return [Block(TITLE, (title,)), *blocks]


def _same_title(heading: str, title: str) -> bool:
    a, b = _WORD.findall(heading.casefold()), _WORD.findall(title.casefold())
    if a == b:
        return bool(a)
    short, long = sorted((a, b), key=len)
    if len(short) < 2 or len(long) > min(2 * len(short), len(short) + _SITE_NAME_WORDS):
        return False
    return short in (long[: len(short)], long[len(long) - len(short) :])


# --------------------------------------------------------------------------- shared


def _parse_date(value: object) -> datetime | None:
    """Dates as files state them: YAML dates, ISO 8601, or RFC 2822 strings."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_PARSERS: Mapping[str, Callable[[str], tuple[list[Block], _Meta]]] = {
    "text/plain": _plain,
    "text/markdown": _markdown,
    "text/x-markdown": _markdown,
    "text/html": _html,
    "application/xhtml+xml": _html,
}
