"""Per-document metadata from sidecar files: access groups and a title override.

Convention (documented in the README):
- ``report.pdf.meta.json`` next to a document: ``{"title": "...", "access_groups": ["hr"]}``
- ``.access.json`` in a folder: ``{"access_groups": [...]}`` for every document below it,
  unless a nearer ``.access.json`` or the document's own sidecar says otherwise.
- Neither: the document is visible to ``everyone``.
Sidecars are metadata, never indexed as documents.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from assistant.identity.groups import EVERYONE
from assistant.index.documents import ReadError

SIDECAR_SUFFIX = ".meta.json"
FOLDER_FILE = ".access.json"


@dataclass(frozen=True)
class DocumentMeta:
    title: str | None
    access_groups: tuple[str, ...]


def is_sidecar(path: Path) -> bool:
    return path.name.endswith(SIDECAR_SUFFIX) or path.name == FOLDER_FILE


def _load(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ReadError(f"unreadable metadata file {path.name} ({err})") from None
    if not isinstance(data, dict):
        raise ReadError(f"metadata file {path.name} must hold a JSON object")
    return data


def _groups(value: object, where: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(g, str) and g.strip() for g in value):
        raise ReadError(f"{where.name}: access_groups must be a list of non-empty strings")
    return tuple(sorted({g.strip().lower() for g in value}))


def document_meta(path: Path, root: Path) -> DocumentMeta:
    groups: tuple[str, ...] = (EVERYONE,)
    folder = path.parent
    chain = []
    while True:
        chain.append(folder)
        if folder == root or folder.parent == folder or not folder.is_relative_to(root):
            break
        folder = folder.parent
    for folder in reversed(chain):  # nearer folders override farther ones
        rule = folder / FOLDER_FILE
        if rule.is_file():
            groups = _groups(_load(rule).get("access_groups"), rule)
    title = None
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if sidecar.is_file():
        data = _load(sidecar)
        if "access_groups" in data:
            groups = _groups(data["access_groups"], sidecar)
        if isinstance(data.get("title"), str) and data["title"].strip():
            title = data["title"].strip()
    return DocumentMeta(title=title, access_groups=groups)
