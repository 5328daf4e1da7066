"""Documents: what is indexed, upload new documents, preview or delete one, re-index."""

import math

import pandas as pd
import streamlit as st

from assistant.errors import AssistantError
from assistant.render import safe_inline
from assistant.runtime import library
from pages.ui.answer import show_passages
from pages.ui.resources import runtime
from pages.ui.signin import require

me = require("documents")
st.set_page_config(layout="wide")
st.title("Documents")
rt = runtime()


def indexing(run) -> None:  # type: ignore[no-untyped-def]
    """Run an ingestion with a progress bar over every document it looks at, then say what
    happened, naming each file that could not be indexed and why."""
    bar = st.progress(0.0, text="Indexing…")

    def show(p) -> None:  # type: ignore[no-untyped-def]
        bar.progress(
            p.documents_done / max(p.documents_total, 1),
            text=f"{p.documents_done} of {p.documents_total} documents · "
            f"{p.chunks_added} passages added",
        )

    try:
        summary = run(show)
    except AssistantError as err:
        bar.empty()
        st.error(str(err))
        return
    bar.empty()
    st.success(
        f"{summary.documents_indexed} indexed, {summary.documents_unchanged} unchanged, "
        f"{summary.documents_removed} removed. " + " ".join(summary.notes)
    )
    for failure in summary.failed:
        st.warning(f"Not indexed: {safe_inline(failure.path)} — {safe_inline(failure.error)}")


with st.form("upload", clear_on_submit=True):
    files = st.file_uploader(
        "Upload documents",
        accept_multiple_files=True,
        type=[s[1:] for s in library.SUPPORTED_SUFFIXES],
        # the limit the uploader states is the one ingestion applies (ASSISTANT_MAX_FILE_MB)
        max_upload_size=max(1, math.ceil(rt.settings.max_file_mb)),
    )
    c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
    groups = c1.text_input(
        "Readable by groups",
        placeholder="everyone",
        help="Comma-separated access groups, e.g. hr, finance. Empty: everyone may read them.",
    )
    replace = c2.checkbox("Replace documents with the same name")
    submitted = st.form_submit_button("Upload and index", icon=":material/upload:", type="primary")

if submitted:
    saved = 0
    for f in files or []:
        try:
            library.save_upload(
                rt,
                f.name,
                f.getvalue(),
                replace=replace,
                actor=me.user_id,
                groups=[g for g in groups.split(",") if g.strip()],
            )
            saved += 1
        except AssistantError as err:
            st.error(str(err))
    if saved:
        indexing(lambda show: library.reindex(rt, progress=show, actor=me.user_id))
    elif not files:
        st.info("Choose one or more files to upload first.")

docs = library.list_documents(rt, me.groups)
st.caption(f"{len(docs)} documents, {sum(d.chunk_count for d in docs)} passages indexed.")
st.dataframe(
    pd.DataFrame(
        [
            {
                "title": d.title,
                "document": d.path,
                "passages": d.chunk_count,
                "size (KB)": round(d.size_bytes / 1024, 1),
                "who may read": ", ".join(d.access_groups),
                "indexed at": d.ingested_at,
            }
            for d in docs
        ]
    ),
    hide_index=True,
    column_config={"indexed at": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
)

by_id = {d.id: d for d in docs}
picked = st.selectbox(
    "Document",
    list(by_id),
    index=None,
    placeholder="Choose a document to preview or delete",
    format_func=lambda i: f"{by_id[i].title} ({by_id[i].path})",
)
if picked:
    doc = by_id[picked]
    left, right = st.columns([4, 1])
    with right:
        if st.button("Delete this document", icon=":material/delete:", key=f"del-{picked}"):
            indexing(
                lambda show: library.delete_document(
                    rt, picked, me.groups, actor=me.user_id, progress=show
                )
            )
    with left, st.container(border=True, height=480):
        show_passages(rt.store().document_chunks(picked, me.groups))

if st.button("Re-index all documents", icon=":material/sync:"):
    indexing(lambda show: library.reindex(rt, progress=show, actor=me.user_id))
