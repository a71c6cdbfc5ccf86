"""Build the briefing and take pictures of it, to look at it as a reader does.

    .venv/bin/python tools/look.py [-c config.yaml] [--date YYYY-MM-DD] [-o look/]

Writes, into the ``-o`` folder (default: a new temporary folder):

- ``briefing.html`` and ``briefing.pdf``: what was built;
- ``pdf-page-N.png``: every PDF page, at 110 dpi;
- ``html-desktop.png``: the HTML 1280 px wide, the full page;
- ``html-phone.png``: the HTML as a phone shows it, 390 px wide at device scale 2, the
  full page (and wider than 390 px if the page scrolls sideways, which it then reports).

It prints the paths, and a note for what a reader would not see at either width: a page
that scrolls sideways, and content clipped inside a box that scrolls (or hides what
overflows it), such as a chart wider than the phone in a sideways-scrolling frame, which
the picture shows only as far as the box reaches.

The PDF pages need ``pdftoppm`` (``apt-get install poppler-utils``) or else the Python
package ``pypdfium2``; the HTML pictures need Chromium (``apt-get install chromium``),
driven headless over the DevTools pipe, never the network.

The build uses a fresh, temporary state store: it records nothing in the config's store,
and no item is marked "reported". ``--keep-state`` uses the config's store instead.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import importlib.util
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

DPI = 110
WIDTHS = {"desktop": (1280, 1.0, False), "phone": (390, 2.0, True)}  # width, scale, mobile
CHROMIUM = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 60.0


class LookError(Exception):
    """A problem the user can fix; printed without a traceback."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "-c", "--config", default="config.yaml", type=Path, help="default: config.yaml"
    )
    parser.add_argument(
        "--date", metavar="YYYY-MM-DD", type=_day, help="the briefing's day (default: today)"
    )
    parser.add_argument("-o", "--out", type=Path, help="folder for the pictures (default: temp)")
    parser.add_argument(
        "--keep-state", action="store_true", help="use the config's state store, not a fresh one"
    )
    args = parser.parse_args(argv)
    try:
        for path in look(args.config, args.date, args.out, keep_state=args.keep_state):
            print(path)
    except LookError as exc:
        print(f"look: {exc}", file=sys.stderr)
        return 1
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def look(
    config_path: Path, on: date | None, out: Path | None, *, keep_state: bool = False
) -> list[Path]:
    """Build, then picture every PDF page and the HTML at both widths; the paths written."""
    pdf_tool = _pdf_renderer()  # fail before the build when a tool is missing
    chromium = _chromium()
    html, pdf = _build(config_path, on, keep_state)
    out = out or Path(tempfile.mkdtemp(prefix="digest-look-"))
    out.mkdir(parents=True, exist_ok=True)
    for stale in [*out.glob("pdf-page-*.png"), *out.glob("html-*.png")]:
        stale.unlink()  # a shorter PDF than last time leaves no old pages behind
    html_path, pdf_path = out / "briefing.html", out / "briefing.pdf"
    html_path.write_bytes(html)
    pdf_path.write_bytes(pdf)
    written = [html_path, pdf_path, *pdf_tool(pdf_path, out)]
    written += _screenshots(chromium, html_path.resolve(), out)
    return written


# -- the build -------------------------------------------------------------------------


def _build(config_path: Path, on: date | None, keep_state: bool) -> tuple[bytes, bytes]:
    from digest.build import build
    from digest.config import load
    from digest.errors import DigestError

    try:
        loaded = load(config_path)
        with tempfile.TemporaryDirectory(prefix="digest-look-build-") as tmp:
            if not keep_state:
                state = loaded.config.state.model_copy(update={"path": f"{tmp}/state.sqlite"})
                loaded.config = loaded.config.model_copy(update={"state": state})
            result = build(loaded, out_dir=Path(tmp) / "out", formats=["html", "pdf"], on=on)
    except DigestError as exc:
        raise LookError(str(exc)) from None
    for status in result.failed_sources:
        print(f"warning: source {status.source_id} failed: {status.reason}", file=sys.stderr)
    return result.outputs["html"], result.outputs["pdf"]


# -- PDF pages -------------------------------------------------------------------------


def _pdf_renderer() -> Any:
    pdftoppm = shutil.which("pdftoppm") or (
        "/usr/bin/pdftoppm" if os.access("/usr/bin/pdftoppm", os.X_OK) else None
    )
    if pdftoppm:
        return lambda pdf, out: _pdftoppm(pdftoppm, pdf, out)
    if importlib.util.find_spec("pypdfium2") is None:
        raise LookError(
            "to picture the PDF pages, install pdftoppm (apt-get install poppler-utils) "
            "or pypdfium2 (.venv/bin/pip install pypdfium2)"
        )
    return _pdfium


def _pdftoppm(tool: str, pdf: Path, out: Path) -> list[Path]:
    with tempfile.TemporaryDirectory(prefix="digest-look-ppm-") as tmp:
        _run([tool, "-r", str(DPI), "-png", str(pdf), f"{tmp}/p"])
        pages = sorted(Path(tmp).glob("p-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
        written = []
        for number, page in enumerate(pages, 1):
            target = out / f"pdf-page-{number}.png"
            shutil.move(page, target)
            written.append(target)
    if not written:
        raise LookError(f"pdftoppm wrote no pages for {pdf}")
    return written


def _pdfium(pdf: Path, out: Path) -> list[Path]:
    import pypdfium2

    written = []
    document = pypdfium2.PdfDocument(str(pdf))
    try:
        for number, page in enumerate(document, 1):
            bitmap = page.render(scale=DPI / 72, rev_byteorder=True)  # RGB or RGBA bytes
            channels = len(bitmap.mode)
            target = out / f"pdf-page-{number}.png"
            target.write_bytes(
                _png(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride, channels)
            )
            written.append(target)
    finally:
        document.close()
    return written


def _png(raw: bytes, width: int, height: int, stride: int, channels: int) -> bytes:
    """A PNG of 8-bit RGB (3 channels) or RGBA (4) rows, without a third-party library."""
    rows = b"".join(
        b"\x00" + raw[y * stride : y * stride + width * channels] for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    color = {3: 2, 4: 6}[channels]
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, color, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


# -- HTML in headless Chromium ---------------------------------------------------------


def _chromium() -> str:
    for name in (os.environ.get("CHROMIUM", ""), *CHROMIUM):
        found = name and shutil.which(name)
        if found:
            return found
    raise LookError(
        "to picture the HTML, install chromium (apt-get install chromium), "
        "or set CHROMIUM to a Chrome or Chromium binary"
    )


def _screenshots(chromium: str, html: Path, out: Path) -> list[Path]:
    written = []
    with _Browser(chromium) as browser:
        for name, (width, scale, mobile) in WIDTHS.items():
            target = out / f"html-{name}.png"
            shot = browser.screenshot(html.as_uri(), width, scale, mobile)
            target.write_bytes(shot.png)
            for note in notes(shot, width):
                print(f"note: {target.name}: {note}", file=sys.stderr)
            written.append(target)
    return written


class Shot(NamedTuple):
    """A full-page picture, the width the page takes, and the boxes that clip content."""

    png: bytes
    content_width: int
    clipped: list[dict[str, Any]]


def notes(shot: Shot, width: int) -> list[str]:
    """What a reader of the page at ``width`` would not see, one sentence each."""
    found = []
    if shot.content_width > width:
        found.append(
            f"the page is {shot.content_width} px wide in a {width} px window, so a reader "
            "scrolls sideways (the picture shows the full width)"
        )
    for box in shot.clipped:
        how = "scrolls to the rest" if box["scrolls"] else "hides the rest"
        for axis, size, inner in (
            ("wide", "width", "scrollWidth"),
            ("tall", "height", "scrollHeight"),
        ):
            if box[inner] > box[size] + 1:
                found.append(
                    f"{box['what']} shows {box[size]} px of content {box[inner]} px {axis} and "
                    f"{how} (the picture shows only what the box shows)"
                )
    return found


# Every element that cuts its content off: its overflow is not "visible" and what it holds
# is bigger than what it shows. An element not rendered (display: none) is skipped.
CLIPPED = """(() => {
  const found = [];
  for (const el of document.querySelectorAll("body *")) {
    const style = getComputedStyle(el);
    if (el.getClientRects().length === 0) continue;
    const x = style.overflowX, y = style.overflowY;
    const wide = x !== "visible" && el.scrollWidth > el.clientWidth + 1;
    const tall = y !== "visible" && el.scrollHeight > el.clientHeight + 1;
    if (!wide && !tall) continue;
    const names = el.getAttribute("class");
    found.push({
      what: "<" + el.tagName.toLowerCase() + (el.id ? ' id="' + el.id + '"' : "")
        + (names ? ' class="' + names + '"' : "") + ">",
      scrolls: [x, y].some(v => v === "auto" || v === "scroll"),
      width: el.clientWidth, scrollWidth: wide ? el.scrollWidth : el.clientWidth,
      height: el.clientHeight, scrollHeight: tall ? el.scrollHeight : el.clientHeight,
    });
  }
  return found;
})()"""


class _Browser:
    """Headless Chromium driven over ``--remote-debugging-pipe`` (fds 3 and 4)."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.next_id = 0
        self.buffer = b""
        self.unread: list[dict[str, Any]] = []

    def __enter__(self) -> _Browser:
        self.profile = tempfile.TemporaryDirectory(prefix="digest-look-chromium-")
        self.log = tempfile.TemporaryFile()
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # Copies out of the way of 3 and 4, so that the child's dup2 cannot clobber them;
        # every other descriptor of ours is close-on-exec (PEP 446).
        high_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD_CLOEXEC, 10)
        high_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD_CLOEXEC, 10)
        for fd in (to_chrome_r, from_chrome_w):
            os.close(fd)

        def wire() -> None:  # in the child, before exec; dup2 makes 3 and 4 inheritable
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        command = [
            self.binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
            "--mute-audio",
            f"--user-data-dir={self.profile.name}",
            "--remote-debugging-pipe",
            "about:blank",
        ]
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=self.log,
                stderr=self.log,
                close_fds=False,
                preexec_fn=wire,
            )
        finally:
            os.close(high_r)
            os.close(high_w)
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(LookError):  # it may close the pipe before it answers
            self.call("Browser.close", timeout=5)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)
        self.log.close()
        self.profile.cleanup()

    def screenshot(self, url: str, width: int, scale: float, mobile: bool) -> Shot:
        """The full page at ``width`` CSS px, the width the content actually takes, and the
        boxes that clip what they hold (:data:`CLIPPED`)."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]

        def page(method: str, **params: Any) -> dict[str, Any]:
            return self.call(method, session=session, **params)

        metrics = {"width": width, "deviceScaleFactor": scale, "mobile": mobile}
        page("Emulation.setDeviceMetricsOverride", height=900, **metrics)
        page("Page.enable")
        page("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired", session)
        page("Runtime.evaluate", expression="document.fonts.ready.then(() => 1)", awaitPromise=True)
        size = page("Page.getLayoutMetrics")["cssContentSize"]
        full_width, height = max(width, round(size["width"])), round(size["height"])
        page("Emulation.setDeviceMetricsOverride", height=height, **metrics)
        size = page("Page.getLayoutMetrics")["cssContentSize"]
        full_width, height = max(width, round(size["width"])), round(size["height"])
        clip = {"x": 0, "y": 0, "width": full_width, "height": height, "scale": 1}
        shot = page("Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip)
        # Measured at the window's own height: the full page's is only for the picture.
        page("Emulation.setDeviceMetricsOverride", height=900, **metrics)
        found = page("Runtime.evaluate", expression=CLIPPED, returnByValue=True)
        self.call("Target.closeTarget", targetId=target)
        self.unread.clear()
        clipped = found.get("result", {}).get("value") or []
        return Shot(base64.b64decode(shot["data"]), full_width, clipped)

    def evaluate(self, url: str, expression: str, width: int = 1280) -> Any:
        """The value of a JavaScript ``expression`` on the page at ``url`` once it loaded
        (what a reader's browser makes of a page: links resolved, layout done)."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}
        self.call("Emulation.setDeviceMetricsOverride", session=session, **metrics)
        self.call("Page.enable", session=session)
        self.call("Page.navigate", session=session, url=url)
        self.wait_for("Page.loadEventFired", session)
        found = self.call(
            "Runtime.evaluate", session=session, expression=expression, returnByValue=True
        )
        self.call("Target.closeTarget", targetId=target)
        self.unread.clear()
        return found.get("result", {}).get("value")

    def call(
        self, method: str, *, session: str | None = None, timeout: float = TIMEOUT, **params: Any
    ) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        try:
            os.write(self.to_chrome, json.dumps(message).encode() + b"\0")
        except BrokenPipeError:
            raise LookError(f"chromium exited early:\n{self._log()}") from None
        reply = self._read(lambda m: m.get("id") == self.next_id, method, timeout)
        if "error" in reply:
            raise LookError(f"chromium: {method}: {reply['error'].get('message')}")
        result: dict[str, Any] = reply.get("result", {})
        return result

    def wait_for(self, event: str, session: str) -> None:
        self._read(lambda m: m.get("method") == event and m.get("sessionId") == session, event)

    def _read(self, wanted: Any, what: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The first message ``wanted`` accepts; the others wait in ``self.unread``."""
        deadline = time.monotonic() + timeout
        while True:
            for message in self.unread:
                if wanted(message):
                    self.unread.remove(message)
                    return message
            while b"\0" in self.buffer:
                raw, self.buffer = self.buffer.split(b"\0", 1)
                parsed: dict[str, Any] = json.loads(raw)
                if wanted(parsed):
                    return parsed
                if "method" in parsed:  # an event someone may wait for later
                    self.unread.append(parsed)
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.from_chrome], [], [], left)[0]:
                raise LookError(f"chromium did not answer {what} within {timeout:.0f} s")
            chunk = os.read(self.from_chrome, 1 << 20)
            if not chunk:
                raise LookError(f"chromium exited early:\n{self._log()}")
            self.buffer += chunk

    def _log(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-2000:]


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise LookError(f"{command[0]} failed ({done.returncode}): {done.stderr.strip()}")


if __name__ == "__main__":
    sys.exit(main())
