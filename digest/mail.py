"""Email delivery: compose the briefing as a message, send it over SMTP, or write it to a file.

The message is ``multipart/mixed``: a short body (``multipart/alternative`` of plain text and
HTML, rendered from ``email.txt.j2`` and ``email.html.j2``) and the rendered formats attached.
The same briefing always gives the same bytes: the Date is the start of the briefing day, the
Message-ID and the MIME boundaries are digests of the content, never the clock or chance.

Source text is untrusted. Header values built from it lose every control and line-break
character before the ``email`` package folds and encodes them, so no title or top line can
add a header; the HTML body is autoescaped and links only ``http(s)`` URLs.

The email templates see everything :func:`digest.render.template_context` gives the
briefing templates, and: ``new_line`` (the briefing's ``whats_new``: ``2 of 3 items are new
since the last briefing.``, or None without a state store), ``top`` (the top lines, each a
:class:`Line` with ``text``, ``new``, ``marks`` (source ``number`` and a safe ``link`` or
None), ``differs`` and ``beside`` (``number`` and ``text``: a source's own sentence)),
``cited`` (the sources those marks refer to, dated by ``published_shown`` where known),
``links`` (:class:`Link`: ``label``, ``value``, and ``url`` when it is safe to link) and
``attached`` (the attachments' file names). The ``oneline`` filter puts source text on one
line. A user template of the same name replaces the built-in one.

Sending retries what may pass (connection errors, timeouts, ``4xx`` replies) with exponential
backoff, and gives up at once on what will not (``5xx`` replies, a refused login, a certificate
that does not verify). Every failure is a :class:`SendError` with a one-line reason.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import re
import smtplib
import ssl
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.generator import BytesGenerator
from email.message import EmailMessage, MIMEPart
from email.policy import SMTP
from email.utils import format_datetime, getaddresses, parseaddr
from io import BytesIO
from pathlib import Path
from typing import Any

from .config import EmailConfig, SmtpConfig
from .deliver import EXTENSIONS, write_atomic
from .errors import DeliveryError, SendError
from .models import Briefing, Item
from .render import (
    _render_template,
    briefing_start,
    environment,
    http_url,
    template_context,
)

log = logging.getLogger(__name__)

TEXT_TEMPLATE = "email.txt.j2"
HTML_TEMPLATE = "email.html.j2"

# format -> (maintype, subtype, charset); attached in this order whatever the mapping's order.
MIME_TYPES: dict[str, tuple[str, str, str | None]] = {
    "pdf": ("application", "pdf", None),
    "html": ("text", "html", "utf-8"),
    "md": ("text", "markdown", "utf-8"),
    "json": ("application", "json", None),
}
DEFAULT_PORTS = {"ssl": 465, "starttls": 587, "none": 25}

# C0/C1 controls, line and paragraph separators: a header value must stay one line.
_BREAKING = frozenset({"Cc", "Zl", "Zp"})
_UNSAFE_FILENAME = re.compile(r"[/\\:*?\"<>|]")
_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


# --------------------------------------------------------------------------- compose


@dataclass(frozen=True)
class Mark:
    """A source number after a top line, linked to the article when it is safe to link."""

    number: int
    link: str | None


@dataclass(frozen=True)
class Beside:
    """A cited source's own sentence, shown under a top line worded from another's."""

    number: int
    text: str


@dataclass(frozen=True)
class Line:
    """A top line as the email shows it."""

    text: str
    marks: tuple[Mark, ...]
    new: bool  # True when a state store says no earlier briefing carried it
    differs: str | None = None  # how the cited sources' wordings disagree
    beside: tuple[Beside, ...] = ()


@dataclass(frozen=True)
class Link:
    """One of the caller's links: ``url`` is None when it is not http(s), so shown as text."""

    label: str
    value: str
    url: str | None


def compose(
    briefing: Briefing,
    attachments: Mapping[str, bytes],
    settings: EmailConfig,
    *,
    stem: str,
    user_templates: Path | None = None,
    links: Mapping[str, str] | None = None,
) -> EmailMessage:
    """The briefing as an email message, ready for :func:`send` or :func:`write_eml`.

    ``attachments`` maps a format (``pdf``, ``html``, ``md``, ``json``) to its rendered bytes;
    each is attached as ``{stem}.{ext}``. ``links`` (label -> URL or path) are listed in the
    body; only http(s) URLs become links.
    """
    unknown = sorted(set(attachments) - set(MIME_TYPES))
    if unknown:
        raise ValueError(f"cannot attach format(s) {', '.join(unknown)}")
    stem = _filename_stem(stem)
    files = {fmt: f"{stem}{EXTENSIONS[fmt]}" for fmt in MIME_TYPES if fmt in attachments}

    env = environment(user_templates)
    env.filters["oneline"] = one_line
    context = template_context(briefing)
    context.update(
        new_line=context["whats_new"],  # the briefing's own words, as attached
        top=[_line(item, briefing) for item in briefing.top_lines],
        cited=_cited_sources(briefing, context["sources"]),
        links=[_link(label, value) for label, value in (links or {}).items()],
        attached=list(files.values()),
    )
    text = _render_template(env, TEXT_TEMPLATE, context)
    html = _render_template(env, HTML_TEMPLATE, context)

    # What identifies the message is a digest of what it says and to whom, so a briefing
    # rebuilt with other news the same day is a new message, and a resend is the same one.
    identity = hashlib.sha256()
    for field in (
        briefing.title,
        settings.subject,
        briefing.date.isoformat(),
        *recipients(settings),
        text,
        html,
    ):
        identity.update(field.encode("utf-8", "surrogatepass") + b"\0")
    for fmt, name in files.items():
        identity.update(name.encode("utf-8", "surrogatepass") + b"\0" + attachments[fmt] + b"\0")
    digest = identity.hexdigest()

    msg = EmailMessage(policy=SMTP)
    msg["From"] = header_text(settings.sender)
    msg["To"] = ", ".join(header_text(a) for a in settings.to)
    if settings.cc:
        msg["Cc"] = ", ".join(header_text(a) for a in settings.cc)
    msg["Subject"] = subject(briefing, settings)
    msg["Date"] = format_datetime(briefing_start(briefing))
    msg["Message-ID"] = f"<digest.{briefing.date.isoformat()}.{digest[:32]}@{_domain(settings)}>"
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    for fmt, name in files.items():
        maintype, subtype, charset = MIME_TYPES[fmt]
        msg.add_attachment(
            bytes(attachments[fmt]),
            maintype=maintype,
            subtype=subtype,
            filename=name,
            params={"charset": charset} if charset else None,
        )

    # "=_" never occurs in quoted-printable or base64 text, so these cannot clash with a body.
    _set_boundaries(msg, f"=_digest_{digest[32:56]}")
    return msg


def subject(briefing: Briefing, settings: EmailConfig) -> str:
    """The Subject from the config's template; one line whatever the title holds."""
    return header_text(
        settings.subject.format(
            title=header_text(briefing.title),
            date=briefing.date.isoformat(),
            new=briefing.new_items,
        )
    )


def header_text(value: object) -> str:
    """One line of text for a header: controls and line breaks become spaces, runs collapse."""
    text = "".join(" " if unicodedata.category(c) in _BREAKING else c for c in str(value))
    return " ".join(text.split())


def one_line(value: object) -> str:
    """Template filter: source text on one line (a top line cannot fake a heading or a list)."""
    return "" if value is None else header_text(value)


def recipients(settings: EmailConfig) -> list[str]:
    """Envelope recipients: the addresses of to, cc and bcc, each once, in that order."""
    out: list[str] = []
    seen: set[str] = set()
    for _name, address in getaddresses([*settings.to, *settings.cc, *settings.bcc]):
        address = header_text(address)
        if address and address.lower() not in seen:
            seen.add(address.lower())
            out.append(address)
    return out


def _line(item: Item, briefing: Briefing) -> Line:
    links: dict[int, str | None] = {}
    for citation in item.citations:
        if links.get(citation.number) is None:
            links[citation.number] = http_url(citation.url)
    by_number = {s.number: http_url(s.url) for s in briefing.sources}
    marks = tuple(Mark(n, links.get(n) or by_number.get(n)) for n in item.source_numbers)
    beside = tuple(Beside(c.number, c.text) for c in item.beside)
    return Line(item.text, marks, briefing.tracked and item.is_new, item.differs, beside)


def _cited_sources(briefing: Briefing, sources: Sequence[Any]) -> list[Any]:
    """The sources the top lines cite, so the marks mean something without the PDF."""
    numbers = {n for item in briefing.top_lines for n in item.source_numbers}
    return [s for s in sources if s.number in numbers]


def _link(label: str, value: str) -> Link:
    return Link(one_line(label), one_line(value), http_url(value))


def _filename_stem(stem: str) -> str:
    cleaned = _UNSAFE_FILENAME.sub("-", header_text(stem)).strip(" .")
    return cleaned or "briefing"


def _domain(settings: EmailConfig) -> str:
    """The sender's domain for the Message-ID, in ASCII (IDNA), or a reserved stand-in."""
    domain = parseaddr(settings.sender)[1].rpartition("@")[2].strip().rstrip(".")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return "digest.invalid"
    return domain if _DOMAIN.fullmatch(domain) else "digest.invalid"


def _set_boundaries(part: MIMEPart, base: str, number: int = 0) -> int:
    """Number the multipart boundaries depth first; drop MIME-Version below the top."""
    if number:
        del part["MIME-Version"]
    if not part.is_multipart():
        return number
    part.set_boundary(f"{base}_{number}")
    for child in part.iter_parts():
        number = _set_boundaries(child, base, number + 1)
    return number


# --------------------------------------------------------------------------- output


def as_bytes(message: EmailMessage) -> bytes:
    """The message exactly as :func:`send` transmits it: CRLF line ends, no Bcc header."""
    wire = copy.copy(message)  # shallow, as smtplib does: deleting headers leaves the original
    del wire["Bcc"]
    del wire["Resent-Bcc"]
    with BytesIO() as buffer:
        BytesGenerator(buffer, policy=message.policy).flatten(wire, linesep="\r\n")
        return buffer.getvalue()


def write_eml(message: EmailMessage, path: Path) -> None:
    """Write the message to ``path`` (atomically) instead of sending it."""
    try:
        write_atomic(path, as_bytes(message))
    except OSError as exc:
        raise DeliveryError(f"cannot write {path}: {exc.strerror or exc}") from exc


# --------------------------------------------------------------------------- send


class _Temporary(Exception):
    """A failure another attempt may not repeat: nothing was delivered on this connection."""


class _Permanent(Exception):
    """A failure another attempt would repeat."""


def send(
    message: EmailMessage,
    settings: EmailConfig,
    *,
    sleep: Callable[[float], None] = time.sleep,
    environ: Mapping[str, str] = os.environ,
) -> None:
    """Send the message to every recipient (Bcc only on the envelope), retrying what may pass.

    A recipient the server refuses for now (``4xx``) is tried again on the next attempt, alone,
    so nobody who already has the message gets it twice. Raises :class:`SendError` with a
    one-line reason when any recipient did not get the message.
    """
    smtp = settings.smtp
    port = smtp.port or DEFAULT_PORTS[smtp.security]
    where = f"{smtp.host}:{port}"
    password = _password(smtp, environ)
    context = _tls_context(smtp) if smtp.security != "none" else None
    sender = parseaddr(settings.sender)[1] or settings.sender
    data = as_bytes(message)
    attempts = smtp.retries + 1
    delay = smtp.backoff

    pending = recipients(settings)
    delivered: list[str] = []
    refused: dict[str, str] = {}  # refused for good (5xx), with the server's reply
    for attempt in range(1, attempts + 1):
        try:
            rejected = _attempt(data, smtp, port, context, password, sender, pending)
        except _Permanent as exc:
            failed = {**refused, **dict.fromkeys(pending, str(exc))}
            raise _failure([str(exc)], where, delivered, refused, failed, attempt) from exc
        except _Temporary as exc:
            reason = str(exc)
        else:
            delivered += [r for r in pending if r not in rejected]
            replies = {r: _reply(*rejected[r]) for r in pending if r in rejected}
            refused.update({r: replies[r] for r in replies if not 400 <= rejected[r][0] < 500})
            pending = [r for r in replies if r not in refused]
            if not pending:
                break
            reason = _refusal(where, {r: replies[r] for r in pending})
        if attempt == attempts:
            after = f" (after {attempt} attempts)" if attempt > 1 else ""
            failed = {**refused, **dict.fromkeys(pending, reason)}
            raise _failure([reason + after], where, delivered, refused, failed, attempt)
        log.warning(
            "email: %s; retrying in %gs (attempt %d of %d)", reason, delay, attempt + 1, attempts
        )
        sleep(delay)
        delay *= 2
    if refused:
        raise _failure([], where, delivered, refused, refused, attempt)


def _failure(
    reasons: list[str],
    where: str,
    delivered: Sequence[str],
    refused: Mapping[str, str],
    failed: Mapping[str, str],
    attempts: int,
) -> SendError:
    if refused:
        reasons.append(_refusal(where, refused))
    if delivered:
        reasons.append(f"partial delivery: sent to {', '.join(delivered)} only")
    return SendError("; ".join(reasons), delivered=delivered, failed=failed, attempts=attempts)


def _refusal(where: str, refused: Mapping[str, str]) -> str:
    listed = ", ".join(f"{rcpt} ({reply})" for rcpt, reply in refused.items())
    return f"{where} refused {'recipients' if len(refused) > 1 else 'recipient'} {listed}"


def _reply(code: int, reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return header_text(f"{code} {text}")


def _password(smtp: SmtpConfig, environ: Mapping[str, str]) -> str | None:
    if not smtp.username:
        return None
    if not smtp.password_env:
        raise SendError(
            "smtp.username is set but smtp.password_env is not: name the environment "
            "variable that holds the password"
        )
    password = environ.get(smtp.password_env)
    if not password:
        raise SendError(
            f"environment variable {smtp.password_env} is not set or empty "
            f"(smtp.password_env: the password for {smtp.username})"
        )
    return password


def _tls_context(smtp: SmtpConfig) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=smtp.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise SendError(f"cannot read smtp.ca_file {smtp.ca_file}: {_os_reason(exc)}") from exc


_STAGES = {
    "connect": "on connecting",
    "greet": "after EHLO",
    "starttls": "on STARTTLS",
    "login": "on login",
    "send": "while sending",
}


def _attempt(
    data: bytes,
    smtp: SmtpConfig,
    port: int,
    context: ssl.SSLContext | None,
    password: str | None,
    sender: str,
    to: Sequence[str],
) -> dict[str, tuple[int, bytes]]:
    """One connection: the recipients the server refused with its reply, or raise why not."""
    where = f"{smtp.host}:{port}"
    conn: smtplib.SMTP | None = None
    stage = "connect"
    try:
        # Connecting in the constructor, which closes what it opened if the greeting fails
        # and keeps the host name that STARTTLS and SSL check the certificate against.
        if smtp.security == "ssl":
            conn = smtplib.SMTP_SSL(smtp.host, port, timeout=smtp.timeout, context=context)
        else:
            conn = smtplib.SMTP(smtp.host, port, timeout=smtp.timeout)
        stage = "greet"
        conn.ehlo_or_helo_if_needed()
        if smtp.security == "starttls":
            stage = "starttls"
            conn.starttls(context=context)
            conn.ehlo()
        if smtp.username and password is not None:
            stage = "login"
            conn.login(smtp.username, password)
        stage = "send"
        options: list[str] = []
        if not "".join([sender, *to]).isascii():
            if not conn.has_extn("smtputf8"):
                raise _Permanent(f"{where} does not accept non-ASCII addresses (no SMTPUTF8)")
            options.append("SMTPUTF8")
        refused = conn.sendmail(sender, list(to), data, mail_options=options)
        return {rcpt: (int(code), reply) for rcpt, (code, reply) in refused.items()}
    except smtplib.SMTPRecipientsRefused as exc:  # every recipient refused
        return {rcpt: (int(code), reply) for rcpt, (code, reply) in exc.recipients.items()}
    except smtplib.SMTPNotSupportedError as exc:
        what = {"starttls": "STARTTLS", "login": "AUTH (smtp.username is set)"}.get(stage)
        text = f"{where} does not offer {what}" if what else f"{where}: {header_text(exc)}"
        raise _Permanent(text) from exc
    except smtplib.SMTPResponseException as exc:  # includes a refused login and sender
        code = exc.smtp_code
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            text = f"{where} refused the login as {smtp.username}: {_reply(code, exc.smtp_error)}"
        else:
            text = f"{where} answered {_reply(code, exc.smtp_error)} ({_STAGES[stage]})"
        raise (_Temporary if 400 <= code < 500 else _Permanent)(text) from exc
    except smtplib.SMTPServerDisconnected as exc:  # also a timeout waiting for a reply
        detail = header_text(exc).removeprefix("Connection unexpectedly closed").lstrip(": ")
        if detail == "timed out":
            text = f"no reply from {where} within {smtp.timeout:g}s {_STAGES[stage]}"
        else:
            text = f"{where} closed the connection {_STAGES[stage]}"
            text += f": {detail}" if detail else ""
        raise _Temporary(text) from exc
    except ssl.SSLCertVerificationError as exc:
        hint = "" if smtp.ca_file else " (for a private CA, set smtp.ca_file)"
        raise _Permanent(
            f"cannot verify the certificate of {where}: {exc.verify_message or exc.reason}{hint}"
        ) from exc
    except ssl.SSLError as exc:
        usual = DEFAULT_PORTS[smtp.security]
        hint = (
            f" (smtp.security {smtp.security} usually means port {usual})" if port != usual else ""
        )
        raise _Permanent(f"TLS with {where} failed: {exc.reason or exc}{hint}") from exc
    except smtplib.SMTPException as exc:  # e.g. the server offers no AUTH
        raise _Permanent(f"{where}: {header_text(exc)} ({_STAGES[stage]})") from exc
    except OSError as exc:  # refused, unreachable, timed out, reset
        if stage == "connect":
            raise _Temporary(f"cannot connect to {where}: {_os_reason(exc)}") from exc
        raise _Temporary(
            f"connection to {where} failed {_STAGES[stage]}: {_os_reason(exc)}"
        ) from exc
    finally:
        if conn is not None:
            _close(conn)


def _close(conn: smtplib.SMTP) -> None:
    try:
        if conn.sock is not None:
            conn.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        conn.close()


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return header_text(exc) or type(exc).__name__
