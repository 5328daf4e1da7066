"""Status: the health of every part, as `python -m assistant doctor` reports it, and for
each failing part what it means and what to do (the runbooks)."""

import streamlit as st

from assistant.errors import AssistantError
from assistant.runtime.health import check_all
from assistant.runtime.runbooks import RUNBOOKS, for_report
from pages.ui.resources import runtime
from pages.ui.signin import require

require("status")
st.title("System status")
try:
    rt = runtime()
    report = check_all(rt)
except AssistantError as err:
    st.error(str(err))
    st.stop()

urgent = for_report(report, remote_generator=not rt.generator.local)
if report.ok and not urgent:
    st.caption("All parts are up.")
else:
    st.caption("All required parts are up." if report.ok else "Some parts are down.")
for runbook in urgent:
    with st.container(border=True):
        st.error(f"**{runbook.title}**", icon=":material/warning:")
        st.markdown(runbook.body())
for name, part in report.parts.items():
    with st.container(border=True):
        icon = ":material/check_circle:" if part.ok else ":material/error:"
        version = f" — {part.version}" if part.version else ""
        st.markdown(f"{icon} **{name}**{version}")
        if part.where:
            st.caption(f"where: {part.where}")
        if part.detail:
            st.caption(part.detail)

st.subheader("Runbooks")
st.caption("What to do when something fails (`python -m assistant runbooks` prints the same).")
for runbook in RUNBOOKS:
    with st.expander(runbook.title):
        st.markdown(runbook.body())
