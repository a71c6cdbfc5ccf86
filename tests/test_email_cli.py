"""Email from the command line, against a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import shutil
import socket
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from digest.cli import main

from .conftest import ROOT
from .test_mail import attachment_parts, parse, serve  # noqa: F401  (serve is a fixture)

DAY = "2025-06-06"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def project(tmp_path: Path, port: int) -> Path:
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    config = tmp_path / "config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f"""
email:
  smtp:
    host: 127.0.0.1
    port: {port}
    security: none
    retries: 1
    backoff: 0
    timeout: 5
  sender: "Briefings <briefings@example.com>"
  to: [ann@example.com]
  bcc: [chief@example.com]
  subject: "{{title}} — {{date}} ({{new}} new)"
""",
        encoding="utf-8",
    )
    return config


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def deliveries(tmp_path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(tmp_path / ".digest-state" / "state.sqlite") as conn:
        rows = conn.execute("SELECT ok, recipients, error FROM deliveries ORDER BY id").fetchall()
    conn.close()
    return rows


def test_build_email_delivers_the_written_pdf(tmp_path: Path, serve: Any) -> None:  # noqa: F811
    server = serve()
    config = project(tmp_path, server.port)
    result = run("build", "-c", str(config), "--date", DAY, "--email")
    assert result.exit_code == 0, result.stderr
    [received] = server.handler.received
    assert sorted(received.rcpt_tos) == ["ann@example.com", "chief@example.com"]
    message = parse(received.data)
    assert (
        message["Subject"]
        == f"Trump–Xi call and US–China trade — {DAY} ({message['Subject'].split('(')[1]}"
    )
    assert "Bcc" not in message and "chief@example.com" not in received.data.decode("ascii")
    [pdf] = attachment_parts(message)
    assert pdf.get_filename() == f"briefing-{DAY}.pdf"
    assert pdf.get_content() == (tmp_path / "out" / f"briefing-{DAY}.pdf").read_bytes()
    body = message.get_body(("plain",))
    assert body is not None and "What’s new" in body.get_content()
    assert deliveries(tmp_path)[-1][0] == 1

    again = run("build", "-c", str(config), "--date", DAY, "--email")  # cron fired twice
    assert again.exit_code == 0 and len(server.handler.received) == 1  # not mailed twice
    forced = run("build", "-c", str(config), "--date", DAY, "--email", "--resend")
    assert forced.exit_code == 0 and len(server.handler.received) == 2


def test_smtp_down_saves_the_briefing_exits_6_and_send_delivers_later(
    tmp_path: Path,
    serve: Any,  # noqa: F811
) -> None:
    port = free_port()  # nobody listens here yet
    config = project(tmp_path, port)
    result = run("build", "-c", str(config), "--date", DAY, "--email")
    assert result.exit_code == 6
    assert f"cannot connect to 127.0.0.1:{port}" in result.stderr
    assert (tmp_path / "out" / f"briefing-{DAY}.pdf").exists()  # nothing lost
    [(ok, recipients, error)] = deliveries(tmp_path)
    assert ok == 0 and "ann@example.com" in str(recipients) and "cannot connect" in str(error)

    server = serve()  # the server is back, on another port: point the config at it
    config.write_text(
        config.read_text(encoding="utf-8").replace(f"port: {port}", f"port: {server.port}"),
        encoding="utf-8",
    )
    sent = run("send", "-c", str(config))  # no --date: the pending delivery's
    assert sent.exit_code == 0, sent.stderr
    [received] = server.handler.received
    [pdf] = attachment_parts(parse(received.data))
    assert pdf.get_content() == (tmp_path / "out" / f"briefing-{DAY}.pdf").read_bytes()
    assert [row[0] for row in deliveries(tmp_path)] == [0, 1]


def test_eml_writes_the_message_instead_of_sending(tmp_path: Path) -> None:
    config = project(tmp_path, free_port())
    eml = tmp_path / "briefing.eml"
    result = run("build", "-c", str(config), "--date", DAY, "--eml", str(eml))
    assert result.exit_code == 0, result.stderr
    message = parse(eml.read_bytes())
    [pdf] = attachment_parts(message)
    assert pdf.get_content() == (tmp_path / "out" / f"briefing-{DAY}.pdf").read_bytes()
    assert deliveries(tmp_path) == []  # written, not delivered
    again = tmp_path / "again.eml"
    assert run("send", "-c", str(config), "--date", DAY, "--eml", str(again)).exit_code == 0
    assert again.read_bytes() == eml.read_bytes()  # the same message from the written briefing


def test_send_without_a_built_briefing_says_what_to_do(tmp_path: Path) -> None:
    config = project(tmp_path, free_port())
    result = run("send", "-c", str(config), "--date", DAY)
    assert result.exit_code == 1
    assert "build the briefing with the json format first" in result.stderr


@pytest.mark.parametrize(
    ("command", "flags"),
    [
        ("build", ["--email"]),
        ("build", ["--eml", "x.eml"]),
        ("send", []),
        ("send", ["--eml", "x.eml"]),
    ],
)
def test_email_commands_without_an_email_section_are_usage_errors(
    tmp_path: Path, command: str, flags: list[str]
) -> None:
    """Exit 2, as the README says of bad usage: a clear message, and nothing written (no
    briefing, no state store, no message)."""
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(ROOT / "samples", tmp_path / "samples")
    flags = [str(tmp_path / f) if f.endswith(".eml") else f for f in flags]
    result = run(command, "-c", str(tmp_path / "config.yaml"), "--date", DAY, *flags)
    assert result.exit_code == 2, result.output
    name = f"{command} {flags[0]}" if flags else command
    assert (
        f"error: {tmp_path / 'config.yaml'}: {name} needs an email: section in the config"
        in result.stderr
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.yaml", "samples"]


@pytest.mark.parametrize(
    "body",
    ["[" * 200_000 + "]" * 200_000, '{"schema": ' + "[" * 200_000 + "]" * 200_000 + "}"],
)
def test_send_with_a_json_nested_too_deep_is_an_error_not_a_traceback(
    tmp_path: Path, body: str
) -> None:
    """Issue 13 (14): `digest send` on a briefing JSON 200,000 brackets deep."""
    config = project(tmp_path, free_port())
    (tmp_path / "out").mkdir(exist_ok=True)
    (tmp_path / "out" / f"briefing-{DAY}.json").write_text(body, encoding="utf-8")
    result = run("send", "-c", str(config), "--date", DAY, "--eml", str(tmp_path / "x.eml"))
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # an error the CLI handled
    assert "Traceback" not in result.output and "RecursionError" not in result.stderr
    assert "nested too deeply" in result.stderr or "cannot read" in result.stderr
    assert not (tmp_path / "x.eml").exists()


def test_send_finishes_a_build_killed_while_renaming_before_it_reads(tmp_path: Path) -> None:
    """Issue 13 (5): `digest send` mailed an old JSON's text with a new PDF. Here the disk is
    as a build killed after committing and renaming only the JSON leaves it."""
    import json
    import os

    from digest.deliver import JOURNAL

    config = project(tmp_path, free_port())
    assert run("build", "-c", str(config), "--date", DAY).exit_code == 0
    out = tmp_path / "out"
    stem = f"briefing-{DAY}"
    new_pdf = (out / f"{stem}.pdf").read_bytes() + b"\n% the new build\n"
    data = json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))
    data["title"] = "The new build"
    staged = {".pdf": new_pdf, ".json": json.dumps(data).encode("utf-8")}
    pairs = []
    for ext, body in staged.items():
        tmp = out / f".{stem}{ext}.x.digest-tmp"
        tmp.write_bytes(body)
        pairs.append([str(tmp), str(out / f"{stem}{ext}")])
    (out / JOURNAL).write_text(json.dumps(pairs), encoding="utf-8")
    os.replace(pairs[1][0], pairs[1][1])  # the JSON renamed, then the kill: a mix on disk

    eml = tmp_path / "again.eml"
    result = run("send", "-c", str(config), "--date", DAY, "--eml", str(eml))
    assert result.exit_code == 0, result.stderr
    message = parse(eml.read_bytes())
    [pdf] = attachment_parts(message)
    assert pdf.get_content() == new_pdf  # the PDF of the JSON it read
    assert "The new build" in message["Subject"] + message.as_string()
    assert not (out / JOURNAL).exists() and not list(out.glob(".*digest-tmp"))
