"""Status: the health of every part, as `python -m assistant doctor` reports it."""

import streamlit as st

from assistant.errors import AssistantError
from assistant.runtime.health import check_all
from pages.ui.resources import runtime
from pages.ui.signin import require

require("status")
st.title("System status")
try:
    report = check_all(runtime())
except AssistantError as err:
    st.error(str(err))
    st.stop()

st.caption("All required parts are up." if report.ok else "Some parts are down.")
for name, part in report.parts.items():
    with st.container(border=True):
        icon = ":material/check_circle:" if part.ok else ":material/error:"
        st.markdown(f"{icon} **{name}** — {part.version or 'unknown version'}")
        if part.where:
            st.caption(f"where: {part.where}")
        if part.detail:
            st.caption(part.detail)
