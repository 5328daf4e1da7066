"""Golden set (leads): approve graded answers, watch agreement, re-review stale cases, export."""

import pandas as pd
import streamlit as st

from assistant.errors import AssistantError
from assistant.phrases import counted
from assistant.render import safe_inline
from pages.ui.resources import runtime
from pages.ui.review_forms import adjudication_form, render_review_detail
from pages.ui.signin import require, show_error
from review import export, golden
from review.desk import ReviewDesk
from review.grading import propose
from review.labels import word
from review.models import FLAG_FIELDS
from review.queue import QueueFilter

me = require("approve")
st.set_page_config(layout="wide")
st.title("Golden set")
rt = runtime()
desk = ReviewDesk(rt, me.reader())
SEEN = "golden.seen"  # item id -> the version the lead's form was built from
seen: dict[int, int] = st.session_state.setdefault(SEEN, {})
approve_tab, cases_tab, agreement_tab, export_tab = st.tabs(
    ["Approve", "Golden cases", "Agreement", "Export"]
)


def approve_panel(item_id: int) -> None:
    try:
        d = desk.detail(item_id)
    except AssistantError as err:  # gone, or no longer readable, since the list was drawn
        show_error(err)
        return
    version = seen.setdefault(item_id, d.version)
    render_review_detail(d)
    st.markdown("**Grades**")
    rows = [
        {
            "reviewer": g.reviewer,
            **{word(k) if k in FLAG_FIELDS else k: v for k, v in g.rubric.items()},
            "reference": g.reference_answer,
            "notes": g.notes,
        }
        for g in d.grades
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    if d.agreement is not None:
        st.caption(f"Reviewers agree on {d.agreement:.0%} of the rubric fields.")
    adjudication, action = adjudication_form(d, propose(d), key=f"a{item_id}-r{d.round}")
    if adjudication is None:
        return
    try:
        if action == "approve":
            case_id = desk.approve(item_id, adjudication, version)
            st.toast(f"Approved as golden case {case_id}.", icon=":material/verified:")
        else:
            desk.reject(item_id, version, adjudication.note)
            st.toast("Rejected.")
        seen.pop(item_id, None)
        st.rerun()
    except AssistantError as err:
        seen[item_id] = d.version  # what they see now; they may decide again
        show_error(err)


with approve_tab:
    graded = desk.queue(QueueFilter(statuses=("graded",)))
    if not graded:
        st.info(
            "No graded answers wait for approval. Once a reviewer grades an answer on the "
            "Review page, it waits here to become a golden case.",
            icon=":material/task_alt:",
        )
    else:
        by_id = {e.item_id: e for e in graded}
        picked = st.selectbox(
            "Graded answer",
            list(by_id),
            format_func=lambda i: (
                f"#{i} · {counted(by_id[i].grades, 'grade')} · {by_id[i].question[:70]}"
            ),
        )
        approve_panel(picked)

with cases_tab:
    try:
        flagged = desk.refresh_staleness()
    except AssistantError as err:
        flagged = []
        st.warning(f"Could not check cases against the index: {err}")
    if flagged:
        st.warning(f"{counted(len(flagged), 'case')} just flagged stale: their documents changed.")
    statuses = st.multiselect(
        "Status", ["active", "stale", "superseded"], ["active", "stale"], format_func=word
    )
    cases = desk.cases(golden.CaseFilter(statuses=tuple(statuses)))
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "case": c.id,
                    "status": word(c.status),
                    "question": c.user_input,
                    "reference": c.reference,
                    "stale because": c.stale_reason or "",
                    "reviewers": c.reviewer_count,
                    "approved by": c.approved_by,
                    "approved at": c.approved_at,
                }
                for c in cases
            ]
        ),
        hide_index=True,
    )
    stale = [c for c in cases if c.status == "stale"]
    if stale:
        pick = st.selectbox(
            "Stale case", [c.id for c in stale], format_func=lambda i: f"{i} · re-review"
        )
        if st.button("Send back to review", icon=":material/replay:"):
            try:
                desk.reopen(pick)
                st.toast("Back in the review queue.")
                st.rerun()
            except AssistantError as err:
                show_error(err)

with agreement_tab:
    report = desk.agreement()
    st.caption(
        f"{counted(report.items, 'answer')} graded by two or more reviewers. Cohen's κ uses "
        "the first two reviewers of each answer; Krippendorff's α uses all (ordinal scales, "
        "nominal flags)."
    )
    st.dataframe(
        pd.DataFrame([f.model_dump() for f in report.fields]),
        hide_index=True,
    )

with export_tab:
    if not me.can("export"):
        st.info("Exports are for leads.")
    else:
        exports_dir = rt.settings.data_dir / "exports"
        with st.form("export"):
            st.caption(
                "One export is one dataset version, in every format: JSONL (ragas fields), "
                "CSV, a promptfoo suite and OpenAI evals samples."
            )
            c1, c2 = st.columns(2)
            include_stale = c1.checkbox("Include stale cases")
            document = c2.text_input("Only cases about document (contains)")
            create = st.form_submit_button("Create export", type="primary")
        if create:
            flt = golden.CaseFilter(
                statuses=golden.exportable_statuses(include_stale),
                document=document or None,
            )
            for fmt in export.FORMATS:
                snap = desk.export(fmt, flt)
                export.save_in_data_dir(snap, exports_dir)
            st.success(f"{snap.manifest.dataset_version}: {counted(snap.manifest.count, 'case')}.")
        st.markdown("**Dataset versions**")
        for i, v in enumerate(export.versions(rt.engine, me.reader())):
            with st.expander(f"{v.version} · {safe_inline(v.summary)}", expanded=create and i == 0):
                if not v.readable:
                    st.caption(
                        ":material/lock: Holds cases you may not read (or that were deleted)."
                    )
                    continue
                cols = st.columns(len(export.FORMATS))
                for col, fmt in zip(cols, export.FORMATS, strict=True):
                    data = export.saved_file(exports_dir, v, fmt)
                    if data is None:
                        col.caption(f"{fmt}: not saved here")
                        continue
                    col.download_button(
                        f"Download {export.file_name(v.version, fmt)}",
                        data,
                        file_name=export.file_name(v.version, fmt),
                        icon=":material/download:",
                        key=f"dl-{v.version}-{fmt}",
                    )
