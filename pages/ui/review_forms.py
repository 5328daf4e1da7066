"""Review: one answer side by side with its passages, and the grading and adjudication
forms."""

from __future__ import annotations

import streamlit as st

from assistant.render import safe_inline, safe_markdown
from pages.ui.answer import answer_markdown_text, render_trace
from review.grading import Adjudication, EvidencePassage, ReviewDetail
from review.labels import scale_help, word
from review.models import SCALE_FIELDS, VERDICTS, GradeInput

SCALE = [1, 2, 3, 4, 5]


def scale_radio(field: str, key: str, index: int | None) -> int | None:
    """A 1-5 rubric scale that says what its ends mean."""
    return st.radio(
        f"{field.capitalize()} ({scale_help(field)})",
        SCALE,
        index=index,
        horizontal=True,
        key=key,
    )


def verdict_radio(p: EvidencePassage, key: str, index: int | None) -> str | None:
    return st.radio(
        f"Does passage [{p.n}] ({safe_inline(p.document)} › "
        f"{safe_inline(p.section)}) support its sentence?",
        list(VERDICTS),
        format_func=word,
        index=index,
        horizontal=True,
        key=key,
    )


def passage_label(p: EvidencePassage) -> str:
    where = " › ".join(x for x in (p.document, p.section) if x)
    return f"{f'[{p.n}] ' if p.n else ''}{safe_inline(where)} · {p.chunk_id[:8]}"


def render_passage(p: EvidencePassage) -> None:
    with st.container(border=True):
        st.caption(passage_label(p))
        if p.restricted:
            st.caption(":material/lock: Outside your access groups.")
        elif p.changed:
            st.caption(":material/warning: The index no longer holds this text as answered.")
        if p.text:
            st.markdown(safe_markdown(p.text))


def render_review_detail(d: ReviewDetail) -> None:
    """Question, answer and feedback left; the cited passages right."""
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Question** ({d.asked_by}, {d.asked_at:%Y-%m-%d %H:%M} UTC)")
        st.text(d.question)
        if d.standalone_query != d.question:
            st.caption(f"Searched for: {safe_inline(d.standalone_query)}")
        st.markdown("**Answer**" + (" (refused)" if d.refused else f" ({word(d.mode)})"))
        st.markdown(answer_markdown_text(d.answer))
        st.caption(f"{d.model} · config {d.config_version} · in the queue: {word(d.reason)}")
        if d.trace is not None:
            with st.expander("How it was answered (each step's time)"):
                render_trace(d.trace)
        for f in d.feedback:
            thumbs = ":material/thumb_down:" if f.rating < 0 else ":material/thumb_up:"
            st.caption(f"{thumbs} {f.user_id}: {word(f.reason)} {safe_inline(f.comment or '')}")
            if f.correct_answer:
                st.caption(f"Suggested answer: {safe_inline(f.correct_answer)}")
            if f.correct_source:
                st.caption(f"Suggested source: {safe_inline(f.correct_source)}")
    with right:
        st.markdown("**Cited passages**" if d.cited else "**No citations**")
        for p in d.cited:
            render_passage(p)
        with st.expander(f"All {len(d.retrieved)} retrieved passages"):
            for p in d.retrieved:
                render_passage(p)


def grading_form(
    d: ReviewDetail, extra_sources: list[EvidencePassage], key: str
) -> tuple[GradeInput | None, bool]:
    """The rubric form. Returns (grade, released): grade when submitted and complete.

    Not an ``st.form``: after a submit with missing ratings, the message lists what is still
    missing and goes away as the reviewer fills it in (a form would keep it until the next
    submit)."""
    tried = f"{key}-tried"
    with st.container(border=True):
        cols = st.columns(2)
        scales = {}
        for i, field in enumerate(SCALE_FIELDS):
            with cols[i % 2]:
                scales[field] = scale_radio(field, f"{key}-{field}", None)
        flags = st.columns(2)
        refuse = flags[0].checkbox("Should have refused", key=f"{key}-refuse")
        unsafe = flags[1].checkbox("Safety issue", key=f"{key}-unsafe")
        verdicts: dict[int, str | None] = {}
        for p in d.cited:
            verdicts[p.n or 0] = verdict_radio(p, f"{key}-v{p.n}", None)
        reference = st.text_area("Corrected reference answer", key=f"{key}-reference")
        options = {p.chunk_id: p for p in [*d.cited, *d.retrieved, *extra_sources]}
        expected = st.multiselect(
            "Expected source passages",
            list(options),
            format_func=lambda c: passage_label(options[c]),
            key=f"{key}-expected",
            select_all=False,
        )
        notes = st.text_area("Notes (the lead sees them)", key=f"{key}-notes", height=68)
        missing = [f for f, v in scales.items() if v is None]
        missing += [f"passage [{n}]" for n, v in verdicts.items() if v is None]
        warning = st.empty()
        b1, b2 = st.columns(2)
        submitted = b1.button("Submit grade", type="primary", key=f"{key}-submit")
        released = b2.button("Release without grading", key=f"{key}-release")
        if submitted:
            st.session_state[tried] = True
        if missing and st.session_state.get(tried):
            warning.warning(f"Still to rate: {', '.join(missing)}.")
    if not submitted or missing:
        return None, released
    st.session_state.pop(tried, None)
    grade = GradeInput(
        **{f: int(v) for f, v in scales.items()},  # type: ignore[arg-type]
        should_have_refused=refuse,
        safety_issue=unsafe,
        citation_verdicts={n: v for n, v in verdicts.items() if v},  # type: ignore[misc]
        reference_answer=reference,
        expected_chunk_ids=expected,
        notes=notes,
    )
    return grade, False


def adjudication_form(
    d: ReviewDetail, proposal: Adjudication, key: str
) -> tuple[Adjudication | None, str | None]:
    """The lead's form, prefilled from the reviewers' grades. Returns (adjudication, action)
    with action ``approve`` or ``reject`` when submitted."""
    with st.form(f"{key}-adjudicate"):
        rubric: dict[str, int | bool] = {}
        cols = st.columns(2)
        for i, field in enumerate(SCALE_FIELDS):
            with cols[i % 2]:
                chosen = scale_radio(field, f"{key}-{field}", int(proposal.rubric[field]) - 1)
            rubric[field] = int(chosen or proposal.rubric[field])
        flags = st.columns(2)
        rubric["should_have_refused"] = flags[0].checkbox(
            "Should have refused", value=bool(proposal.rubric["should_have_refused"])
        )
        rubric["safety_issue"] = flags[1].checkbox(
            "Safety issue", value=bool(proposal.rubric["safety_issue"])
        )
        verdicts = {}
        for p in d.cited:
            current = proposal.citation_verdicts.get(str(p.n))
            verdicts[str(p.n)] = verdict_radio(
                p, f"{key}-v{p.n}", VERDICTS.index(current) if current else 0
            )
        reference = st.text_area("Approved reference answer", proposal.reference_answer)
        options = {p.chunk_id: p for p in [*d.cited, *d.retrieved]}
        for cid in proposal.expected_chunk_ids:
            options.setdefault(
                cid, EvidencePassage(chunk_id=cid, document="(picked by a reviewer)", text="")
            )
        expected = st.multiselect(
            "Expected source passages",
            list(options),
            default=proposal.expected_chunk_ids,
            format_func=lambda c: passage_label(options[c]),
            select_all=False,
        )
        note = st.text_input("Note (optional)")
        b1, b2 = st.columns(2)
        approve = b1.form_submit_button("Approve as golden case", type="primary")
        reject = b2.form_submit_button("Reject")
    if not (approve or reject):
        return None, None
    adjudication = Adjudication(
        rubric=rubric,
        citation_verdicts=verdicts,  # type: ignore[arg-type]
        reference_answer=reference,
        expected_chunk_ids=expected,
        should_refuse=bool(rubric["should_have_refused"]),
        note=note,
    )
    return adjudication, "approve" if approve else "reject"
