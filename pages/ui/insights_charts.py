"""The Insights page's charts and downloads: one question per chart, its title saying which."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from assistant.render import safe_inline
from pages.ui.answer import answer_markdown_text, render_trace
from review.export import csv_safe
from review.insights import Example


def chart(
    frame: pd.DataFrame,
    x: str,
    series: list[str],
    title: str,
    *,
    mark: str = "line",
    percent: bool = False,
) -> None:
    """``series`` of ``frame`` over ``x`` (a day), one colour each, titled by its question."""
    long = frame.melt(id_vars=[x], value_vars=series, var_name="series").dropna()
    long["series"] = long["series"].str.replace("_", " ")
    y = alt.Y("value:Q", title=None, axis=alt.Axis(format="%") if percent else alt.Axis())
    base = alt.Chart(long, title=title).encode(
        x=day_axis(x),
        y=y,
        color=alt.Color("series:N", title=None),
        tooltip=[f"{x}:T", "series", alt.Tooltip("value:Q", format=".1%" if percent else ",")],
    )
    drawn = base.mark_bar() if mark == "bar" else base.mark_line(point=True)
    st.altair_chart(drawn, width="stretch")


def day_axis(field: str = "day") -> alt.X:
    """A day on the x axis, labelled as dates (not hours)."""
    # ticks a day apart at most (the default put two on a day: "Dec 04, Dec 04")
    axis = alt.Axis(format="%b %d", tickCount={"interval": "day", "step": 1})
    return alt.X(f"yearmonthdate({field}):T", title=None, axis=axis)


def download(frame: pd.DataFrame, name: str) -> None:
    """The figures behind a chart as CSV, every cell safe to open in a spreadsheet."""
    safe = frame.map(csv_safe) if not frame.empty else frame
    st.download_button(
        f"Download {name} (CSV)",
        safe.to_csv(index=False).encode(),
        file_name=f"insights-{name}.csv",
        mime="text/csv",
        icon=":material/download:",
        key=f"download-{name}",
    )


def render_example(e: Example) -> None:
    """One answer (or question that got none) behind the Errors figures."""
    what = "Answer" if e.source == "answer" else "Question that got no answer"
    st.markdown(f"**{what}** ({e.asked_at:%Y-%m-%d %H:%M} UTC)")
    if e.question is None:
        st.caption("It drew on a document you may not read: its question and answer are hidden.")
    else:
        st.text(e.question)
    if e.answer:
        st.markdown(answer_markdown_text(e.answer))
    facts = [e.why or "", f"the model's requests were retried {e.retries}×" if e.retries else ""]
    if e.request_id:
        facts.append(f"request {e.request_id} (its log lines carry this id)")
    if shown := " · ".join(f for f in facts if f):
        st.caption(safe_inline(shown))
    if e.trace is not None:
        render_trace(e.trace)
