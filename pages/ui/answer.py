"""An answer on screen: its text, labels, sources, the quoted preview, a document opened at
its passage."""

from __future__ import annotations

import streamlit as st

from assistant.answering.answer import Answer, Citation, Trace, quoted_because
from assistant.index.chunks import SECTION_SEP
from assistant.render import highlight, safe_inline, safe_markdown, with_superscript_markers
from assistant.runtime.stack import Runtime


def place(title: str, section: str) -> str:
    """Where a passage is, for a reader: "Title › Heading › Subheading" (safe inline)."""
    parts = [title, *section.split(SECTION_SEP)] if section else [title]
    return safe_inline(" › ".join(p for p in parts if p))


def answer_markdown(answer: Answer) -> str:
    return answer_markdown_text(answer.text)


def _count(n: int, one: str, many: str) -> str:
    return one if n == 1 else many.format(n=n)


def render_answer(
    answer: Answer,
    runtime: Runtime,
    key: str,
    groups: tuple[str, ...],
    *,
    show_versions: bool = False,  # the model and config versions: for reviewers and leads
) -> None:
    """The answer, its labels and its sources (each opens the passage in its document, as
    far as a reader holding ``groups`` may read it)."""
    st.markdown(answer_markdown(answer))
    if why := quoted_because(answer):
        st.caption(f":material/format_quote: {why}")
    if answer.removed_markers:
        st.caption(
            ":material/warning: "
            + _count(
                answer.removed_markers,
                "A source the model named was removed: that passage does not say it.",
                "{n} sources the model named were removed: those passages do not say it.",
            )
        )
    if answer.dropped_sentences:
        st.caption(
            ":material/content_cut: Part of the model's answer was left out because no "
            "passage backs it up."
        )
    if answer.moved_markers:
        st.caption(
            ":material/swap_horiz: Some statements now point to the passage that backs them "
            "up rather than the one the model named."
        )
    if answer.refused and answer.sources:
        st.caption("Closest passages found (they do not answer the question):")
        for source in sorted(answer.sources, key=lambda s: s.similarity, reverse=True):
            where = place(source.title, source.section)
            with st.expander(f"{where} — similarity {source.similarity:.2f}"):
                st.markdown(safe_markdown(source.text))
                st.caption(safe_inline(source.document))
    if answer.citations:
        st.caption("Sources")
        for citation in answer.citations:
            render_citation(citation, runtime, f"{key}-c{citation.n}", groups)
    rewritten = answer.standalone_query and answer.standalone_query != answer.question
    if show_versions or rewritten:
        with st.popover("Details", icon=":material/info:"):
            if rewritten:  # a follow-up, searched for as a question of its own
                st.caption(f"Searched for: {safe_inline(answer.standalone_query)}")
            if show_versions:
                cached = " · from the cache" if answer.cached else ""
                st.caption(
                    f"Model {answer.model} · config {answer.config_version} · "
                    f"{answer.latency.total_ms / 1000:.1f}s{cached}"
                )
                if answer.trace is not None:
                    render_trace(answer.trace)


def render_trace(trace: Trace) -> None:
    """The steps that made an answer: when each began, how long it took, how it ended."""
    st.caption(f"Steps of request {trace.request_id} (its log lines carry this id):")
    st.dataframe(
        [
            {
                "step": s.name,
                "began (ms)": s.start_ms,
                "took (ms)": s.duration_ms,
                "outcome": s.outcome,
                "detail": ", ".join(f"{k} {v}" for k, v in s.attributes.items()),
            }
            for s in trace.spans
        ],
        hide_index=True,
    )


def render_preview(answer: Answer, slot) -> None:  # type: ignore[no-untyped-def]
    """The quoted answer, shown in ``slot`` while the model writes its own."""
    with slot.container():
        sources = ", ".join(dict.fromkeys(c.title or c.document for c in answer.citations))
        st.caption(
            f":material/format_quote: Quoted from {safe_inline(sources)} — the assistant is "
            "writing its own answer…"
        )
        st.markdown(answer_markdown(answer))


def render_citation(
    citation: Citation, runtime: Runtime, key: str, groups: tuple[str, ...]
) -> None:
    page = f", p. {citation.page}" if citation.page else ""
    where = place(citation.title, citation.section)
    with st.expander(f"**\\[{citation.n}\\]** {where}{page}"):
        st.markdown(highlight(citation.text, citation.snippet))
        st.caption(f"{safe_inline(citation.document)} · retrieval score {citation.score:.2f}")
        if st.button("Open the document", key=f"{key}-open", icon=":material/description:"):
            show_document(citation, runtime, groups)


def show_document(citation: Citation, runtime: Runtime, groups: tuple[str, ...]) -> None:
    """The cited document in a dialog titled with it, opened at the cited passage (the
    passages before and after it folded), the cited sentence highlighted."""
    title = safe_inline((citation.title or citation.document)[:100])  # a title may hold Markdown
    st.dialog(title, width="large")(_document_body)(citation, runtime, groups)


def _document_body(citation: Citation, runtime: Runtime, groups: tuple[str, ...]) -> None:
    chunks = runtime.store().document_chunks(citation.document_id, groups)
    st.caption(safe_inline(citation.document))
    at = next((i for i, c in enumerate(chunks) if c.id == citation.chunk_id), None)
    if at is None:  # gone from the index, or no longer readable: the passage as cited
        st.markdown(highlight(citation.text, citation.snippet))
        return
    if at:
        with st.expander(f"Earlier in the document ({at} passage{'s' if at > 1 else ''})"):
            show_passages(chunks[:at])
    cited = chunks[at]
    with st.container(border=True):
        st.markdown(f"**{place('', cited.section) or 'Cited passage'}**")
        st.markdown(highlight(cited.text, citation.snippet))
    if rest := chunks[at + 1 :]:
        plural = "s" if len(rest) > 1 else ""
        with st.expander(f"Later in the document ({len(rest)} passage{plural})"):
            show_passages(rest)


def show_passages(chunks: list) -> None:  # type: ignore[type-arg]
    """A document's passages in order, each under its heading."""
    for chunk in chunks:
        if chunk.section:
            st.markdown(f"**{place('', chunk.section)}**")
        st.markdown(safe_markdown(chunk.text))


def answer_markdown_text(text: str) -> str:
    return with_superscript_markers(safe_markdown(text))
