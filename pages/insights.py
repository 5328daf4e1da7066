"""Insights (leads): is the assistant used and trusted, where does it fail, how fast is it,
what does it cost. Every figure is computed in SQL by ``ReviewDesk.insights``; documents
are named only to a lead who may read them."""

import altair as alt
import pandas as pd
import streamlit as st

from assistant.errors import AssistantError
from pages.ui.insights_charts import chart, day_axis, download, render_example
from pages.ui.resources import runtime
from pages.ui.signin import require
from review.desk import ReviewDesk
from review.insights import Period

MEASURE = "insights.measure"  # the time whose percentiles the Speed tab shows
me = require("insights")
st.set_page_config(layout="wide")
st.title("Insights")
desk = ReviewDesk(runtime(), me.reader())

c1, c2, c3, c4 = st.columns(4)
default = Period.last_days(7)
picked = c1.date_input("Period", (default.since, default.until), max_value=default.until)
since, until = (picked[0], picked[-1]) if isinstance(picked, tuple) and picked else (
    default.since, default.until)  # fmt: skip
try:
    readable, config_versions, groups = desk.insight_filters()
except AssistantError as err:
    st.error(str(err))
    st.stop()
document = c2.selectbox("Only answers that retrieved", readable, index=None,
                        placeholder="any document")  # fmt: skip
group = c3.selectbox("Only answers from documents open to", groups, index=None,
                     placeholder="any group")  # fmt: skip
config_version = c4.selectbox("Only answers of config version", config_versions, index=None,
                              placeholder="any version")  # fmt: skip
try:
    found = desk.insights(
        Period(
            since=since, until=until, document=document, group=group, config_version=config_version
        ),
        measure=st.session_state.get(MEASURE, "total_ms"),
    )
except AssistantError as err:
    st.error(str(err))
    st.stop()
if not found.days:
    st.info(
        f"No answers were logged from {since} to {until} with these "
        "filters. Ask a few questions on the Ask page, or widen the period.",
        icon=":material/insights:",
    )
    st.stop()

days = pd.DataFrame([d.model_dump() for d in found.days])
total = int(days["questions"].sum())
m1, m2, m3, m4, m5 = st.columns(5)
m1.metric("Questions", f"{total:,}")
m2.metric("People who asked", f"{found.askers:,}", help=f"{found.conversations:,} conversations")
m3.metric("Refused", f"{days['refused'].sum() / total:.0%}")
m4.metric("Quoted instead of the model's words",
          f"{(days['not_verified'].sum() + days['model_failed'].sum()) / total:.0%}")  # fmt: skip
rated = int(days["with_feedback"].sum())
m5.metric("Thumbs down (of the rated)", f"{days['negative'].sum() / rated:.0%}" if rated else "–")

use, trust, gaps, speed, errors, cost, documents = st.tabs(
    ["Use", "Trust", "Content gaps", "Speed", "Errors", "Cost", "Documents"]
)
with use:
    chart(days, "day", ["questions", "askers", "conversations", "follow_ups"],
          "How many questions a day, from how many people?", mark="line")  # fmt: skip
    download(days, "use")
with trust:
    rates = days.assign(
        refused=days["refused"] / days["questions"],
        quoted_not_verified=days["not_verified"] / days["questions"],
        quoted_model_down_or_slow=days["model_failed"] / days["questions"],
        rated=days["with_feedback"] / days["questions"],
        thumbs_down_of_rated=(days["negative"] / days["with_feedback"]).where(
            days["with_feedback"] > 0
        ),
    )
    chart(rates, "day", ["refused", "quoted_not_verified", "quoted_model_down_or_slow",
                         "rated", "thumbs_down_of_rated"],
          "How often is an answer refused, quoted or thumbed down?", mark="line",
          percent=True)  # fmt: skip
    if found.reasons:
        reasons = pd.DataFrame([r.model_dump() for r in found.reasons])
        st.altair_chart(
            alt.Chart(reasons, title="Why were answers thumbed down?")
            .mark_bar()
            .encode(x=alt.X("count:Q", title="answers"), y=alt.Y("reason:N", sort="-x")),
            width="stretch",
        )
    if found.grades:
        grades = pd.DataFrame([g.model_dump() for g in found.grades])
        chart(grades, "day", ["correctness", "groundedness", "completeness", "helpfulness"],
              "How do reviewers grade answers (1 worst, 5 best)?", mark="line")  # fmt: skip
    if found.eval_passes:
        st.markdown("**How many golden cases pass, by config version** (its latest run)")
        st.dataframe(
            pd.DataFrame([p.model_dump() for p in found.eval_passes]),
            hide_index=True,
            column_config={"pass_rate": st.column_config.NumberColumn(format="percent")},
        )
    download(rates, "trust")
with gaps:
    st.caption(
        "Questions the documents could not answer (refused, or their closest passage far "
        "off), grouped by meaning: what the company could write next. Each group is named "
        "by its most typical question you may read."
    )
    if found.gaps.grouped < found.gaps.unanswered:
        st.caption(
            f"Grouped {found.gaps.grouped:,} of the period's {found.gaps.unanswered:,} "
            "unanswered questions, spread evenly over it: counts are of those."
        )
    if found.gaps.groups:
        table = pd.DataFrame(
            [
                {
                    "questions like": g.label or f"(questions you may not read: {g.unreadable})",
                    "asked": g.questions,
                    "first half of the period": g.earlier,
                    "second half": g.later,
                    "also asked as": " · ".join(g.examples),
                }
                for g in found.gaps.groups
            ]
        )
        st.dataframe(table, hide_index=True)
        download(table, "content-gaps")
    else:
        st.success("Every question of this period found its passages.", icon=":material/check:")
with speed:
    if found.speed:
        timings = pd.DataFrame([s.model_dump() for s in found.speed])
        st.radio(
            "Time", ["total_ms", "first_token_ms", "retrieve_ms"], horizontal=True, key=MEASURE,
            format_func={"total_ms": "whole answer", "first_token_ms":
                         "until the model's first word", "retrieve_ms": "search"}.get,
        )  # fmt: skip
        shown = timings.melt(
            id_vars=["day", "config_version", "answers"],
            value_vars=["p50", "p95"],
            var_name="percentile",
        )
        st.altair_chart(
            alt.Chart(shown, title="How long do answers take (ms), per config version?")
            .mark_line(point=True)
            .encode(
                x=day_axis(),
                y=alt.Y("value:Q", title="ms"),
                color=alt.Color("config_version:N", title="config"),
                strokeDash=alt.StrokeDash("percentile:N"),
                tooltip=["day:T", "config_version", "percentile", "value", "answers"],
            ),
            width="stretch",
        )
        download(timings, "speed")
with errors:
    if found.errors:
        errs = pd.DataFrame([e.model_dump() for e in found.errors])
        st.altair_chart(
            alt.Chart(errs, title="What went wrong, and when?")
            .mark_bar()
            .encode(x=day_axis(), y=alt.Y("count:Q", title="answers"),
                    color=alt.Color("kind:N", title="why"),
                    tooltip=["day:T", "kind", "count", "example_question"]),
            width="stretch",
        )  # fmt: skip
        st.caption(
            "A kind such as *unverified*, *figure*, *slow* or *unavailable*: the answer was "
            "quoted from the passages instead of the model's words. *retried*: the model's "
            "requests had to be sent again (rate limits, server errors). *failed at …*: no "
            "answer at all, that step failed (the Status page says what to do)."
        )
        names = {"example_question": "an example question", "example": "its id"}
        st.dataframe(errs.drop(columns="source").rename(columns=names), hide_index=True)
        download(errs, "errors")
        picked = st.selectbox(
            "Look at an example", found.errors, index=None, placeholder="pick a day and kind",
            format_func=lambda e: f"{e.day} · {e.kind} · "
            f"{e.example_question or '(a question you may not read)'}",
        )  # fmt: skip
        if picked is not None and (shown := desk.error_example(picked.source, picked.example)):
            render_example(shown)
    else:
        st.success("Every question of this period was answered in the model's words.",
                   icon=":material/check:")  # fmt: skip
with cost:
    tokens = pd.DataFrame([t.model_dump() for t in found.tokens])
    tokens["cost_per_answer"] = [t.cost_per_answer for t in found.tokens]
    tokens["cost_per_useful_answer"] = [t.cost_per_useful_answer for t in found.tokens]
    chart(tokens, "day", ["prompt_tokens", "completion_tokens"],
          "How many tokens a day?", mark="bar")  # fmt: skip
    st.caption(
        "Cost from the production config's price list (`[prices]`, per million tokens); "
        "a model that is not on it, like the local one, costs 0. A useful answer is one "
        "neither refused nor thumbed down."
    )
    st.dataframe(tokens.rename(columns=lambda c: c.replace("_", " ")), hide_index=True)
    download(tokens, "cost")
with documents:
    if found.top_cited:
        cited = pd.DataFrame([c.model_dump() for c in found.top_cited])
        cited["name"] = cited["title"].where(cited["title"] != "", cited["document"])
        st.altair_chart(
            alt.Chart(cited, title="Which documents do answers cite most?")
            .mark_bar()
            .encode(
                x=alt.X("answers:Q"),
                y=alt.Y("name:N", sort="-x", title=None, axis=alt.Axis(labelLimit=400)),
                tooltip=["name", "document", "answers"],
            ),
            width="stretch",
        )
    if found.cited_hidden:
        st.caption(
            f"{found.cited_hidden:,} more citations are of documents you may not read, or "
            "that are no longer indexed."
        )
    st.markdown(f"**Never cited in this period** ({len(found.never_cited)})")
    st.dataframe(pd.DataFrame({"document": found.never_cited}), hide_index=True)
