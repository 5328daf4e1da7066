"""Review: the queue of answers to grade; claim one, grade it against the rubric."""

from datetime import UTC, datetime, time

import pandas as pd
import streamlit as st

from assistant.answering.guardrails import default_redactor
from assistant.errors import AssistantError
from pages.ui.resources import runtime
from pages.ui.review_forms import grading_form, render_review_detail
from pages.ui.signin import require, show_error
from review.grading import detail, search_passages, submit_grade
from review.queue import QueueFilter, QueuePolicy, claim, list_queue, release, sync_queue

me = require("review")
st.title("Review queue")
rt = runtime()
policy = QueuePolicy.from_settings(rt.settings)
sync_queue(rt.engine, policy)
CLAIMS = "review.claims"  # item id -> the version this reviewer's claim produced
claims: dict[int, int] = st.session_state.setdefault(CLAIMS, {})

with st.expander("Filters", icon=":material/filter_list:"):
    c1, c2, c3, c4 = st.columns(4)
    statuses = c1.multiselect("Status", ["new", "in_review", "graded"], ["new", "in_review"])
    since = c2.date_input("Asked since", value=None)
    document = c3.text_input("Document contains")
    text = c4.text_input("Question contains")
flt = QueueFilter(
    statuses=tuple(statuses) or ("new", "in_review"),
    since=datetime.combine(since, time(), UTC) if since else None,
    document=document or None,
    text=text or None,
)
entries = list_queue(rt.engine, flt, reviewer=me.user_id)
if not entries:
    st.info("Nothing to review with these filters.", icon=":material/task_alt:")
    st.stop()
st.dataframe(
    pd.DataFrame(
        [
            {
                "item": e.item_id,
                "why": e.reason.replace("_", " "),
                "status": e.status.replace("_", " "),
                "question": e.question,
                "asked": e.asked_at,
                "grades": f"{e.grades}/{e.required_reviews}"
                + (" (mine)" if e.graded_by_me else ""),
                "claimed by": e.claimed_by or "",
            }
            for e in entries
        ]
    ),
    hide_index=True,
    use_container_width=True,
)
by_id = {e.item_id: e for e in entries}
item_id = st.selectbox(
    "Item to review",
    list(by_id),
    format_func=lambda i: f"#{i} · {by_id[i].reason.replace('_', ' ')} · {by_id[i].question[:70]}",
)
d = detail(rt.engine, rt.store(), item_id, me.groups)
state = d.claim_state(me.user_id, datetime.now(UTC))
st.subheader(f"Item #{d.item_id} · {d.status.replace('_', ' ')}")
render_review_detail(d)

if state == "mine" and item_id in claims:
    st.caption(f"Claimed by you until {d.claim_expires_at:%H:%M} UTC.")
    query = st.text_input("Search the index for another expected source", key=f"s{item_id}")
    extra = search_passages(rt, query, me.groups) if query else []
    grade, released = grading_form(d, extra, key=f"g{item_id}-r{d.round}")
    try:
        if grade is not None:
            submit_grade(rt.engine, item_id, me.user_id, grade, claims[item_id], default_redactor())
            claims.pop(item_id, None)
            st.toast("Grade saved.", icon=":material/check:")
            st.rerun()
        if released:
            release(rt.engine, item_id, me.user_id, claims.pop(item_id))
            st.rerun()
    except AssistantError as err:
        claims.pop(item_id, None)
        show_error(err)
elif state == "other":
    st.info(f"Claimed by {d.claimed_by} until {d.claim_expires_at:%H:%M} UTC.")
elif state != "closed" and st.button("Claim for review", type="primary", icon=":material/lock:"):
    try:  # free, or mine from an earlier session: claim (again)
        item = claim(rt.engine, item_id, me.user_id, d.version, policy.claim_minutes)
        claims[item_id] = item.version
        st.rerun()
    except AssistantError as err:
        show_error(err)
