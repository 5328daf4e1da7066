"""The app's one stylesheet: what Streamlit's theme options cannot say."""

from __future__ import annotations

import streamlit as st

# A tertiary button is a line of text (a suggested question, a conversation in the
# sidebar): wrapped onto a second line, or shorter than the sidebar (its label sits in a
# centring box), it would be centred, out of line with the rest.
# So are the sidebar's buttons (the control that renames or deletes a conversation).
_CSS = """
<style>
[data-testid="stBaseButton-tertiary"],
[data-testid="stBaseButton-tertiary"] > div,
[data-testid="stBaseButton-tertiary"] [data-testid="stMarkdownContainer"],
[data-testid="stBaseButton-tertiary"] p,
[data-testid="stSidebar"] button,
[data-testid="stSidebar"] button > div,
[data-testid="stSidebar"] button [data-testid="stMarkdownContainer"],
[data-testid="stSidebar"] button p {
  justify-content: flex-start;
  text-align: left;
}
</style>
"""


def apply() -> None:
    """Add the stylesheet to this run's page (it takes no space)."""
    st.html(_CSS)
