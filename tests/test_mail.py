"""Email delivery, against a real SMTP server (aiosmtpd) on 127.0.0.1.

Composing is checked on the parsed message (structure, MIME types, headers) and on the bytes
(deterministic, nothing injected); sending against servers that deliver, require a login,
require STARTTLS with a throwaway CA, speak implicit TLS, are down, refuse a recipient or
answer "try again later". No test sleeps: the backoff goes to a recorded fake ``sleep``.
"""

from __future__ import annotations

import asyncio
import email
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from digest.config import EmailConfig
from digest.errors import DeliveryError
from digest.mail import (
    SendError,
    as_bytes,
    compose,
    header_text,
    recipients,
    send,
    subject,
    write_eml,
)
from digest.models import Briefing, Citation, Item, Section, SourceInfo, SourceStatus, Status
from digest.render import render

PASSWORD_ENV = "DIGEST_SMTP_PASSWORD"
INJECTION = "\r\nBcc: evil@x.example\r\nX-Injected: yes"


# --------------------------------------------------------------------------- data


def _cite(source_id: str, number: int, text: str, url: str | None = None) -> Citation:
    return Citation(source_id, number, f"{source_id}-1", 0, text, url)


def make_briefing(title: str = "US–China: the call", top: str | None = None) -> Briefing:
    call = top or "Trump and 习近平 spoke “for more than an hour”, both sides said."
    soy = "China will resume purchases of US soybeans, officials said."
    old = "Tariffs stay at 30 % until the talks end."
    items = (
        Item(
            call,
            "call",
            3.0,
            (
                _cite("cnbc", 1, call, "https://www.cnbc.com/2026/11/20/call.html"),
                _cite("report", 2, call),
            ),
        ),
        Item(soy, "call", 2.0, (_cite("cnbc", 1, soy),)),
        Item(old, "call", 1.0, (_cite("report", 2, old),), first_reported=date(2026, 11, 20)),
    )
    return Briefing(
        title=title,
        subtitle="What Trump and Xi said",
        date=date(2026, 11, 21),
        timezone="America/New_York",
        sections=(Section("call", "The call", "", items[2:], lifted=(1, 2)),),
        sources=(
            SourceInfo("cnbc", 1, "CNBC article", "feed", "x", "CNBC", "https://www.cnbc.com/"),
            SourceInfo("report", 2, "Short report", "file", "samples/short.txt"),
            SourceInfo("wire", 3, "Wire feed", "feed", "https://wire.example/feed"),
        ),
        statuses=(
            SourceStatus("cnbc", Status.OK, 1),
            SourceStatus("report", Status.OK, 1),
            SourceStatus("wire", Status.FAILED, 0, "connection refused by host"),
        ),
        top_lines=items[:2],
        tracked=True,
    )


def make_settings(port: int = 25, **smtp: Any) -> EmailConfig:
    return EmailConfig.model_validate(
        {
            "smtp": {
                "host": "127.0.0.1",
                "port": port,
                "security": "none",
                "timeout": 5,
                "retries": 3,
                "backoff": 0.5,
                **smtp,
            },
            "sender": "Zoë’s Briefings <briefings@news.example>",
            "to": ["Ann Analyst <ann@example.com>", "bob@example.com"],
            "cc": ["Chief <chief@example.com>"],
            "bcc": ["secret@example.org"],
            "subject": "{title} — {date} ({new} new)",
        }
    )


@pytest.fixture(scope="module")
def pdf() -> bytes:
    """A real PDF of the briefing, rendered once for the module."""
    data = render(make_briefing(), ["pdf"])["pdf"]
    assert data.startswith(b"%PDF-")
    return data


@pytest.fixture
def message(pdf: bytes) -> EmailMessage:
    return compose(make_briefing(), {"pdf": pdf}, make_settings(), stem="2026-11-21")


def parse(data: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def attachment_parts(msg: EmailMessage) -> list[EmailMessage]:
    return [part for part in msg.iter_attachments() if isinstance(part, EmailMessage)]


# --------------------------------------------------------------------------- server


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    tls: bool
    login: bytes | None


@dataclass
class Handler:
    """Records what arrives; scripted refusals per recipient and replies to DATA."""

    refuse: dict[str, list[str | None]] = field(default_factory=dict)  # in turn; None: accept
    data_replies: list[str] = field(default_factory=list)  # replies before accepting DATA
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, bytes]] = field(default_factory=list)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        replies = self.refuse.get(address, [None])
        reply = replies.pop(0) if len(replies) > 1 else replies[0]  # the last one repeats
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_replies:
            return self.data_replies.pop(0)
        login = session.auth_data.login if isinstance(session.auth_data, LoginPassword) else None
        self.received.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                envelope.original_content,
                session.ssl is not None,
                login,
            )
        )
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((mechanism, auth_data.login))
        ok = auth_data.login == b"ann" and auth_data.password == b"s3cret pass"
        return AuthResult(success=ok, handled=False, auth_data=auth_data)


class LoopbackController(Controller):
    """Listens on a free port chosen by the OS (port 0) instead of a fixed one."""

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass
class Server:
    handler: Handler
    port: int


@pytest.fixture
def serve() -> Iterator[Any]:
    """Start servers for the test (``serve(**smtp_options)``); every one is stopped after it."""
    controllers: list[Controller] = []

    def start(**options: Any) -> Server:
        handler = Handler()
        if options.pop("auth", False):
            options.update(authenticator=handler.authenticate, auth_required=True)
        controller = LoopbackController(handler, hostname="127.0.0.1", port=0, **options)
        controllers.append(controller)  # stopped even when starting fails
        controller.start()
        return Server(handler, controller.port)

    yield start
    for controller in controllers:
        controller.stop(no_assert=True)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def sleeps() -> list[float]:
    return []


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


ENV = {PASSWORD_ENV: "s3cret pass"}


def no_sleep(seconds: float) -> None:
    pytest.fail(f"unexpected retry (sleep {seconds})")


# --------------------------------------------------------------------------- compose


def test_structure_parts_and_attachment(pdf: bytes) -> None:
    data = {"pdf": pdf, "md": "# Brief — 习近平\n".encode(), "json": b"{}\n", "html": b"<p>x</p>"}
    msg = parse(as_bytes(compose(make_briefing(), data, make_settings(), stem="2026-11-21")))

    assert msg.get_content_type() == "multipart/mixed"
    alternative, *attached = msg.iter_parts()
    assert alternative.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in alternative.iter_parts()] == ["text/plain", "text/html"]
    assert [(p.get_content_type(), p.get_filename(), p.get_param("charset")) for p in attached] == [
        ("application/pdf", "2026-11-21.pdf", None),
        ("text/html", "2026-11-21.html", "utf-8"),
        ("text/markdown", "2026-11-21.md", "utf-8"),
        ("application/json", "2026-11-21.json", None),
    ]
    assert all(p.get_content_disposition() == "attachment" for p in attached)
    assert [p.get_payload(decode=True) for p in attached] == [
        pdf,
        data["html"],
        data["md"],
        data["json"],
    ]
    assert msg["MIME-Version"] == "1.0"
    assert msg["Date"] == "Sat, 21 Nov 2026 00:00:00 -0500"  # the briefing day's start
    assert msg["Auto-Submitted"] == "auto-generated"


def test_body_is_short_and_says_what_is_new(message: EmailMessage) -> None:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    plain, markup = text.get_content(), html.get_content()
    for body in (plain, markup):
        assert "US–China: the call" in body
        assert "Saturday, 21 November 2026" in body
        # of three shown, one was reported on 20 Nov; in the briefing's own words
        assert "2 of 3 items are new since the last briefing." in body
        assert "Trump and 习近平 spoke “for more than an hour”, both sides said." in body
        assert "Wire feed" in body and "connection refused by host" in body  # failed source
        assert "2026-11-21.pdf" in body
    assert "Tariffs stay" not in plain  # not a top line: the body stays short
    assert "spoke “for more than an hour”, both sides said. [1, 2]" in plain  # source marks
    assert '<a href="https://www.cnbc.com/2026/11/20/call.html"' in markup  # mark -> article
    assert "<sup" not in markup and "both sides said.&nbsp;<span" in markup  # "[1, 2]", glued
    assert "\nTop lines\n---------\n" in plain and "TOP LINES" not in plain  # as in the briefing


def test_what_is_new_line_depends_on_tracking(pdf: bytes) -> None:
    nothing_new = make_briefing()
    seen = date(2026, 11, 20)
    items = tuple(replace(i, first_reported=seen) for i in nothing_new.sections[0].items)
    top = tuple(replace(i, first_reported=seen) for i in nothing_new.top_lines)
    nothing_new = replace(
        nothing_new, sections=(replace(nothing_new.sections[0], items=items),), top_lines=top
    )
    msg = compose(nothing_new, {}, make_settings(), stem="b")
    assert "What’s new: nothing new since the last briefing." in _plain(msg)
    assert msg["Subject"] == "US–China: the call — 2026-11-21 (0 new)"

    untracked = compose(replace(make_briefing(), tracked=False), {}, make_settings(), stem="b")
    assert "new" not in _plain(untracked).lower()


def _plain(msg: EmailMessage) -> str:
    part = msg.get_body(("plain",))
    assert part is not None
    content: str = part.get_content()
    return content


def test_subject_template_and_non_ascii_round_trip(message: EmailMessage) -> None:
    raw = as_bytes(message)
    assert raw.isascii()  # encoded words and quoted-printable: 7-bit clean on the wire
    assert parse(raw)["Subject"] == "US–China: the call — 2026-11-21 (2 new)"
    assert parse(raw)["From"].addresses[0].display_name == "Zoë’s Briefings"

    title = "Trump–Xi call: 习近平 and a very long title that has to be folded " * 3
    settings = make_settings()
    msg = parse(as_bytes(compose(make_briefing(title=title), {}, settings, stem="b")))
    assert msg["Subject"] == f"{header_text(title)} — 2026-11-21 (2 new)"
    assert msg["Subject"] == subject(make_briefing(title=title), settings)


def test_bcc_is_on_the_envelope_only(message: EmailMessage) -> None:
    raw = as_bytes(message)
    assert b"secret@example.org" not in raw
    assert "Bcc" not in parse(raw)
    assert parse(raw)["To"] == "Ann Analyst <ann@example.com>, bob@example.com"
    assert parse(raw)["Cc"] == "Chief <chief@example.com>"
    assert recipients(make_settings()) == [
        "ann@example.com",
        "bob@example.com",
        "chief@example.com",
        "secret@example.org",
    ]
    twice = make_settings().model_copy(update={"bcc": ["BOB@example.com", "new@example.com"]})
    assert recipients(twice)[-1] == "new@example.com"
    assert len(recipients(twice)) == 4


def test_source_text_cannot_inject_headers() -> None:
    briefing = make_briefing(title=f"Title{INJECTION}", top=f"A top line{INJECTION}")
    briefing = replace(briefing, subtitle=f"Sub\u2028title{INJECTION}")
    msg = compose(briefing, {"pdf": b"%PDF"}, make_settings(), stem=f"2026{INJECTION}")
    parsed = parse(as_bytes(msg))

    assert sorted(parsed.keys()) == sorted(
        [
            "From",
            "To",
            "Cc",
            "Subject",
            "Date",
            "Message-ID",
            "Auto-Submitted",
            "MIME-Version",
            "Content-Type",
        ]
    )
    assert parsed["Subject"] == "Title Bcc: evil@x.example X-Injected: yes — 2026-11-21 (2 new)"
    assert "evil@x.example" not in " ".join(str(parsed[k]) for k in parsed if k != "Subject")
    for part in parsed.walk():
        assert "X-Injected" not in part and "Bcc" not in part
    (attachment,) = attachment_parts(parsed)
    assert attachment.get_filename() == "2026 Bcc- evil@x.example X-Injected- yes.pdf"
    assert "A top line Bcc: evil@x.example X-Injected: yes" in _plain(parsed)


def test_html_body_is_inert(pdf: bytes) -> None:
    hostile = "<script>alert(1)</script> <img src=http://127.0.0.1:9/x.png> & more"
    briefing = make_briefing(top=hostile)
    bad_source = replace(briefing.sources[0], url="javascript:alert(2)")
    briefing = replace(briefing, sources=(bad_source, *briefing.sources[1:]))
    top = replace(briefing.top_lines[0], citations=(_cite("cnbc", 1, hostile, "javascript:x"),))
    briefing = replace(briefing, top_lines=(top,))
    links = {"Archive": "https://archive.example/2026-11-21/", "Folder": "javascript:alert(3)"}
    msg = compose(briefing, {"pdf": pdf}, make_settings(), stem="b", links=links)
    part = msg.get_body(("html",))
    assert part is not None
    html = part.get_content()

    assert "<script" not in html.lower()
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=http://127.0.0.1:9/x.png&gt; &amp; more"
        in html
    )
    assert (
        "<img" not in html
        and "<link" not in html
        and "src=" not in html.replace("&lt;img src=", "")
    )
    assert "javascript:" not in html.replace("Folder: javascript:alert(3)", "")
    assert '<a href="https://archive.example/2026-11-21/"' in html
    assert "Archive: https://archive.example/2026-11-21/" in _plain(msg)
    assert "<style" not in html  # inline styles only


def test_top_lines_show_the_sources_own_sentences_and_how_they_differ() -> None:
    briefing = make_briefing()
    first = briefing.top_lines[0]
    own = _cite("report", 2, "Trump wrote\nBcc: x@example.com <b>it</b>")
    noted = replace(first, beside=(own,), differs="attribution differs: [1] both; [2] <i>Trump</i>")
    msg = compose(
        replace(briefing, top_lines=(noted, *briefing.top_lines[1:])), {}, make_settings(), stem="b"
    )
    plain = _plain(msg).splitlines()
    at = plain.index(
        "- [new] Trump and 习近平 spoke “for more than an hour”, both sides said. [1, 2] "
        "(attribution differs: [1] both; [2] <i>Trump</i>)"
    )
    assert plain[at + 1] == "    [2]: Trump wrote Bcc: x@example.com <b>it</b>"  # one line
    part = msg.get_body(("html",))
    assert part is not None
    html = part.get_content()
    assert ">attribution differs: [1] both; [2] &lt;i&gt;Trump&lt;/i&gt;</strong>" in html
    assert ">[2]: Trump wrote\nBcc: x@example.com &lt;b&gt;it&lt;/b&gt;</span></li>" in html
    assert "<b>" not in html and "<i>" not in html


def test_composing_is_deterministic(pdf: bytes) -> None:
    settings = make_settings()
    first = as_bytes(compose(make_briefing(), {"pdf": pdf}, settings, stem="2026-11-21"))
    second = as_bytes(compose(make_briefing(), {"pdf": pdf}, settings, stem="2026-11-21"))
    assert first == second
    message_id = parse(first)["Message-ID"]
    assert message_id.startswith("<digest.2026-11-21.") and message_id.endswith("@news.example>")

    other = settings.model_copy(update={"to": ["someone@example.com"]})
    third = compose(make_briefing(), {"pdf": pdf}, other, stem="2026-11-21")
    assert third["Message-ID"] != message_id


def test_user_template_overrides_by_name(tmp_path: Path) -> None:
    (tmp_path / "email.txt.j2").write_text("Custom: {{ briefing.title|oneline }}\n")
    msg = compose(make_briefing(), {}, make_settings(), stem="b", user_templates=tmp_path)
    assert _plain(msg) == "Custom: US–China: the call\n"
    html = msg.get_body(("html",))
    assert html is not None and "Top lines" in html.get_content()  # built-in still used


# --------------------------------------------------------------------------- send


def test_send_delivers_to_every_recipient(serve: Any, message: EmailMessage, pdf: bytes) -> None:
    server = serve()
    send(message, make_settings(server.port), sleep=no_sleep)

    (got,) = server.handler.received
    assert got.mail_from == "briefings@news.example"
    assert got.rcpt_tos == recipients(make_settings())  # bcc included, on the envelope
    assert got.data == as_bytes(message)
    arrived = parse(got.data)
    assert "Bcc" not in arrived and b"secret@example.org" not in got.data
    assert arrived.get_body(("plain",)) is not None and arrived.get_body(("html",)) is not None
    (attachment,) = attachment_parts(arrived)
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_payload(decode=True) == pdf


# aiosmtpd warns when a server takes a login without TLS; these servers do, on purpose.
plain_login = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@plain_login
@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_login_with_password_from_environment(
    serve: Any, message: EmailMessage, mechanism: str
) -> None:
    other = {"LOGIN": "PLAIN", "PLAIN": "LOGIN"}[mechanism]
    server = serve(auth=True, auth_require_tls=False, auth_exclude_mechanism=[other])
    settings = make_settings(server.port, username="ann", password_env=PASSWORD_ENV)
    send(message, settings, environ=ENV, sleep=no_sleep)

    assert server.handler.logins == [(mechanism, b"ann")]
    (got,) = server.handler.received
    assert got.login == b"ann"


@plain_login
def test_wrong_password_fails_without_retry(
    serve: Any, message: EmailMessage, sleeps: list[float]
) -> None:
    server = serve(auth=True, auth_require_tls=False)
    settings = make_settings(server.port, username="ann", password_env=PASSWORD_ENV)
    with pytest.raises(DeliveryError, match=r"refused the login as ann: 535") as caught:
        send(message, settings, environ={PASSWORD_ENV: "wrong"}, sleep=sleeps.append)
    assert sleeps == []
    assert server.handler.received == []
    assert isinstance(caught.value, SendError) and caught.value.attempts == 1
    assert "\n" not in str(caught.value)


def test_missing_password_variable_names_it(message: EmailMessage, sleeps: list[float]) -> None:
    settings = make_settings(free_port(), username="ann", password_env=PASSWORD_ENV)
    with pytest.raises(DeliveryError, match=f"environment variable {PASSWORD_ENV} is not set"):
        send(message, settings, environ={}, sleep=sleeps.append)
    assert sleeps == []


def test_starttls_with_a_private_ca(
    serve: Any, message: EmailMessage, server_tls: ssl.SSLContext, ca_file: str
) -> None:
    server = serve(tls_context=server_tls, require_starttls=True, auth=True)
    settings = make_settings(
        server.port,
        security="starttls",
        ca_file=ca_file,
        username="ann",
        password_env=PASSWORD_ENV,
    )
    send(message, settings, environ=ENV, sleep=no_sleep)
    (got,) = server.handler.received
    assert got.tls and got.login == b"ann"
    assert got.data == as_bytes(message)


def test_starttls_refuses_an_untrusted_certificate(
    serve: Any, message: EmailMessage, server_tls: ssl.SSLContext, sleeps: list[float]
) -> None:
    server = serve(tls_context=server_tls, require_starttls=True)
    settings = make_settings(server.port, security="starttls")  # no ca_file: system CAs
    with pytest.raises(DeliveryError, match=r"cannot verify the certificate of 127\.0\.0\.1"):
        send(message, settings, sleep=sleeps.append)
    assert sleeps == []
    assert server.handler.received == []


def test_implicit_tls(
    serve: Any, message: EmailMessage, server_tls: ssl.SSLContext, ca_file: str
) -> None:
    server = serve(ssl_context=server_tls)
    send(message, make_settings(server.port, security="ssl", ca_file=ca_file), sleep=no_sleep)
    (got,) = server.handler.received
    assert got.data == as_bytes(message)


def test_server_down_retries_with_backoff(message: EmailMessage, sleeps: list[float]) -> None:
    port = free_port()
    with pytest.raises(DeliveryError) as caught:
        send(message, make_settings(port), sleep=sleeps.append)
    assert sleeps == [0.5, 1.0, 2.0]
    assert str(caught.value) == (
        f"cannot connect to 127.0.0.1:{port}: Connection refused (after 4 attempts)"
    )
    assert isinstance(caught.value, SendError)
    assert caught.value.delivered == [] and set(caught.value.failed) == set(
        recipients(make_settings())
    )


def test_silent_server_times_out_and_is_retried(sleeps: list[float]) -> None:
    with socket.socket() as listener:  # accepts connections (backlog) but never greets
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        settings = make_settings(port, timeout=0.2, retries=1)
        message = compose(make_briefing(), {}, settings, stem="b")
        with pytest.raises(DeliveryError) as caught:
            send(message, settings, sleep=sleeps.append)
    assert str(caught.value) == (
        f"no reply from 127.0.0.1:{port} within 0.2s on connecting (after 2 attempts)"
    )
    assert sleeps == [0.5]


def test_starttls_not_offered_is_not_retried(
    serve: Any, message: EmailMessage, sleeps: list[float], ca_file: str
) -> None:
    server = serve()  # no TLS context: the server does not offer STARTTLS
    settings = make_settings(server.port, security="starttls", ca_file=ca_file)
    with pytest.raises(DeliveryError, match=r"does not offer STARTTLS$"):
        send(message, settings, sleep=sleeps.append)
    assert sleeps == []
    assert server.handler.received == []  # never falls back to sending in the clear


def test_rejected_recipient_is_named(
    serve: Any, message: EmailMessage, sleeps: list[float]
) -> None:
    server = serve()
    server.handler.refuse["bob@example.com"] = ["550 5.1.1 <bob@example.com>: no such user"]
    with pytest.raises(DeliveryError) as caught:
        send(message, make_settings(server.port), sleep=sleeps.append)
    error = caught.value
    assert str(error) == (
        f"127.0.0.1:{server.port} refused recipient bob@example.com "
        "(550 5.1.1 <bob@example.com>: no such user); partial delivery: sent to "
        "ann@example.com, chief@example.com, secret@example.org only"
    )
    assert sleeps == []  # a permanent refusal is not retried
    (got,) = server.handler.received
    assert got.rcpt_tos == ["ann@example.com", "chief@example.com", "secret@example.org"]
    assert isinstance(error, SendError) and list(error.failed) == ["bob@example.com"]


def test_every_recipient_rejected(serve: Any, message: EmailMessage) -> None:
    server = serve()
    for address in recipients(make_settings()):
        server.handler.refuse[address] = ["550 5.7.1 relaying denied"]
    with pytest.raises(DeliveryError, match=r"refused recipients ann@example\.com") as caught:
        send(message, make_settings(server.port), sleep=no_sleep)
    assert "partial" not in str(caught.value)
    assert server.handler.received == []


def test_temporary_error_then_success(
    serve: Any, message: EmailMessage, sleeps: list[float]
) -> None:
    server = serve()
    server.handler.data_replies.append("451 4.3.0 try again later")
    send(message, make_settings(server.port), sleep=sleeps.append)
    assert sleeps == [0.5]
    (got,) = server.handler.received
    assert got.rcpt_tos == recipients(make_settings())


def test_greylisted_recipient_is_retried_alone(
    serve: Any, message: EmailMessage, sleeps: list[float]
) -> None:
    server = serve()
    server.handler.refuse["chief@example.com"] = ["450 4.7.1 greylisted, come back later", None]
    send(message, make_settings(server.port), sleep=sleeps.append)
    assert sleeps == [0.5]
    first, second = server.handler.received
    assert first.rcpt_tos == ["ann@example.com", "bob@example.com", "secret@example.org"]
    assert second.rcpt_tos == ["chief@example.com"]


def test_temporary_error_every_time_gives_up(
    serve: Any, message: EmailMessage, sleeps: list[float]
) -> None:
    server = serve()
    server.handler.data_replies.extend(["451 4.3.0 try again later"] * 3)
    with pytest.raises(DeliveryError) as caught:
        send(message, make_settings(server.port, retries=2, backoff=2), sleep=sleeps.append)
    assert sleeps == [2, 4]
    assert str(caught.value) == (
        f"127.0.0.1:{server.port} answered 451 4.3.0 try again later (while sending) "
        "(after 3 attempts)"
    )


# --------------------------------------------------------------------------- write_eml


def test_write_eml_is_what_would_be_sent(
    serve: Any, message: EmailMessage, tmp_path: Path, pdf: bytes
) -> None:
    path = tmp_path / "out" / "2026-11-21.eml"
    write_eml(message, path)
    data = path.read_bytes()

    server = serve()
    send(message, make_settings(server.port), sleep=no_sleep)
    assert data == server.handler.received[0].data == as_bytes(message)
    parsed = parse(data)
    assert parsed["Subject"] == "US–China: the call — 2026-11-21 (2 new)"
    (attachment,) = attachment_parts(parsed)
    assert attachment.get_payload(decode=True) == pdf
    assert [p.name for p in path.parent.iterdir()] == ["2026-11-21.eml"]  # no temp file left


def test_write_eml_reports_an_unwritable_place(message: EmailMessage, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(DeliveryError, match="cannot write"):
        write_eml(message, blocker / "x.eml")
