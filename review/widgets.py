"""Streamlit components shared by the pages (the one module here that imports streamlit)."""

from __future__ import annotations

import streamlit as st

from assistant.answering.answer import Answer, Citation
from assistant.answering.guardrails import default_redactor
from assistant.errors import AssistantError
from assistant.identity.accounts import (
    AuthError,
    Permission,
    Principal,
    authenticate,
    demo_principal,
    oidc_principal,
)
from assistant.render import highlight, safe_markdown, with_superscript_markers
from assistant.runtime.stack import Runtime
from review.feedback import MyAnswer, feedback_for, record_feedback
from review.grading import Adjudication, Passage, ReviewDetail
from review.models import FEEDBACK_REASONS, SCALE_FIELDS, FeedbackCreate, GradeInput
from review.queue import QueuePolicy

MODE_NOTES = {
    "extractive": "Extractive answer: quoted from the documents, because the language model was "
    "unavailable or its answer could not be verified.",
}


def answer_markdown(answer: Answer) -> str:
    return answer_markdown_text(answer.text)


def render_answer(answer: Answer, runtime: Runtime, key: str) -> None:
    """The answer, its labels and its sources (each opens the passage in its document)."""
    st.markdown(answer_markdown(answer))
    if note := MODE_NOTES.get(answer.mode):
        st.caption(f":material/format_quote: {note}")
    if answer.removed_markers:
        st.caption(
            f":material/warning: {answer.removed_markers} citation(s) the model gave were "
            "removed because the cited passage does not support them."
        )
    if answer.dropped_sentences:
        st.caption(
            f":material/content_cut: {answer.dropped_sentences} sentence(s) of the model's answer "
            "were left out because no passage supports them."
        )
    if answer.moved_markers:
        st.caption(
            f":material/swap_horiz: {answer.moved_markers} sentence(s) now cite the passage "
            "that supports them rather than the one the model named."
        )
    if answer.refused and answer.sources:
        st.caption("Closest passages found (they do not answer the question):")
        for source in answer.sources:
            where = " › ".join(x for x in (source.title, source.section) if x)
            with st.expander(f"{where} — similarity {source.similarity:.2f}"):
                st.markdown(safe_markdown(source.text))
                st.caption(source.document)
    if answer.citations:
        st.caption("Sources")
        for citation in answer.citations:
            render_citation(citation, runtime, f"{key}-c{citation.n}")
    with st.popover("Details", icon=":material/info:"):
        st.caption(f"Searched for: {safe_markdown(answer.standalone_query)}")
        st.caption(
            f"Model {answer.model} · config {answer.config_version} · "
            f"{answer.latency.total_ms / 1000:.1f}s" + (" · cached" if answer.cached else "")
        )


def render_preview(answer: Answer, slot) -> None:  # type: ignore[no-untyped-def]
    """The quoted answer, shown in ``slot`` while the model writes its own."""
    with slot.container():
        st.markdown(answer_markdown(answer))
        sources = ", ".join(dict.fromkeys(c.title or c.document for c in answer.citations))
        st.caption(
            f":material/format_quote: Quoted from {safe_markdown(sources)} while the assistant "
            "writes its answer…"
        )


def render_citation(citation: Citation, runtime: Runtime, key: str) -> None:
    page = f", p. {citation.page}" if citation.page else ""
    where = " › ".join(x for x in (citation.title, citation.section) if x)
    with st.expander(f"**[{citation.n}]** {where}{page}"):
        st.markdown(highlight(citation.text, citation.snippet))
        st.caption(f"{citation.document} · retrieval score {citation.score:.2f}")
        if st.button("Open the document", key=f"{key}-open", icon=":material/description:"):
            show_document(citation, runtime)


@st.dialog("Document", width="large")
def show_document(citation: Citation, runtime: Runtime) -> None:
    chunks = runtime.store().document_chunks(citation.document_id)
    st.subheader(citation.title or citation.document)
    st.caption(citation.document)
    for chunk in chunks:
        if chunk.section:
            st.markdown(f"**{safe_markdown(chunk.section)}**")
        if chunk.id == citation.chunk_id:
            st.markdown(highlight(chunk.text, citation.snippet))
        else:
            st.markdown(safe_markdown(chunk.text))


def feedback_control(runtime: Runtime, interaction_id: str, user_id: str, key: str) -> None:
    """Thumbs stored the moment they are clicked; reason and comment refine the same record."""
    engine = runtime.engine
    existing = feedback_for(engine, interaction_id, user_id)

    def save_thumbs() -> None:
        value = st.session_state.get(f"{key}-thumbs")
        if value is not None:
            record_feedback(
                engine,
                FeedbackCreate(interaction_id=interaction_id, rating=1 if value == 1 else -1),
                user_id=user_id,
                redactor=default_redactor(),
                policy=QueuePolicy.from_settings(runtime.settings),
            )

    default = None if existing is None else (1 if existing.rating == 1 else 0)
    st.feedback("thumbs", key=f"{key}-thumbs", on_change=save_thumbs)
    if default is not None and st.session_state.get(f"{key}-thumbs") is None:
        st.session_state[f"{key}-thumbs"] = default
    thumbs = st.session_state.get(f"{key}-thumbs")
    if thumbs is None:
        return
    with st.form(key=f"{key}-form", border=False):
        reason = st.selectbox(
            "What was wrong?" if thumbs == 0 else "What was good? (optional)",
            [None, *FEEDBACK_REASONS],
            format_func=lambda r: "—" if r is None else r.replace("_", " "),
            index=0,
        )
        comment = st.text_input("Comment (optional)")
        if st.form_submit_button("Send feedback"):
            record_feedback(
                engine,
                FeedbackCreate(
                    interaction_id=interaction_id,
                    rating=1 if thumbs == 1 else -1,
                    reason=reason,
                    comment=comment or None,
                ),
                user_id=user_id,
                redactor=default_redactor(),
                policy=QueuePolicy.from_settings(runtime.settings),
            )
            st.toast("Thanks — your feedback was saved.")


# -- Sign-in and roles -----------------------------------------------------------------

PRINCIPAL = "auth.principal"


def sign_in(runtime: Runtime) -> Principal:
    """The signed-in user (stops the script with a sign-in form until there is one).

    Kept in the server-side session state; pages read it with ``require``.
    """
    mode = runtime.settings.auth
    if mode == "demo":
        principal = demo_principal()
    elif mode == "oidc":
        if not st.user.is_logged_in:
            st.title("Knowledge Assistant")
            st.button("Sign in with your company account", on_click=st.login, type="primary")
            st.stop()
        principal = oidc_principal(
            runtime.engine,
            str(st.user.get("email") or st.user.get("sub")),
            str(st.user.get("name") or ""),
            runtime.settings.oidc_default_role,
        )
    else:
        principal = st.session_state.get(PRINCIPAL) or _local_sign_in(runtime)
    st.session_state[PRINCIPAL] = principal
    return principal


def _local_sign_in(runtime: Runtime) -> Principal:
    st.title("Knowledge Assistant")
    with st.form("sign-in"):
        username = st.text_input("User name", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        try:
            principal = authenticate(runtime.engine, username, password)
        except AuthError as err:
            st.error(str(err))
        else:
            st.session_state[PRINCIPAL] = principal
            st.rerun()
    st.stop()


def sign_out() -> None:
    principal = st.session_state.pop(PRINCIPAL, None)
    if principal is not None and principal.method == "oidc":
        st.logout()


def identity_caption(principal: Principal) -> None:
    if principal.method == "demo":
        st.sidebar.warning(
            "**Demo mode**: one local user with every role, no sign-in. "
            "Set `ASSISTANT_AUTH=local` or `oidc` for real accounts.",
            icon=":material/science:",
        )
        return
    st.sidebar.caption(
        f":material/person: {safe_markdown(principal.display_name)} · {principal.role}"
    )
    st.sidebar.button("Sign out", on_click=sign_out, icon=":material/logout:")


def require(permission: Permission) -> Principal:
    """Server-side role check at the top of every page."""
    principal: Principal | None = st.session_state.get(PRINCIPAL)
    if principal is None or not principal.can(permission):
        st.error("You do not have access to this page.", icon=":material/block:")
        st.stop()
    return principal


def show_error(err: AssistantError) -> None:
    st.error(str(err), icon=":material/error:")


# -- Review: one answer side by side, the grading and adjudication forms ---------------

SCALE = [1, 2, 3, 4, 5]
VERDICT_LABELS = {"supports": "supports", "partial": "partial", "does_not_support": "does not"}


def passage_label(p: Passage) -> str:
    where = " › ".join(x for x in (p.document, p.section) if x)
    return f"{f'[{p.n}] ' if p.n else ''}{where} · {p.chunk_id[:8]}"


def render_passage(p: Passage) -> None:
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
            st.caption(f"Searched for: {safe_markdown(d.standalone_query)}")
        st.markdown("**Answer**" + (" (refused)" if d.refused else f" ({d.mode})"))
        st.markdown(answer_markdown_text(d.answer))
        st.caption(f"{d.model} · config {d.config_version} · queued as {d.reason}")
        for f in d.feedback:
            thumbs = ":material/thumb_down:" if f.rating < 0 else ":material/thumb_up:"
            st.caption(
                f"{thumbs} {f.user_id}: {(f.reason or '').replace('_', ' ')} "
                f"{safe_markdown(f.comment or '')}"
            )
            if f.correct_answer:
                st.caption(f"Suggested answer: {safe_markdown(f.correct_answer)}")
            if f.correct_source:
                st.caption(f"Suggested source: {safe_markdown(f.correct_source)}")
    with right:
        st.markdown("**Cited passages**" if d.cited else "**No citations**")
        for p in d.cited:
            render_passage(p)
        with st.expander(f"All {len(d.retrieved)} retrieved passages"):
            for p in d.retrieved:
                render_passage(p)


def answer_markdown_text(text: str) -> str:
    return with_superscript_markers(safe_markdown(text))


def grading_form(
    d: ReviewDetail, extra_sources: list[Passage], key: str
) -> tuple[GradeInput | None, bool]:
    """The rubric form. Returns (grade, released): grade when submitted and complete."""
    with st.form(f"{key}-grade"):
        cols = st.columns(2)
        scales = {}
        for i, field in enumerate(SCALE_FIELDS):
            scales[field] = cols[i % 2].radio(
                field.capitalize(), SCALE, index=None, horizontal=True, key=f"{key}-{field}"
            )
        flags = st.columns(2)
        refuse = flags[0].checkbox("Should have refused", key=f"{key}-refuse")
        unsafe = flags[1].checkbox("Safety issue", key=f"{key}-unsafe")
        verdicts: dict[int, str | None] = {}
        for p in d.cited:
            verdicts[p.n or 0] = st.radio(
                f"Citation [{p.n}] {p.document} › {p.section}",
                list(VERDICT_LABELS),
                format_func=VERDICT_LABELS.get,
                index=None,
                horizontal=True,
                key=f"{key}-v{p.n}",
            )
        reference = st.text_area("Corrected reference answer", key=f"{key}-reference")
        options = {p.chunk_id: p for p in [*d.cited, *d.retrieved, *extra_sources]}
        expected = st.multiselect(
            "Expected source passages",
            list(options),
            format_func=lambda c: passage_label(options[c]),
            key=f"{key}-expected",
        )
        notes = st.text_area("Notes", key=f"{key}-notes", height=68)
        b1, b2 = st.columns(2)
        submitted = b1.form_submit_button("Submit grade", type="primary")
        released = b2.form_submit_button("Release without grading")
    if not submitted:
        return None, released
    missing = [f for f, v in scales.items() if v is None]
    missing += [f"citation [{n}]" for n, v in verdicts.items() if v is None]
    if missing:
        st.warning(f"Please rate: {', '.join(missing)}.")
        return None, False
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
            rubric[field] = cols[i % 2].radio(
                field.capitalize(),
                SCALE,
                index=SCALE.index(int(proposal.rubric[field])),
                horizontal=True,
                key=f"{key}-{field}",
            )
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
            verdicts[str(p.n)] = st.radio(
                f"Citation [{p.n}] {p.document} › {p.section}",
                list(VERDICT_LABELS),
                format_func=VERDICT_LABELS.get,
                index=list(VERDICT_LABELS).index(current) if current else 0,
                horizontal=True,
                key=f"{key}-v{p.n}",
            )
        reference = st.text_area("Approved reference answer", proposal.reference_answer)
        options = {p.chunk_id: p for p in [*d.cited, *d.retrieved]}
        for cid in proposal.expected_chunk_ids:
            options.setdefault(
                cid, Passage(chunk_id=cid, document="(picked by a reviewer)", text="")
            )
        expected = st.multiselect(
            "Expected source passages",
            list(options),
            default=proposal.expected_chunk_ids,
            format_func=lambda c: passage_label(options[c]),
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


def feedback_edit_form(runtime: Runtime, mine: MyAnswer, user_id: str) -> None:
    """Add or change feedback on one of my earlier answers (the same record is updated)."""
    given = mine.feedback
    key = f"my-{mine.interaction_id}"
    with st.form(key):
        rating = st.radio(
            "Was this answer helpful?",
            [1, -1],
            format_func={1: "👍 Yes", -1: "👎 No"}.get,
            index=None if given is None else (0 if given.rating == 1 else 1),
            horizontal=True,
        )
        options = [None, *FEEDBACK_REASONS]
        reason = st.selectbox(
            "Reason",
            options,
            index=options.index(given.reason) if given and given.reason in options else 0,
            format_func=lambda r: "—" if r is None else r.replace("_", " "),
        )
        comment = st.text_input("Comment", value=(given.comment or "") if given else "")
        correct = st.text_area(
            "The correct answer (optional)", value=(given.correct_answer or "") if given else ""
        )
        source = st.text_input(
            "The right source (optional: document or section)",
            value=(given.correct_source or "") if given else "",
        )
        if st.form_submit_button("Save feedback"):
            if rating is None:
                st.warning("Choose 👍 or 👎 first.")
                return
            record_feedback(
                runtime.engine,
                FeedbackCreate(
                    interaction_id=mine.interaction_id,
                    rating=rating,
                    reason=reason,
                    comment=comment or None,
                    correct_answer=correct or None,
                    correct_source=source or None,
                ),
                user_id=user_id,
                redactor=default_redactor(),
                policy=QueuePolicy.from_settings(runtime.settings),
            )
            st.toast("Feedback saved.")
