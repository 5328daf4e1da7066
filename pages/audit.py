"""Audit log: every review, approval, export, account, document and config change."""

import pandas as pd
import streamlit as st

from assistant.storage import audit
from pages.ui.resources import runtime
from pages.ui.signin import require

require("audit")
st.set_page_config(layout="wide")
st.title("Audit log")
c1, c2 = st.columns(2)
actor = c1.text_input("Who")
action = c2.text_input("Action starts with (e.g. review., golden., account.)")
entries = audit.entries(runtime().engine, actor=actor or None, action=action or None, limit=500)
st.dataframe(
    pd.DataFrame(
        [
            {
                "when": e.at,
                "who": e.actor,
                "action": e.action,
                "about": e.target,
                "details": e.summary,
            }
            for e in entries
        ]
    ),
    hide_index=True,
    column_config={"when": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
)
