"""Where an ingested path belongs: which source it is part of and its path within it, so a
document keeps one identity however it is ingested.

A source is a folder ingested as a whole (its name is the source's name); a document's id
is its source and its path within it. Ingesting one file, or a sub-folder, of a folder
already indexed places it in that folder's source, under the same id the folder ingest
gave it; a folder ingested after some of its files were ingested alone takes those files
over (the earlier entries are superseded). Sources are told apart by folder name, so two
different folders with one name are one source: give ``--source`` to keep them apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from assistant.index.chunks import DocumentRecord, document_id

Known = dict[str, set[str]]  # source name -> paths of its documents within the source


def known_documents(records: Iterable[DocumentRecord]) -> Known:
    out: Known = {}
    for r in records:
        prefix = f"{r.source}/"
        rel = r.path[len(prefix) :] if r.path.startswith(prefix) else r.path
        out.setdefault(r.source, set()).add(rel)
    return out


@dataclass(frozen=True)
class Placement:
    root: Path  # the folder document paths are relative to
    source: str
    files: tuple[Path, ...] | None  # just these (None: every file under ``root``)
    scope: str = ""  # the mirror removes documents only under this path ("": the source)


def _ancestors(path: Path) -> Iterator[Path]:
    yield from (p for p in path.parents if p.name)


def place(arg: Path, known: Known, source: str | None = None) -> Placement:
    """The placement of an existing file or folder ``arg`` (absolute, resolved)."""
    if arg.is_dir():
        if source or arg.name in known:
            return Placement(arg, source or arg.name, None)
        for folder in _ancestors(arg):
            scope = f"{arg.relative_to(folder).as_posix()}/"
            if any(p.startswith(scope) for p in known.get(folder.name, ())):
                return Placement(folder, folder.name, None, scope)
        return Placement(arg, arg.name, None)
    if source:
        return Placement(arg.parent, source, (arg,))
    candidates = [f for f in _ancestors(arg) if f.name in known]
    for folder in candidates:  # nearest first: where this very file is already indexed
        if arg.relative_to(folder).as_posix() in known[folder.name]:
            return Placement(folder, folder.name, (arg,))
    if candidates:  # a new file in an indexed folder: the widest source that holds it
        folder = candidates[-1]
        return Placement(folder, folder.name, (arg,))
    return Placement(arg.parent, arg.parent.name, (arg,))


def superseded(placement: Placement, files: Iterable[Path], known: Known) -> list[str]:
    """Ids of documents indexed earlier under a folder inside this placement's root (a file
    or sub-folder ingested alone before the folder was) that are the same files."""
    out = []
    for path in files:
        for folder in _ancestors(path):
            if folder == placement.root or not folder.is_relative_to(placement.root):
                break
            rel = path.relative_to(folder).as_posix()
            if folder.name != placement.source and rel in known.get(folder.name, ()):
                out.append(document_id(folder.name, rel))
    return out
