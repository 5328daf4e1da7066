"""Process-wide resources for the Streamlit pages: the runtime and the answering pipeline.

``st.cache_resource`` objects are shared by every session, so only thread-safe
things live here: the Runtime (servers, clients, embedder) and the Pipeline are.
"""

from __future__ import annotations

import streamlit as st

from assistant.answering import versions
from assistant.answering.pipeline import Pipeline
from assistant.runtime import logs
from assistant.runtime.stack import Runtime
from assistant.storage import audit


@st.cache_resource(show_spinner="Starting the assistant (Weaviate, model server, database)…")
def runtime() -> Runtime:
    """Attach to (or start) this data dir's servers and migrate the database, once per process."""
    rt = Runtime()
    logs.configure(rt.settings.log_format)
    rt.start()
    rt.engine  # noqa: B018 - migrate before any page reads or writes
    return rt


def pipeline() -> Pipeline:
    """The pipeline of the production answering config: read on every question, so a
    promotion or rollback takes effect at the next question, without a restart."""
    rt = runtime()
    return _pipeline(versions.production_version(rt.engine, rt.settings))


@st.cache_resource(show_spinner="Loading the answering pipeline…", max_entries=4)
def _pipeline(version: str) -> Pipeline:
    rt = runtime()
    p = Pipeline(rt, config=versions.get(rt.engine, version))
    audit.note_config_version(rt.engine, p.config.version, source="production label")
    return p
