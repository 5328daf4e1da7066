"""Process-wide resources for the Streamlit pages: the runtime and the answering pipeline.

``st.cache_resource`` objects are shared by every session, so only thread-safe
things live here: the Runtime (servers, clients, embedder) and the Pipeline are.
"""

from __future__ import annotations

import streamlit as st

from assistant.answering.pipeline import Pipeline
from assistant.runtime.stack import Runtime
from assistant.storage import audit


@st.cache_resource(show_spinner="Starting the assistant (Weaviate, model server, database)…")
def runtime() -> Runtime:
    """Attach to (or start) this data dir's servers and migrate the database, once per process."""
    rt = Runtime()
    rt.start()
    rt.engine  # noqa: B018 - migrate before any page reads or writes
    return rt


@st.cache_resource(show_spinner="Loading the answering pipeline…")
def pipeline() -> Pipeline:
    p = Pipeline(runtime())
    source = str(p.rt.settings.answer_config or "bundled answering.toml")
    audit.note_config_version(p.rt.engine, p.config.version, source=source)
    return p
