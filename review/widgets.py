"""Streamlit components shared by the pages (the one module here that imports streamlit)."""

from __future__ import annotations

import streamlit as st

from assistant.answer import Answer, Citation
from assistant.guardrails import default_redactor
from assistant.render import highlight, safe_markdown, with_superscript_markers
from assistant.runtime.stack import Runtime
from review.feedback import feedback_for, record_feedback
from review.models import FEEDBACK_REASONS, FeedbackCreate

MODE_NOTES = {
    "extractive": "Extractive answer: quoted from the documents, because the language model was "
    "unavailable or its answer could not be verified.",
}


def answer_markdown(answer: Answer) -> str:
    return with_superscript_markers(safe_markdown(answer.text))


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
            )
            st.toast("Thanks — your feedback was saved.")
