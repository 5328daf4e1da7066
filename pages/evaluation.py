"""Evaluation (leads): replay golden sets, compare runs, promote or roll back the config."""

import altair as alt
import pandas as pd
import streamlit as st

from assistant.errors import AssistantError
from assistant.phrases import counted
from assistant.render import safe_inline, safe_markdown
from pages.ui.resources import runtime
from pages.ui.signin import require, show_error
from review.evaluation.desk import EvalDesk
from review.labels import word

NUMBERS = ("baseline", "candidate", "delta")


st.set_page_config(layout="wide")
me = require("configure")
st.title("Evaluation")
desk = EvalDesk(runtime(), me.reader())


def show_comparison(c) -> None:  # type: ignore[no-untyped-def]
    for note in c.notes:
        st.warning(note)
    measured = [m for m in c.metrics if m.cases]
    st.dataframe(
        pd.DataFrame([{**m.model_dump(), "metric": word(m.metric)} for m in measured]),
        hide_index=True,
        height="content",  # every measure, no inner scrolling
        column_config={
            "metric": "measure",
            **{k: st.column_config.NumberColumn(k, format="%.3f") for k in NUMBERS},
            "low": st.column_config.NumberColumn("95% low", format="%.3f"),
            "high": st.column_config.NumberColumn("95% high", format="%.3f"),
        },
    )
    if unmeasured := [word(m.metric) for m in c.metrics if not m.cases]:
        st.caption(f"Not measured in these runs: {', '.join(unmeasured)}.")
    st.caption(c.mcnemar.in_words())
    for f in c.flips:
        with st.expander(safe_inline(f"{f.case_id}: {f.change} · {f.question}")):
            st.markdown(f"**Why:** {safe_inline(f.why or 'see the answers')}")
            st.markdown("**Reference**")
            st.markdown(safe_markdown(f.reference))
            a, b = st.columns(2)
            a.markdown("**Baseline**")
            a.markdown(safe_markdown(f.baseline_answer))
            a.caption(safe_inline(", ".join(f.baseline_cited) or "no citations"))
            b.markdown("**Candidate**")
            b.markdown(safe_markdown(f.candidate_answer))
            b.caption(safe_inline(", ".join(f.candidate_cited) or "no citations"))
    if c.hidden_flips:
        hidden = counted(c.hidden_flips, "more changed case")
        st.caption(f"{hidden} use documents you may not read.")


runs_tab, compare_tab, configs_tab = st.tabs(["Runs", "Compare", "Configurations"])

with runs_tab:
    try:
        sets = desk.datasets()
    except AssistantError as err:
        show_error(err)
        sets = []
    st.markdown("**Datasets** (cases replayed against a configuration)")
    st.dataframe(
        pd.DataFrame([s.model_dump() for s in sets]),
        hide_index=True,
        column_config={"name": "dataset", "about": "what it is",
                       "stale": "stale (left out)", "unreadable": "not readable by you"},
    )  # fmt: skip
    with st.form("start"):
        st.markdown("**Start a run**")
        left, mid, right = st.columns(3)
        dataset = left.selectbox("Dataset", [s.name for s in sets] or ["starter"])
        config = mid.selectbox("Configuration", ["production", "candidate"])
        quoted = right.toggle(
            "Quoted answers only", help="No model: deterministic and fast; tests retrieval "
            "and citations, not the model's wording. Such a run evaluates a variant of the "
            "config, so it does not count for promotion.",
        )  # fmt: skip
        started = st.form_submit_button("Run", icon=":material/play_arrow:", type="primary")
    if started:
        bar = st.progress(0.0, text="Starting…")

        def tick(done: int, total: int, case_id: str) -> None:
            bar.progress(done / max(total, 1), text=f"{done} of {total} · {case_id}")

        try:
            run = desk.start(dataset, config, extractive=quoted, progress=tick)
            st.success(
                f"Run {run.id[:8]} finished: pass rate {run.summary.get('pass_rate') or 0:.1%} "
                f"over {run.cases} cases."
            )
        except AssistantError as err:
            show_error(err)

    runs = desk.runs()
    if runs:
        table = pd.DataFrame(
            [
                {
                    "run": r.id[:8], "started": r.started_at, "status": r.status,
                    "dataset": f"{r.dataset} {r.dataset_version}", "config": r.config_version,
                    "production then": r.production_then, "cases": r.cases,
                    "pass rate": r.pass_rate,
                }
                for r in reversed(runs)
            ]
        )  # fmt: skip
        st.dataframe(table, hide_index=True)
        long = pd.DataFrame(
            [
                {"started": r.started_at, "metric": m, "value": v, "config": r.config_version,
                 "production then": r.production_then}
                for r in runs if r.status == "complete"
                for m, v in {"pass rate": r.pass_rate, **r.metrics}.items() if v is not None
            ]
        )  # fmt: skip
        if not long.empty:
            names = sorted(long["metric"].unique(), key=lambda m: (m != "pass rate", m))
            metric = st.selectbox("Measure over time", names, format_func=word)
            name = word(metric)
            chart = (
                alt.Chart(long[long["metric"] == metric], title=f"How {name} moved, run by run")
                .mark_line(point=True)
                .encode(
                    x=alt.X("started:T", title="run started"),
                    y=alt.Y("value:Q", title=name, scale=alt.Scale(domain=[0, 1])),
                    color=alt.Color("config:N", title="config"),
                    shape=alt.Shape("production then:N", title="production then"),
                    tooltip=["started:T", "config:N", alt.Tooltip("value:Q", format=".3f")],
                )
            )
            st.altair_chart(chart, width="stretch")
    else:
        st.info("No runs yet. Start one above.", icon=":material/science:")

with compare_tab:
    finished = [r for r in desk.runs() if r.status == "complete"]
    if len(finished) < 2:
        st.info("Two finished runs are needed to compare.", icon=":material/compare_arrows:")
    else:
        labels = {r.id: f"{r.id[:8]} · {r.config_version} · {r.dataset}" for r in finished}
        ids = list(reversed(list(labels)))
        left, right = st.columns(2)
        base = left.selectbox("Baseline", ids, index=1, format_func=labels.get)
        cand = right.selectbox("Candidate", ids, index=0, format_func=labels.get)
        try:
            c = desk.compare(base, cand)
        except AssistantError as err:
            show_error(err)
            c = None
        if c is not None:
            show_comparison(c)

with configs_tab:
    configs = desk.configs()
    st.dataframe(
        pd.DataFrame([{**v.model_dump(), "labels": ", ".join(v.labels)} for v in configs]),
        hide_index=True,
    )
    production = next((v.version for v in configs if "production" in v.labels), None)
    candidate = next((v.version for v in configs if "candidate" in v.labels), None)
    with st.expander("Set a candidate (edit production's config, or paste one)"):
        if production and "candidate_toml" not in st.session_state:
            st.session_state.candidate_toml = desk.config_toml(production)
        text = st.text_area("answering.toml", height=300, key="candidate_toml")
        if st.button("Validate and set as candidate", disabled=not text.strip()):
            try:
                version = desk.set_candidate_from_text(text, f"edited by {me.user_id}")
                st.success(f"Candidate {version} stored. Evaluate it, then promote it.")
            except AssistantError as err:
                show_error(err)
    if candidate and production and candidate != production:
        st.markdown(f"**Candidate {candidate}** against production {production}:")
        st.code(desk.diff(production, candidate) or "no difference", language="diff")
        reason = st.text_input(
            "Reason to override the gate (only if it fails)", key="override_reason"
        )
        if st.button("Promote the candidate", icon=":material/rocket_launch:", type="primary"):
            try:
                done = desk.promote(reason or None)
                how = "overriding the gate" if done.overridden else "the gate passed"
                st.success(f"{done.version} is production ({how}).")
            except AssistantError as err:
                show_error(err)
    older = desk.former_production()
    if older:
        back = st.selectbox("Roll production back to (an earlier production version)", older)
        if st.button("Roll back", icon=":material/undo:"):
            try:
                desk.rollback(back)
                st.success(f"{back} is production again.")
            except AssistantError as err:
                show_error(err)
