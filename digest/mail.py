"""Email delivery: compose the briefing as a message, send it over SMTP, or write it to a file.

The message is ``multipart/mixed``: a short body (``multipart/alternative`` of plain text and
HTML, rendered from ``email.txt.j2`` and ``email.html.j2``) and the rendered formats attached.
The same briefing always gives the same bytes: the Date is the start of the briefing day, the
Message-ID and the MIME boundaries are digests of the content, never the clock or chance.

Source text is untrusted. Header values built from it lose every control and line-break
character before the ``email`` package folds and encodes them, so no title or top line can
add a header; the HTML body is autoescaped and links only ``http(s)`` URLs.

Sending retries what may pass (connection errors, timeouts, ``4xx`` replies) with exponential
backoff, and gives up at once on what will not (``5xx`` replies, a refused login, a certificate
that does not verify). Every failure is a :class:`SendError` with a one-line reason.
"""

from __future__ import annotations

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
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.policy import SMTP
from email.utils import format_datetime, getaddresses, parseaddr
from io import BytesIO
from pathlib import Path
from typing import Any

from .config import EmailConfig, SmtpConfig
from .deliver import EXTENSIONS, write_atomic
from .errors import DeliveryError
from .models import Briefing, Item
from .render import briefing_start, environment, http_url, template_context

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


class SendError(DeliveryError):
    """The message was not delivered to every recipient.

    ``delivered`` lists the recipients the server accepted (a partial delivery when not
    empty), ``refused`` maps each recipient that was not accepted to the server's reply
    (empty when nothing was refused because the server could not be reached at all).
    """

    def __init__(
        self,
        message: str,
        *,
        delivered: Sequence[str] = (),
        refused: Mapping[str, str] | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.delivered = list(delivered)
        self.refused = dict(refused or {})
        self.attempts = attempts


# --------------------------------------------------------------------------- compose


@dataclass(frozen=True)
class Mark:
    """A source number after a top line, linked to the article when it is safe to link."""

    number: int
    link: str | None


@dataclass(frozen=True)
class Line:
    """A top line as the email shows it."""

    text: str
    marks: tuple[Mark, ...]
    new: bool  # True when a state store says no earlier briefing carried it


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
    names = [f"{stem}{EXTENSIONS[fmt]}" for fmt in MIME_TYPES if fmt in attachments]

    env = environment(user_templates)
    env.filters["oneline"] = one_line
    context = template_context(briefing)
    context.update(
        new_line=new_line(briefing),
        top=[_line(item, briefing) for item in briefing.top_lines],
        cited=_cited_sources(briefing, context["sources"]),
        links=[_link(label, value) for label, value in (links or {}).items()],
        attached=names,
    )
    text = _render(env, TEXT_TEMPLATE, context)
    html = _render(env, HTML_TEMPLATE, context)

    msg = EmailMessage(policy=SMTP)
    msg["From"] = header_text(settings.sender)
    msg["To"] = ", ".join(header_text(a) for a in settings.to)
    if settings.cc:
        msg["Cc"] = ", ".join(header_text(a) for a in settings.cc)
    msg["Subject"] = subject(briefing, settings)
    msg["Date"] = format_datetime(briefing_start(briefing))
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    for fmt, name in zip([f for f in MIME_TYPES if f in attachments], names, strict=True):
        maintype, subtype, charset = MIME_TYPES[fmt]
        msg.add_attachment(
            bytes(attachments[fmt]),
            maintype=maintype,
            subtype=subtype,
            filename=name,
            params={"charset": charset} if charset else None,
        )

    # Everything that identifies the message is a digest of what it says and to whom.
    content = hashlib.sha256()
    for part in (text, html, *(f"{n}\0{_digest(attachments[f])}" for f, n in _pairs(attachments, names))):
        content.update(part.encode("utf-8", "surrogatepass") + b"\0")
    who = "\0".join(recipients(settings))
    identity = hashlib.sha256(
        f"{briefing.title}\0{briefing.date.isoformat()}\0{who}\0{content.hexdigest()}".encode(
            "utf-8", "surrogatepass"
        )
    ).hexdigest()
    msg["Message-ID"] = f"<digest.{briefing.date.isoformat()}.{identity[:32]}@{_domain(settings)}>"
    # "=_" never occurs in quoted-printable or base64 text, so these cannot clash with a body.
    _set_boundaries(msg, f"=_digest_{identity[32:56]}")
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


def new_line(briefing: Briefing) -> str | None:
    """``3 new items`` / ``nothing new since the last briefing``; None without a state store."""
    if not briefing.tracked:
        return None
    count = briefing.new_items
    if count == 0:
        return "nothing new since the last briefing"
    return f"{count} new item{'s' if count != 1 else ''}"


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


def _render(env: Any, name: str, context: Mapping[str, Any]) -> str:
    import jinja2

    try:
        text: str = env.get_template(name).render(context)
    except jinja2.TemplateError as exc:
        where = f" line {exc.lineno}" if getattr(exc, "lineno", None) else ""
        raise DeliveryError(f"cannot render {name}{where}: {exc}") from exc
    return text


def _line(item: Item, briefing: Briefing) -> Line:
    links: dict[int, str | None] = {}
    for citation in item.citations:
        if links.get(citation.number) is None:
            links[citation.number] = http_url(citation.url)
    by_number = {s.number: http_url(s.url) for s in briefing.sources}
    marks = tuple(Mark(n, links.get(n) or by_number.get(n)) for n in item.source_numbers)
    return Line(item.text, marks, briefing.tracked and item.is_new)


def _cited_sources(briefing: Briefing, sources: Sequence[Any]) -> list[Any]:
    """The sources the top lines cite, so the marks mean something without the PDF."""
    numbers = {n for item in briefing.top_lines for n in item.source_numbers}
    return [s for s in sources if s.number in numbers]


def _link(label: str, value: str) -> Link:
    return Link(one_line(label), one_line(value), http_url(value))


def _filename_stem(stem: str) -> str:
    cleaned = _UNSAFE_FILENAME.sub("-", header_text(stem)).strip(" .")
    return cleaned or "briefing"


def _pairs(attachments: Mapping[str, bytes], names: Sequence[str]) -> zip[tuple[str, str]]:
    return zip([f for f in MIME_TYPES if f in attachments], names, strict=True)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _domain(settings: EmailConfig) -> str:
    """The sender's domain for the Message-ID, in ASCII (IDNA), or a reserved stand-in."""
    domain = parseaddr(settings.sender)[1].rpartition("@")[2].strip().rstrip(".")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return "digest.invalid"
    return domain if re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?", domain) else (
        "digest.invalid"
    )


def _set_boundaries(part: MIMEPart, base: str, path: str = "") -> None:
    if part.is_multipart():
        part.set_boundary(f"{base}{path or '_0'}")
        for i, child in enumerate(part.iter_parts()):
            _set_boundaries(child, base, f"{path}_{i}" if path else f"_{i + 1}")


# --------------------------------------------------------------------------- output


def as_bytes(message: EmailMessage) -> bytes:
    """The message as it goes over the wire: CRLF line ends, Bcc (if any) left out."""
    copy = EmailMessage(policy=message.policy)
    copy._headers = [(k, v) for k, v in message._headers if k.lower() not in ("bcc", "resent-bcc")]  # type: ignore[attr-defined]
    copy._payload = message._payload  # type: ignore[attr-defined]
    copy._default_type = message._default_type  # type: ignore[attr-defined]
    copy.preamble, copy.epilogue = message.preamble, message.epilogue
    buffer = BytesIO()
    BytesGenerator(buffer, policy=message.policy.clone(linesep="\r\n")).flatten(copy)
    return buffer.getvalue()


def write_eml(message: EmailMessage, path: Path) -> None:
    """Write the message to ``path`` (atomically) instead of sending it."""
    try:
        write_atomic(path, as_bytes(message))
    except OSError as exc:
        raise DeliveryError(f"cannot write {path}: {exc.strerror or exc}") from exc


# --------------------------------------------------------------------------- send


class _Temporary(Exception):
    """A failure worth another attempt."""


class _Permanent(Exception):
    """A failure that another attempt would repeat."""


def send(
    message: EmailMessage,
    settings: EmailConfig,
    *,
    sleep: Callable[[float], None] = time.sleep,
    environ: Mapping[str, str] = os.environ,
) -> None:
    """Send the message to every recipient (Bcc only on the envelope), retrying what may pass.

    Raises :class:`SendError` (a :class:`DeliveryError`) with a one-line reason when any
    recipient did not get the message.
    """
    smtp = settings.smtp
    port = smtp.port or DEFAULT_PORTS[smtp.security]
    where = f"{smtp.host}:{port}"
    password = _password(smtp, environ)
    context = _tls_context(smtp) if smtp.security != "none" else None
    sender = parseaddr(settings.sender)[1] or settings.sender
    pending = recipients(settings)
    delivered: list[str] = []
    refused: dict[str, str] = {}  # permanently
    attempts = smtp.retries + 1
    delay = smtp.backoff
    attempt = 0
    reason = ""
    while pending and attempt < attempts:
        attempt += 1
        if attempt > 1:
            log.warning("email: %s; retrying in %gs (attempt %d of %d)", reason, delay, attempt, attempts)
            sleep(delay)
            delay *= 2
        try:
            temporary = _attempt(message, smtp, port, context, password, sender, pending)
        except _Permanent as exc:
            raise _failure(str(exc), delivered, {**refused, **dict.fromkeys(pending, str(exc))}, attempt) from exc.__cause__
        except _Temporary as exc:
            reason = str(exc)
            continue
        # The server took the message for everyone it did not refuse.
        delivered += [r for r in pending if r not in temporary]
        for rcpt, (code, reply) in temporary.items():
            if not 400 <= code < 500:
                refused[rcpt] = _reply(code, reply)
        pending = [r for r in pending if r in temporary and r not in refused]
        reason = _refusal(where, {r: _reply(*temporary[r]) for r in pending}) if pending else ""
    if pending:
        refused.update({r: reason for r in pending})
        suffix = f" (after {attempt} attempts)" if attempt > 1 else ""
        if delivered or len(refused) > len(pending):
            reason = _refusal(where, refused)
        raise _failure(reason + suffix, delivered, refused, attempt)
    if refused:
        raise _failure(_refusal(where, refused), delivered, refused, attempt)


def _failure(
    reason: str, delivered: Sequence[str], refused: Mapping[str, str], attempts: int
) -> SendError:
    if delivered:
        who = ", ".join(delivered)
        reason += f"; partial delivery: sent to {who}"
    return SendError(reason, delivered=delivered, refused=refused, attempts=attempts)


def _refusal(where: str, refused: Mapping[str, str]) -> str:
    listed = "; ".join(f"{rcpt} ({reply})" for rcpt, reply in refused.items())
    return f"{where} refused recipient{'s' if len(refused) != 1 else ''} {listed}"


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
            f"environment variable {smtp.password_env} (smtp.password_env) is not set: "
            f"it must hold the password for {smtp.username}"
        )
    return password


def _tls_context(smtp: SmtpConfig) -> ssl.SSLContext:
    try:
        return ssl.create_default_context(cafile=smtp.ca_file)
    except (OSError, ssl.SSLError) as exc:
        raise SendError(f"cannot read smtp.ca_file {smtp.ca_file}: {_os_reason(exc)}") from exc


def _attempt(
    message: EmailMessage,
    smtp: SmtpConfig,
    port: int,
    context: ssl.SSLContext | None,
    password: str | None,
    sender: str,
    to: Sequence[str],
) -> dict[str, tuple[int, bytes]]:
    """One connection: the recipients refused (with the reply), or raise what went wrong."""
    where = f"{smtp.host}:{port}"
    conn = (
        smtplib.SMTP_SSL(timeout=smtp.timeout, context=context)
        if smtp.security == "ssl"
        else smtplib.SMTP(timeout=smtp.timeout)
    )
    stage = "connect"
    try:
        code, reply = conn.connect(smtp.host, port)
        if code != 220:
            raise smtplib.SMTPConnectError(code, reply)
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
        refused = conn.send_message(message, from_addr=sender, to_addrs=list(to))
        return {rcpt: (int(code), reply) for rcpt, (code, reply) in refused.items()}
    except smtplib.SMTPRecipientsRefused as exc:
        out = {rcpt: (int(code), reply) for rcpt, (code, reply) in exc.recipients.items()}
        if any(not 400 <= c < 500 for c, _ in out.values()) or len(out) < len(to):
            return out  # the caller reports permanent refusals and retries temporary ones
        return out
    except smtplib.SMTPNotSupportedError as exc:
        what = "STARTTLS" if stage == "starttls" else str(exc)
        raise _Permanent(f"{where} does not support {what}") from exc
    except smtplib.SMTPAuthenticationError as exc:
        text = f"{where} refused the login as {smtp.username}: {_reply(exc.smtp_code, exc.smtp_error)}"
        raise (_Temporary if 400 <= exc.smtp_code < 500 else _Permanent)(text) from exc
    except smtplib.SMTPResponseException as exc:
        text = f"{where} answered {_reply(exc.smtp_code, exc.smtp_error)} ({_STAGES[stage]})"
        raise (_Temporary if 400 <= exc.smtp_code < 500 else _Permanent)(text) from exc
    except smtplib.SMTPServerDisconnected as exc:
        raise _Temporary(f"{where} closed the connection ({_STAGES[stage]})") from exc
    except ssl.SSLCertVerificationError as exc:
        raise _Permanent(
            f"cannot verify the certificate of {where}: {exc.verify_message or exc.reason}"
            + (" (trust a private CA with smtp.ca_file)" if smtp.ca_file is None else "")
        ) from exc
    except ssl.SSLError as exc:
        raise _Permanent(f"TLS with {where} failed: {exc.reason or exc}") from exc
    except smtplib.SMTPException as exc:
        raise _Permanent(f"{where}: {header_text(exc)} ({_STAGES[stage]})") from exc
    except OSError as exc:
        if stage == "connect":
            raise _Temporary(f"cannot connect to {where}: {_os_reason(exc)}") from exc
        raise _Temporary(f"connection to {where} failed: {_os_reason(exc)} ({_STAGES[stage]})") from exc
    finally:
        _close(conn)


_STAGES = {
    "connect": "on connecting",
    "greet": "after EHLO",
    "starttls": "on STARTTLS",
    "login": "on login",
    "send": "while sending",
}


def _close(conn: smtplib.SMTP) -> None:
    try:
        if conn.sock is not None:
            conn.quit()
    except (smtplib.SMTPException, OSError):
        pass
    finally:
        conn.close()


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError) or type(exc).__name__ == "timeout":
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return header_text(exc) or type(exc).__name__


__all__ = [
    "Address",
    "SendError",
    "as_bytes",
    "compose",
    "header_text",
    "new_line",
    "recipients",
    "send",
    "subject",
    "write_eml",
]
