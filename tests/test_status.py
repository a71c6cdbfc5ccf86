"""`digest status` (and `digest log`): the last runs with their exit codes, each source's
health and the deliveries, read from the state store that real builds and sends left.

Feeds come from a loopback HTTP server, mail goes to a loopback SMTP server (aiosmtpd).
Times show in the briefing's zone: Asia/Kolkata, whose IST has no summer time, so the
expected abbreviation does not depend on the day the tests run.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from digest.cli import main

from .loopback import Loopback, Reply
from .test_fetch import CALL, RARE_EARTHS, RSS_TYPE, TARIFFS, write_config
from .test_mail import free_port, serve  # noqa: F401  (serve is a fixture)
from .test_rerun import feed, server  # noqa: F401  (server is a fixture)

DAY = "2025-06-06"
ZONE = "Asia/Kolkata"
STAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d IST")


@pytest.fixture
def config(server: Loopback, tmp_path: Path) -> Path:  # noqa: F811
    wire = feed(server.base, "wire", " ".join(CALL), " ".join(TARIFFS))
    server.route("/wire.xml", Reply(body=wire, content_type=RSS_TYPE))
    server.route("/desk.xml", Reply(body=feed(server.base, "desk", " ".join(RARE_EARTHS))))
    return write_config(
        tmp_path,
        [
            {"kind": "feed", "id": "wire", "url": server.url("/wire.xml")},
            {"kind": "feed", "id": "desk", "url": server.url("/desk.xml")},
        ],
        timezone=ZONE,
    )


def digest(*args: str) -> Any:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def build(config: Path, *extra: str) -> int:
    code: int = digest("build", "-c", str(config), "--date", DAY, "-f", "md,json", *extra).exit_code
    return code


def status(config: Path) -> tuple[list[str], dict[str, Any]]:
    """The text report's lines and the JSON report; both exit 0."""
    text = digest("status", "-c", str(config))
    data = digest("log", "-c", str(config), "--format", "json")
    assert text.exit_code == 0 and data.exit_code == 0, text.output + data.output
    return text.stdout.splitlines(), json.loads(data.stdout)


def shown(moment: str) -> str:
    """An ISO time from the JSON as the text report shows it."""
    return datetime.fromisoformat(moment).astimezone(ZoneInfo(ZONE)).strftime("%Y-%m-%d %H:%M IST")


def test_before_any_run_it_says_so_and_creates_nothing(
    server: Loopback,  # noqa: F811
    config: Path,
) -> None:
    lines, data = status(config)
    assert (
        lines[0]
        == f"State store {config.parent / '.digest-state' / 'state.sqlite'}; times in {ZONE}."
    )
    assert "No runs recorded yet" in lines[1] and "Last runs: none." in lines
    assert "  wire  not read by any recorded run yet" in lines
    assert data["runs"] == [] and data["deliveries"] == [] and data["pending"] is None
    assert data["sources"][0] == {
        "id": "wire",
        "name": "127.0.0.1",
        "location": server.url("/wire.xml"),
        "status": None,
    }
    assert not (config.parent / ".digest-state").exists()


def test_runs_exit_codes_and_failing_since_from_real_builds(
    server: Loopback,  # noqa: F811
    config: Path,
) -> None:
    assert build(config) == 0
    server.route("/desk.xml", Reply(503, body="down", content_type="text/plain"))
    assert build(config, "--strict") == 4  # desk fails; the briefing is still written
    assert build(config) == 0  # a failed source last time: built again, desk still down
    server.route("/wire.xml", Reply(503, body="down", content_type="text/plain"))
    assert build(config) == 3  # every source failed: nothing written

    lines, data = status(config)
    runs = data["runs"]
    assert [r["exit_code"] for r in runs] == [3, 0, 4, 0]
    assert [r["command"] for r in runs] == ["build"] * 4
    assert runs[0]["message"].startswith("every source failed; nothing written")
    assert all(r["started"].endswith("+05:30") for r in runs)  # in the briefing's zone

    listed = lines[lines.index("Last runs, newest first:") + 1 : lines.index("Sources:") - 1]
    assert len(listed) == 4 and all(STAMP.search(line) for line in listed)
    assert shown(runs[0]["started"]) in listed[0]
    assert "exit 3  every source failed; nothing written" in listed[0]
    assert "exit 0  wrote 2 file(s); 1 of 2 sources failed" in listed[1]
    assert "exit 4  wrote 2 file(s); 1 of 2 sources failed" in listed[2]
    assert "exit 0  wrote 2 file(s)" in listed[3] and "failed" not in listed[3]

    wire, desk = data["sources"]
    assert desk["status"] == "failed" and desk["failed_runs"] == 3
    assert desk["failing_since"] == runs[2]["started"]  # the --strict run, when it broke
    assert desk["last_ok"] == runs[3]["started"] and "503" in desk["reason"]
    assert wire["failed_runs"] == 1 and wire["failing_since"] == runs[0]["started"]
    assert wire["last_ok"] == runs[1]["started"]
    desk_line = next(line for line in lines if line.startswith("  desk"))
    assert desk_line.startswith(
        f"  desk  failing since {shown(runs[2]['started'])} (3 run(s) in a row; "
        f"last worked {shown(runs[3]['started'])}): HTTP 503"
    ), desk_line


def test_nothing_new_is_a_run_and_its_message_shows_the_zone(config: Path) -> None:
    assert build(config) == 0
    again = digest("-v", "build", "-c", str(config), "--date", DAY, "-f", "md,json")
    assert again.exit_code == 0
    _, data = status(config)
    first = data["runs"][1]  # the build the re-run found nothing new since
    said = re.search(r"nothing new since the build at (.+) \(--force rebuilds\)", again.stderr)
    assert said is not None and STAMP.fullmatch(said.group(1)), again.stderr
    assert shown(first["started"]) <= said.group(1) <= shown(first["finished"])
    assert [(r["exit_code"], r["message"]) for r in data["runs"]] == [(0, "nothing new"), (0, None)]


def test_deliveries_and_sends_are_shown(
    config: Path,
    serve: Any,  # noqa: F811
) -> None:
    port = free_port()  # nobody listens here yet
    text = config.read_text(encoding="utf-8")
    email = (
        "email:\n  smtp: {host: 127.0.0.1, port: PORT, security: none, retries: 0}\n"
        "  sender: briefings@example.com\n  to: [ann@example.com, bob@example.com]\n"
        "  attach: [md]\n"
    )
    config.write_text(text + email.replace("PORT", str(port)), encoding="utf-8")
    assert build(config, "--email") == 6  # written, not delivered

    lines, data = status(config)
    assert [(r["command"], r["exit_code"]) for r in data["runs"]] == [("build", 6)]
    assert "cannot connect" in data["runs"][0]["message"]
    [failed] = data["deliveries"]
    assert failed["ok"] is False and failed["recipients"] == ["ann@example.com", "bob@example.com"]
    assert data["pending"] == DAY
    assert f"Not delivered yet: the briefing of {DAY} (`digest send` sends it)." in lines

    smtp = serve()
    config.write_text(text + email.replace("PORT", str(smtp.port)), encoding="utf-8")
    assert digest("send", "-c", str(config)).exit_code == 0
    lines, data = status(config)
    assert [(r["command"], r["exit_code"]) for r in data["runs"]] == [("send", 0), ("build", 6)]
    assert [d["ok"] for d in data["deliveries"]] == [True, False] and data["pending"] is None
    sent = lines[lines.index("Deliveries, newest first:") + 1]
    assert STAMP.match(sent.strip()) and sent.endswith(f"briefing of {DAY}  sent to 2 recipient(s)")
    assert not any(line.startswith("Not delivered yet") for line in lines)
