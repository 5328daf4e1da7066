"""Documents: what is indexed, upload new documents, re-index."""

import math

import pandas as pd
import streamlit as st

from assistant.errors import AssistantError
from assistant.render import safe_inline
from assistant.runtime import library
from pages.ui.resources import runtime
from pages.ui.signin import require

me = require("documents")
st.set_page_config(layout="wide")
st.title("Documents")
rt = runtime()

with st.form("upload", clear_on_submit=True):
    files = st.file_uploader(
        "Upload documents",
        accept_multiple_files=True,
        type=[s[1:] for s in library.SUPPORTED_SUFFIXES],
        # the limit the uploader states is the one ingestion applies (ASSISTANT_MAX_FILE_MB)
        max_upload_size=max(1, math.ceil(rt.settings.max_file_mb)),
    )
    groups = st.text_input(
        "Readable by groups",
        placeholder="everyone",
        help="Comma-separated access groups, e.g. hr, finance. Empty: everyone may read them.",
    )
    replace = st.checkbox("Replace existing documents with the same name")
    submitted = st.form_submit_button("Upload and index", icon=":material/upload:")

reindex_clicked = st.button("Re-index all documents", icon=":material/sync:")
if submitted or reindex_clicked:
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
        except AssistantError as err:
            st.error(str(err))
    bar = st.progress(0.0, text="Indexing…")

    def show(p) -> None:
        bar.progress(
            p.documents_done / max(p.documents_total, 1),
            text=f"{p.documents_done}/{p.documents_total} documents · {p.chunks_added} chunks",
        )

    summary = library.reindex(rt, progress=show, actor=me.user_id)
    bar.empty()
    st.success(
        f"{summary.documents_indexed} indexed, {summary.documents_unchanged} unchanged, "
        f"{summary.documents_removed} removed. " + " ".join(summary.notes)
    )
    for failure in summary.failed:
        st.warning(f"Not indexed: {safe_inline(failure.path)} — {safe_inline(failure.error)}")

docs = library.list_documents(rt, me.groups)
st.caption(f"{len(docs)} documents, {sum(d.chunk_count for d in docs)} passages indexed.")
st.dataframe(
    pd.DataFrame(
        [
            {
                "document": d.path,
                "title": d.title,
                "passages": d.chunk_count,
                "size (KB)": round(d.size_bytes / 1024, 1),
                "who may read": ", ".join(d.access_groups),
                "indexed at": d.ingested_at,
            }
            for d in docs
        ]
    ),
    hide_index=True,
)
