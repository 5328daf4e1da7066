"""Per-document metadata from sidecar files: access groups and a title override.

Convention (documented in the README):
- ``report.pdf.meta.json`` next to a document: ``{"title": "...", "access_groups": ["hr"]}``
- ``.access.json`` in a folder: ``{"access_groups": [...]}`` for every document below it,
  unless a nearer ``.access.json`` or the document's own sidecar says otherwise.
- Neither: the document is visible to ``everyone``.
Sidecars are metadata, never indexed as documents.

Access is resolved from where the file *is*, not from what was asked to be ingested: every
folder above it counts, up to the filesystem root, so ingesting ``hr/2025/ratings.md`` on
its own reads ``hr/.access.json`` just as ingesting ``hr`` does. A sidecar that cannot be
read, is not an object, or holds a key this convention does not know is an
``AccessUnreadable`` error: the document is withdrawn from search until it is fixed
(access that cannot be determined fails closed).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path

from assistant.identity.groups import EVERYONE
from assistant.index.documents import ReadError

SIDECAR_SUFFIX = ".meta.json"
FOLDER_FILE = ".access.json"
SIDECAR_KEYS = ("access_groups", "title")
FOLDER_KEYS = ("access_groups",)


class AccessUnreadable(ReadError):
    """A sidecar that decides who may read a document cannot be read as written."""


@dataclass(frozen=True)
class DocumentMeta:
    title: str | None
    access_groups: tuple[str, ...]


def is_sidecar(path: Path) -> bool:
    return path.name.endswith(SIDECAR_SUFFIX) or path.name == FOLDER_FILE


def _load(path: Path, allowed: tuple[str, ...]) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise AccessUnreadable(
            f"unreadable metadata file {path.name} ({err})", fix="Fix its JSON."
        ) from None
    if not isinstance(data, dict):
        raise AccessUnreadable(f"metadata file {path.name} must hold a JSON object")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        hints = [difflib.get_close_matches(k, allowed, n=1) for k in unknown]
        said = ", ".join(
            f"{k!r}" + (f" (did you mean {h[0]!r}?)" if h else "")
            for k, h in zip(unknown, hints, strict=True)
        )
        raise AccessUnreadable(
            f"{path.name} has unknown {'key' if len(unknown) == 1 else 'keys'} {said}",
            fix=f"Use only {', '.join(allowed)}.",
        )
    return data


def _groups(value: object, where: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(g, str) and g.strip() for g in value):
        raise AccessUnreadable(f"{where.name}: access_groups must be a list of non-empty strings")
    return tuple(sorted({g.strip().lower() for g in value}))


@dataclass
class AccessResolver:
    """Reads sidecars for one ingestion run; each folder's ``.access.json`` is read once."""

    _folders: dict[Path, tuple[str, ...] | None] = field(default_factory=dict)

    def _folder_rule(self, folder: Path) -> tuple[str, ...] | None:
        if folder not in self._folders:
            rule = folder / FOLDER_FILE
            groups = None
            if rule.is_file():
                groups = _groups(_load(rule, FOLDER_KEYS).get("access_groups"), rule)
            self._folders[folder] = groups
        return self._folders[folder]

    def meta(self, path: Path) -> DocumentMeta:
        """The title override and access groups of the document at ``path``."""
        path = path.absolute()
        groups: tuple[str, ...] = (EVERYONE,)
        for folder in reversed(path.parents):  # nearer folders override farther ones
            rule = self._folder_rule(folder)
            if rule is not None:
                groups = rule
        title = None
        sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
        if sidecar.is_file():
            data = _load(sidecar, SIDECAR_KEYS)
            if "access_groups" in data:
                groups = _groups(data["access_groups"], sidecar)
            if isinstance(data.get("title"), str) and data["title"].strip():
                title = data["title"].strip()
        return DocumentMeta(title=title, access_groups=groups)
