"""The committed OpenAPI documents: generated from the code, checked for drift."""

import json
from pathlib import Path
from typing import Any

from app.config import Settings
from app.main import build_api, build_mobile

DOCUMENTS = {"api.json": build_api, "mobile.json": build_mobile}


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def generate(settings: Settings) -> dict[str, str]:
    """File name to text of each OpenAPI document, as the code defines them now."""
    return {
        name: render(build(settings).openapi()) for name, build in DOCUMENTS.items()
    }


def write(folder: Path, settings: Settings) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in generate(settings).items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def drift(folder: Path, settings: Settings) -> list[str]:
    """Names of the documents whose committed text differs from the code."""
    stale = []
    for name, text in generate(settings).items():
        path = folder / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    return stale
