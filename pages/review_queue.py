"""Review: the queue of answers to grade; claim one, grade it against the rubric."""

from datetime import UTC, datetime, time

import pandas as pd
import streamlit as st

from assistant.errors import AssistantError
from assistant.phrases import counted
from pages.ui.resources import runtime
from pages.ui.review_forms import grading_form, render_review_detail
from pages.ui.signin import require, show_error
from review.desk import ReviewDesk
from review.labels import word
from review.queue import QueueFilter

me = require("review")
st.set_page_config(layout="wide")
st.title("Review queue")
desk = ReviewDesk(runtime(), me.reader())
CLAIMS = "review.claims"  # item id -> the version this reviewer's claim produced
claims: dict[int, int] = st.session_state.setdefault(CLAIMS, {})

if me.role == "admin":
    unreachable = desk.out_of_reach()
    if unreachable:
        groups = sorted({g for u in unreachable for g in u.groups}) or ["unknown"]
        st.warning(
            f"{counted(len(unreachable), 'answer')} need a group no reviewer holds "
            f"({', '.join(groups)}): give a reviewer that group with `users set`.",
            icon=":material/lock:",
        )

with st.expander("Filters", icon=":material/filter_list:"):
    c1, c2, c3, c4 = st.columns(4)
    statuses = c1.multiselect(
        "Status", ["new", "in_review", "graded"], ["new", "in_review"], format_func=word
    )
    since = c2.date_input("Asked since", value=None)
    document = c3.text_input("Document contains")
    text = c4.text_input("Question contains")
flt = QueueFilter(
    statuses=tuple(statuses) or ("new", "in_review"),
    since=datetime.combine(since, time(), UTC) if since else None,
    document=document or None,
    text=text or None,
)
entries = desk.queue(flt)
if not entries:
    st.info(
        "Nothing to review with these filters. Answers come here when someone gives a "
        "thumbs-down, when an answer was refused or had low confidence, and as a random "
        "sample of the rest.",
        icon=":material/task_alt:",
    )
    st.stop()
st.dataframe(
    pd.DataFrame(
        [
            {
                "item": e.item_id,
                "why": word(e.reason),
                "status": word(e.status),
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
    column_config={"asked": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
)
by_id = {e.item_id: e for e in entries}
item_id = st.selectbox(
    "Item to review",
    list(by_id),
    format_func=lambda i: f"#{i} · {word(by_id[i].reason)} · {by_id[i].question[:70]}",
)
try:
    d = desk.detail(item_id)
except AssistantError as err:  # gone, or no longer readable, since the list was drawn
    show_error(err)
    st.stop()
state = d.claim_state(me.user_id, datetime.now(UTC))
st.subheader(f"Item #{d.item_id} · {word(d.status)}")
render_review_detail(d)

if state == "mine" and item_id in claims:
    st.caption(f"Claimed by you until {d.claim_expires_at:%H:%M} UTC.")
    query = st.text_input("Search the index for another expected source", key=f"s{item_id}")
    extra = desk.search(query) if query else []
    grade, released = grading_form(d, extra, key=f"g{item_id}-r{d.round}")
    try:
        if grade is not None:
            desk.grade(item_id, grade, claims[item_id])
            claims.pop(item_id, None)
            st.toast("Grade saved.", icon=":material/check:")
            st.rerun()
        if released:
            desk.release(item_id, claims.pop(item_id))
            st.rerun()
    except AssistantError as err:
        claims.pop(item_id, None)
        show_error(err)
elif state == "other":
    st.info(f"Claimed by {d.claimed_by} until {d.claim_expires_at:%H:%M} UTC.")
elif state != "closed" and st.button("Claim for review", type="primary", icon=":material/lock:"):
    try:  # free, or mine from an earlier session: claim (again)
        item = desk.claim(item_id, d.version)
        claims[item_id] = item.version
        st.rerun()
    except AssistantError as err:
        show_error(err)
