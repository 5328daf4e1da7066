"""What the Evaluation page calls: datasets, runs, comparisons and config versions, as
one lead may see them. Pages stay thin: every rule lives here or below."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel
from sqlmodel import col, select

from assistant.answering import versions
from assistant.answering.config import parse_answer_config, to_toml
from assistant.identity.groups import Reader
from assistant.runtime.stack import Runtime
from assistant.storage import db
from review.evaluation import compare, datasets, promotion, runner
from review.models import EvalRun, GoldenExport


class DatasetRow(BaseModel):
    name: str
    about: str  # what the dataset is, in a reader's words
    cases: int  # that this lead may read and that are not stale
    stale: int
    unreadable: int


class RunRow(BaseModel):
    id: str
    started_at: datetime
    status: str
    dataset: str
    dataset_version: str
    config_version: str
    production_then: bool  # the config was production when the run started
    cases: int
    pass_rate: float | None
    metrics: dict[str, float | None]


class EvalDesk:
    def __init__(self, rt: Runtime, lead: Reader) -> None:
        self.rt, self.lead = rt, lead

    # -- datasets ---------------------------------------------------------------------
    def datasets(self) -> list[DatasetRow]:
        """The live set, each export version and the starter set, as this lead reads them."""
        with db.session_scope(self.rt.engine) as session:
            exports = session.exec(
                select(GoldenExport.version).order_by(col(GoldenExport.version).desc()).limit(20)
            ).all()
        about = {
            "starter": "written by hand over the sample documents; ships with the app",
            "live": "every approved golden case as it stands now",
            **{f"golden-v{v}": f"export {v}: the golden cases as they were then" for v in exports},
        }
        rows = []
        store = self.rt.store()
        for name, what in about.items():
            data = datasets.load(self.rt.engine, store, name, self.lead)
            rows.append(DatasetRow(name=name, about=what, cases=len(data.cases),
                                   stale=data.stale, unreadable=data.unreadable))  # fmt: skip
        return rows

    # -- runs -------------------------------------------------------------------------
    def start(
        self, dataset: str, config_choice: str, *, extractive: bool = False,
        progress: Callable[[int, int, str], None] | None = None,
    ) -> EvalRun:  # fmt: skip
        config = promotion.resolve_config(self.rt.engine, self.rt.settings, config_choice)
        if extractive:
            generation = config.generation.model_copy(update={"enabled": False})
            config = config.model_copy(update={"generation": generation})
        request = runner.RunRequest(dataset, config)
        return runner.run(self.rt, request, self.lead, progress=progress)

    def runs(self, limit: int = 200) -> list[RunRow]:
        """Runs, oldest first, each marked when its config was production as it started."""
        with db.session_scope(self.rt.engine) as session:
            rows = session.exec(
                select(EvalRun).order_by(col(EvalRun.started_at).desc()).limit(limit)
            ).all()
            session.expunge_all()
        moves = _production_moves(self.rt)
        return [
            RunRow(
                id=r.id,
                started_at=r.started_at,
                status=r.status,
                dataset=r.dataset,
                dataset_version=r.dataset_version,
                config_version=r.config_version,
                production_then=_production_at(moves, r.started_at) == r.config_version,
                cases=r.cases,
                pass_rate=r.summary.get("pass_rate"),
                metrics=r.summary.get("metrics", {}),
            )
            for r in reversed(rows)
        ]

    def compare(self, baseline: str, candidate: str) -> compare.Comparison:
        return compare.compare(self.rt.engine, baseline, candidate, self.lead)

    # -- configs ----------------------------------------------------------------------
    def configs(self) -> list[versions.VersionInfo]:
        versions.serving(self.rt.engine, self.rt.settings)
        return versions.history(self.rt.engine)

    def diff(self, old: str, new: str) -> str:
        return versions.diff(self.rt.engine, old, new)

    def config_toml(self, version: str) -> str:
        """A stored version as TOML: the starting point for editing a candidate."""
        return to_toml(versions.get(self.rt.engine, version))

    def set_candidate_from_text(self, toml_text: str, source: str) -> str:
        """A candidate uploaded or edited on the page: validated like the file."""
        config = parse_answer_config(toml_text, source)
        return promotion.set_candidate(self.rt.engine, config, self.lead.user_id, source)

    def promote(self, override_reason: str | None = None) -> promotion.Promotion:
        return promotion.promote(self.rt.engine, self.lead, override_reason=override_reason)

    def former_production(self) -> list[str]:
        """Versions that were production before the current one, the latest first: what a
        rollback on the page offers (a version that was only evaluated, such as a run's
        quoted-answers variant, never served anyone and is not offered)."""
        current = versions.labelled(self.rt.engine, "production")
        moved = [v for _, v in sorted(_production_moves(self.rt), reverse=True)]
        return [v for v in dict.fromkeys(moved) if v != current]

    def rollback(self, version: str) -> str | None:
        return promotion.rollback(self.rt.engine, self.lead, version)


def _production_moves(rt: Runtime) -> list[tuple[datetime, str]]:
    """When production moved, and to which version (from the audit log)."""
    from assistant.storage import audit

    moved = audit.entries(rt.engine, action="config.production", limit=1000)
    return sorted((e.at, e.target) for e in moved)


def _production_at(moves: list[tuple[datetime, str]], when: datetime) -> str | None:
    current = None
    for at, version in moves:
        if at <= when:
            current = version
    return current
