"""An answer on screen: its text, labels, sources, the quoted preview, a document opened at
its passage."""

from __future__ import annotations

import streamlit as st

from assistant.answering.answer import Answer, Citation
from assistant.render import highlight, safe_inline, safe_markdown, with_superscript_markers
from assistant.runtime.stack import Runtime

MODE_NOTES = {
    "extractive": "Extractive answer: quoted from the documents, because the language model was "
    "unavailable or its answer could not be verified.",
}


def answer_markdown(answer: Answer) -> str:
    return answer_markdown_text(answer.text)


def render_answer(answer: Answer, runtime: Runtime, key: str, groups: tuple[str, ...]) -> None:
    """The answer, its labels and its sources (each opens the passage in its document, as
    far as a reader holding ``groups`` may read it)."""
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
            with st.expander(f"{safe_inline(where)} — similarity {source.similarity:.2f}"):
                st.markdown(safe_markdown(source.text))
                st.caption(safe_inline(source.document))
    if answer.citations:
        st.caption("Sources")
        for citation in answer.citations:
            render_citation(citation, runtime, f"{key}-c{citation.n}", groups)
    with st.popover("Details", icon=":material/info:"):
        st.caption(f"Searched for: {safe_inline(answer.standalone_query)}")
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
            f":material/format_quote: Quoted from {safe_inline(sources)} while the assistant "
            "writes its answer…"
        )


def render_citation(
    citation: Citation, runtime: Runtime, key: str, groups: tuple[str, ...]
) -> None:
    page = f", p. {citation.page}" if citation.page else ""
    where = " › ".join(x for x in (citation.title, citation.section) if x)
    with st.expander(f"**\\[{citation.n}\\]** {safe_inline(where)}{page}"):
        st.markdown(highlight(citation.text, citation.snippet))
        st.caption(f"{safe_inline(citation.document)} · retrieval score {citation.score:.2f}")
        if st.button("Open the document", key=f"{key}-open", icon=":material/description:"):
            show_document(citation, runtime, groups)


@st.dialog("Document", width="large")
def show_document(citation: Citation, runtime: Runtime, groups: tuple[str, ...]) -> None:
    chunks = runtime.store().document_chunks(citation.document_id, groups)
    st.subheader(safe_inline(citation.title or citation.document))
    st.caption(safe_inline(citation.document))
    for chunk in chunks:
        if chunk.section:
            st.markdown(f"**{safe_inline(chunk.section)}**")
        if chunk.id == citation.chunk_id:
            st.markdown(highlight(chunk.text, citation.snippet))
        else:
            st.markdown(safe_markdown(chunk.text))


def answer_markdown_text(text: str) -> str:
    return with_superscript_markers(safe_markdown(text))
