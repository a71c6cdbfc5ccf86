"""OPML: the subscription lists feed readers export (Feedly, Miniflux, rss2email, …).

An operator's feeds are already listed in their reader; retyping them into config.yaml is
where typos come from. Two ways in: ``kind: opml`` reads the list at every build (each
outline with an ``xmlUrl`` becomes a feed source), and ``digest sources import`` copies
the list into config.yaml once, as plain ``kind: feed`` entries the operator can edit.

OPML is untrusted input: it is parsed without DTDs (``safexml``), and only http(s) feed
URLs are taken, so a list from elsewhere cannot make digest read local files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import yaml

from . import safexml
from .deliver import write_atomic
from .errors import ConfigError, ConfigProblem

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

MAX_NAME = 200  # characters of an outline's title kept as a source name


class OpmlError(ValueError):
    """Not an OPML file digest can read; ``line`` is where, when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Listed:
    """One feed an OPML file lists."""

    url: str  # the outline's xmlUrl
    title: str | None = None  # its title (or text), as the reader showed it
    link: str | None = None  # its htmlUrl: the site the feed belongs to
    categories: tuple[str, ...] = ()  # the folders it sits in, outermost first


@dataclass(frozen=True)
class Subscriptions:
    """The feeds of an OPML file, and why any outline with an xmlUrl was passed over."""

    feeds: tuple[Listed, ...]
    skipped: tuple[str, ...] = ()  # why: "ftp://…: not an http(s) feed URL"
    outside: int = 0  # feeds left out by the category filter
    repeated: int = 0  # outlines of a feed already listed (Feedly: one per folder it is in)


def read(data: bytes, categories: Sequence[str] = ()) -> Subscriptions:
    """The feeds listed in OPML ``data``, in document order, each URL once; raises OpmlError.

    Folders (outlines without an xmlUrl) may nest to any depth; a feed's categories are
    the folders around it plus its ``category`` attribute (``/Tech/AI,News``). With
    ``categories``, only feeds in one of them (any level, case-insensitive) are taken.
    """
    try:
        root = safexml.parse(data)
    except safexml.XMLRefused as exc:
        raise OpmlError(f"not an OPML file: {exc}", exc.line) from None
    name = safexml.local_name(root.tag)
    if name != "opml":
        hint = "; it is a feed: use kind: feed" if name in ("rss", "feed", "RDF") else ""
        raise OpmlError(f"not an OPML file: its root element is <{name}>{hint}")
    body = next((e for e in root if safexml.local_name(e.tag) == "body"), None)
    if body is None:
        raise OpmlError("not an OPML file: it has no <body>")
    wanted = {c.casefold() for c in categories}
    feeds: list[Listed] = []
    skipped: list[str] = []
    seen: set[str] = set()
    outside = repeated = 0
    stack: list[tuple[Element, tuple[str, ...]]] = [(child, ()) for child in reversed(body)]
    while stack:
        element, folders = stack.pop()
        if safexml.local_name(element.tag) != "outline":
            continue
        attributes = {k.lower(): v for k, v in element.attrib.items()}
        label = _label(attributes.get("title") or attributes.get("text"))
        xml_url = attributes.get("xmlurl", "").strip()
        if xml_url:
            listed = Listed(
                url=xml_url,
                title=label,
                link=_http(attributes.get("htmlurl", "").strip()),
                categories=(*folders, *_category_attribute(attributes.get("category", ""))),
            )
            if wanted and not wanted & {c.casefold() for c in listed.categories}:
                outside += 1
            elif not _http(xml_url):
                skipped.append(f"{xml_url}: not an http(s) feed URL")
            elif (key := same_feed(xml_url)) in seen:
                repeated += 1
            else:
                seen.add(key)
                feeds.append(listed)
        inner = (*folders, label) if label and not xml_url else folders
        stack.extend((child, inner) for child in reversed(element))
    return Subscriptions(tuple(feeds), tuple(skipped), outside, repeated)


def same_feed(url: str) -> str:
    """A key equal for two spellings of one feed URL (host case, default port, trackers)."""
    from .screen import canonical_url

    return canonical_url(url.strip())


def _label(value: str | None) -> str | None:
    """An outline's title as one printable line (it becomes a source name)."""
    if not value:
        return None
    text = "".join(ch for ch in " ".join(value.split()) if ch.isprintable())
    return text[:MAX_NAME].strip() or None


def _category_attribute(value: str) -> list[str]:
    return [part.strip() for item in value.split(",") for part in item.split("/") if part.strip()]


def _http(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        ok = parts.scheme.lower() in ("http", "https") and parts.hostname
    except ValueError:  # "http://[::1"
        return None
    return url if ok and not any(c.isspace() for c in url) else None


# --------------------------------------------------------------------------- import


@dataclass(frozen=True)
class Imported:
    """What ``digest sources import`` did (or, with a dry run, would do)."""

    path: Path
    added: tuple[Listed, ...]
    present: tuple[Listed, ...]  # already in the config, by URL
    skipped: tuple[str, ...] = ()
    outside: int = 0
    written: bool = False


def import_file(
    config_path: Path, opml_path: Path, categories: Sequence[str] = (), dry_run: bool = False
) -> Imported:
    """Append the feeds of an OPML file to the config's ``sources:`` list.

    The config is edited as text, so its comments and layout stay as the operator wrote
    them; the result is validated before it is written (atomically), and nothing is
    written if it would not be a valid config. Raises ConfigError.
    """
    from .config import FeedSource, load, parse

    target = config_path.resolve()  # a symlinked config keeps its link
    loaded = load(config_path)
    original = target.read_bytes()
    try:
        data = opml_path.read_bytes()
    except OSError as exc:
        raise ConfigError([ConfigProblem(str(opml_path), None, "", _cannot(exc))]) from None
    try:
        found = read(data, categories)
    except OpmlError as exc:
        raise ConfigError([ConfigProblem(str(opml_path), exc.line, "", str(exc))]) from None
    configured = {
        same_feed(s.url) for s in loaded.config.sources if isinstance(s, FeedSource) and s.url
    }
    known = [same_feed(f.url) in configured for f in found.feeds]
    added = tuple(f for f, there in zip(found.feeds, known, strict=True) if not there)
    present = tuple(f for f, there in zip(found.feeds, known, strict=True) if there)
    result = Imported(target, added, present, found.skipped, found.outside)
    if not added or dry_run:
        return result
    text = original.decode("utf-8")
    note = f"imported from {_label(opml_path.name) or 'an OPML file'}"
    new_text = append_sources(text, added, str(config_path), note)
    config = parse(new_text, str(config_path), base_dir=target.parent)
    if len(config.sources) != len(loaded.config.sources) + len(added):  # pragma: no cover
        raise ConfigError(
            [ConfigProblem(str(config_path), None, "sources", "could not place the new feeds")]
        )
    if target.read_bytes() != original:
        raise ConfigError(
            [ConfigProblem(str(config_path), None, "", "changed while importing; try again")]
        )
    # in one step, keeping the file's permissions (a config may be private)
    write_atomic(target, new_text.encode("utf-8"), mode=target.stat().st_mode & 0o7777)
    return Imported(target, added, present, found.skipped, found.outside, written=True)


def _cannot(exc: OSError) -> str:
    return f"cannot read: {exc.strerror or exc}"


def append_sources(
    text: str, feeds: Iterable[Listed], name: str = "config.yaml", note: str | None = None
) -> str:
    """``text`` with a ``kind: feed`` entry per feed added after the last item of its
    block-style ``sources:`` list, indented like that list; everything else as it was."""
    from .config import _ConfigLoader

    try:
        root = yaml.compose(text, Loader=_ConfigLoader)
    except yaml.YAMLError as exc:
        raise _problem(name, None, f"not valid YAML: {exc}") from None
    sequence = None
    if isinstance(root, yaml.MappingNode):
        for key, value in root.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "sources":
                sequence = value
    if not isinstance(sequence, yaml.SequenceNode) or not sequence.value:
        raise _problem(name, None, "no sources: list to add to")
    line = sequence.start_mark.line + 1
    if sequence.flow_style or text[sequence.start_mark.index] != "-":
        raise _problem(name, line, "not a block list ('- kind: …' lines); add the feeds by hand")
    dash = sequence.start_mark.column
    first = sequence.value[0]
    indent = first.start_mark.column if first.start_mark.line + 1 == line else dash + 2
    newline = "\r\n" if "\r\n" in text else "\n"
    at = _after(text, sequence.value[-1], dash)
    lines = [f"{' ' * dash}# {note}"] if note else []
    for feed in feeds:
        lines.append(f"{' ' * dash}-{' ' * (indent - dash - 1)}kind: feed")
        for key, value in (("name", feed.title), ("url", feed.url), ("link", feed.link)):
            if value:
                lines.append(f"{' ' * indent}{key}: {_quoted(value)}")
    block = newline.join(lines) + newline
    head = text[:at]
    if head and not head.endswith("\n"):
        head += newline
    return head + block + text[at:]


def _after(text: str, item: yaml.Node, dash: int) -> int:
    """Where the text after ``item`` starts: the line after its last value, and after the
    comment lines indented under it (they belong to it: a commented-out key)."""
    # a block collection ends where the next thing starts (comments and all): its
    # scalars and flow collections say where its text ends
    ends = [n.end_mark.index for n in _nodes(item) if not isinstance(n, yaml.CollectionNode)]
    ends += [n.end_mark.index for n in _nodes(item) if getattr(n, "flow_style", False)]
    end = max(ends)
    if end and text[end - 1] != "\n":
        newline = text.find("\n", end)
        end = len(text) if newline < 0 else newline + 1
    while end < len(text):
        newline = text.find("\n", end)
        line = text[end : len(text) if newline < 0 else newline + 1]
        stripped = line.lstrip(" ")
        if not stripped.startswith("#") or len(line) - len(stripped) <= dash:
            break
        end += len(line)
    return end


def _nodes(node: yaml.Node) -> Iterable[yaml.Node]:
    yield node
    if isinstance(node, yaml.SequenceNode):
        for child in node.value:
            yield from _nodes(child)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _nodes(key)
            yield from _nodes(value)


def _quoted(value: str) -> str:
    """A YAML scalar for untrusted text: double-quoted, and ``$`` doubled so the config's
    ``${VAR}`` substitution leaves it as written."""
    return json.dumps(value.replace("$", "$$"), ensure_ascii=False)


def _problem(name: str, line: int | None, message: str) -> ConfigError:
    return ConfigError([ConfigProblem(name, line, "sources", message)])
