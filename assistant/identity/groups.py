"""Access groups: the names a reader holds and a document requires, and the one rule that
decides who may read what.

Every reader holds ``everyone``; a document that names no group requires only that one. A
reader may read a passage when they hold at least one of its groups. Something built from
several passages (an answer, a review item, a golden case) carries its *requirement*: the
group sets of all its passages, each of which the reader must satisfy. A requirement that
is not known (``None``: recorded before access was tracked, or evidence no longer in the
index) is readable by nobody: access that cannot be determined fails closed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

EVERYONE = "everyone"

Requirement = list[list[str]]  # one sorted group set per distinct passage access


def reader_groups(groups: Iterable[str]) -> frozenset[str]:
    """What a reader holds: their groups, normalised, and ``everyone``."""
    return frozenset({g.strip().lower() for g in groups if g.strip()} | {EVERYONE})


def held(groups: Iterable[str]) -> tuple[str, ...]:
    """``reader_groups`` as a sorted tuple: the form readers and records keep."""
    return tuple(sorted(reader_groups(groups)))


def may_read(groups: Iterable[str], required: Iterable[str] | None) -> bool:
    """Whether a reader holding ``groups`` may read a passage requiring ``required``."""
    if required is None:
        return False
    return bool(reader_groups(groups) & {g.strip().lower() for g in required})


def requirement(group_sets: Iterable[Sequence[str] | None]) -> Requirement | None:
    """The requirement of something built from passages with these group sets (``None``
    when any passage's access is unknown)."""
    out: set[tuple[str, ...]] = set()
    for groups in group_sets:
        if groups is None:
            return None
        out.add(tuple(sorted({g.strip().lower() for g in groups if g.strip()})))
    return [list(s) for s in sorted(out)]


def may_read_all(groups: Iterable[str], needed: Requirement | None) -> bool:
    """Whether a reader may read something with requirement ``needed``."""
    if needed is None:
        return False
    held = reader_groups(groups)
    return all(held & set(group_set) for group_set in needed)


def widest(needed: Requirement | None) -> list[str]:
    """The groups beyond ``everyone`` a requirement names, for a message (never a decision)."""
    return sorted({g for group_set in needed or [] for g in group_set} - {EVERYONE})


@dataclass(frozen=True)
class Reader:
    """Someone reading: who they are and the groups they hold (an asker, a reviewer, a lead,
    an exporter)."""

    user_id: str
    groups: tuple[str, ...] = (EVERYONE,)

    @classmethod
    def holding(cls, user_id: str, groups: Iterable[str]) -> Reader:
        """A reader with ``groups`` normalised, ``everyone`` included, in one order."""
        return cls(user_id, held(groups))

    def may_read(self, needed: Requirement | None) -> bool:
        return may_read_all(self.groups, needed)
