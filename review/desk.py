"""The review loop as one reader sees it: every read and write of the queue, grades,
golden cases and exports under the reader's access groups, with the configured queue
policy and redactor. Pages and the CLI build a ``ReviewDesk`` and call it; they choose no
policy of their own."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.answering import versions
from assistant.answering.pii import PiiRedactor, default_redactor
from assistant.errors import AssistantError
from assistant.identity import accounts
from assistant.identity.groups import Reader, held
from assistant.index.retrieve import SearchRequest
from assistant.runtime.stack import Runtime
from review import agreement, export, golden, grading, importing, insights, queue
from review.agreement import AgreementReport
from review.golden import CaseFilter, GoldenRecord
from review.grading import Adjudication, EvidencePassage, ReviewDetail
from review.importing import ImportSummary
from review.insights import Example, Insights, Measure, Period, Source
from review.models import GradeInput, ReviewItem
from review.queue import OutOfReach, QueueEntry, QueueFilter, QueuePolicy

REVIEW_ROLES = ("reviewer", "lead", "admin")


@dataclass
class ReviewDesk:
    runtime: Runtime
    reader: Reader
    redactor: PiiRedactor = field(default_factory=default_redactor)

    @property
    def policy(self) -> QueuePolicy:
        return QueuePolicy.from_settings(self.runtime.settings)

    # --- the queue and grading --------------------------------------------------------

    def queue(self, flt: QueueFilter) -> list[QueueEntry]:
        """Triage new answers, then list the items this reader may read."""
        queue.sync_queue(self.runtime.engine, self.policy)
        return queue.list_queue(self.runtime.engine, flt, self.reader)

    def detail(self, item_id: int) -> ReviewDetail:
        return grading.detail(self.runtime.engine, self.runtime.store(), item_id, self.reader)

    def claim(self, item_id: int, version: int) -> ReviewItem:
        minutes = self.policy.claim_minutes
        return queue.claim(self.runtime.engine, item_id, self.reader, version, minutes)

    def release(self, item_id: int, version: int) -> None:
        queue.release(self.runtime.engine, item_id, self.reader, version)

    def grade(self, item_id: int, grade: GradeInput, version: int) -> ReviewItem:
        engine = self.runtime.engine
        return grading.submit_grade(engine, item_id, self.reader, grade, version, self.redactor)

    def search(self, query: str, k: int = 6) -> list[EvidencePassage]:
        """Passages this reader may pick as expected sources beyond the retrieved ones."""
        if not query.strip():
            return []
        request = SearchRequest(query, groups=self.reader.groups, k=k)
        return [
            EvidencePassage(
                chunk_id=h.chunk.id,
                document=h.chunk.path,
                section=" › ".join(h.chunk.section_path),
                page=h.chunk.page,
                similarity=h.score,
                text=h.chunk.text,
            )
            for h in self.runtime.retriever().search(request)
        ]

    def out_of_reach(self) -> list[OutOfReach]:
        """Open items nobody who reviews may read (for admins: grant a group)."""
        return queue.out_of_reach(self.runtime.engine, review_holders(self.runtime))

    # --- approval and the golden set -------------------------------------------------

    def approve(self, item_id: int, adjudication: Adjudication, version: int) -> str:
        rt = self.runtime
        return grading.approve(
            rt.engine, rt.store(), item_id, self.reader, adjudication, version, self.redactor
        )

    def reject(self, item_id: int, version: int, note: str = "") -> None:
        grading.reject(self.runtime.engine, item_id, self.reader, version, note)

    def cases(self, flt: CaseFilter | None = None) -> list[GoldenRecord]:
        return golden.list_cases(self.runtime.engine, self.reader, flt)

    def refresh_staleness(self) -> list[str]:
        """Flag cases whose documents changed; returns only the ids this reader may see."""
        flagged = set(golden.refresh_staleness(self.runtime.engine, self.runtime.store()))
        return [c.id for c in self.cases(CaseFilter(statuses=("stale",))) if c.id in flagged]

    def reopen(self, case_id: str) -> int:
        return golden.reopen(self.runtime.engine, case_id, self.reader)

    def agreement(self) -> AgreementReport:
        return agreement.stored_report(self.runtime.engine)

    def export(self, fmt: str, flt: CaseFilter) -> export.Snapshot:
        return export.snapshot(self.runtime.engine, fmt, flt, self.reader)

    def insights(self, period: Period, measure: Measure = "total_ms") -> Insights:
        """How the assistant did over ``period`` (``measure``: the time whose percentiles
        are shown); costs by production's price list."""
        rt = self.runtime
        prices = versions.serving(rt.engine, rt.settings).prices
        documents = rt.store().list_documents()
        if period.group is not None:
            opened = sorted(insights.readable_paths(documents, (period.group,)))
            period = period.model_copy(update={"group_documents": tuple(opened)})
        if period.document and period.document not in insights.readable_paths(
            documents, self.reader.groups
        ):
            raise AssistantError(
                f"No document {period.document!r} that you may read.",
                fix="Pick a document from the list.",
            )
        return insights.insights(rt.engine, documents, self.reader, period, prices, measure,
                                 rt.embedder.dim)  # fmt: skip

    def error_example(self, source: Source, ref: str) -> Example | None:
        """One answer (or failed question) behind the Errors figures, as this reader may
        see it; None if there is no such row."""
        return insights.examples(self.runtime.engine, [(source, ref)], self.reader).get(ref)

    def insight_filters(self) -> tuple[list[str], list[str], list[str]]:
        """What the Insights page can narrow to: the documents this reader may read, every
        answering config version, and the groups documents are open to."""
        rt = self.runtime
        documents = rt.store().list_documents()
        readable = insights.readable_paths(documents, self.reader.groups)
        groups = {g for d in documents for g in d.access_groups}
        versions_known = [v.version for v in versions.history(rt.engine)]
        return sorted(readable), versions_known, sorted(groups)

    def import_lines(self, lines: list[str]) -> ImportSummary:
        rt = self.runtime
        return importing.import_records(rt.engine, rt.store(), lines, self.reader, self.redactor)


def review_holders(runtime: Runtime) -> list[tuple[str, ...]]:
    """The group sets of everyone who may review or approve: active accounts of those
    roles, or (no accounts: demo mode) the demo user."""
    found = [
        held(a.groups)
        for a in accounts.list_accounts(runtime.engine)
        if a.role in REVIEW_ROLES and not a.disabled
    ]
    return found or [accounts.demo_principal().groups]
