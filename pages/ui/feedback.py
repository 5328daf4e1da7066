"""Feedback on answers: thumbs under each answer, and the form on My answers."""

from __future__ import annotations

import streamlit as st

from assistant.errors import AssistantError
from assistant.render import safe_inline
from assistant.runtime.stack import Runtime
from review.feedback import MyAnswer, feedback_for, record_feedback
from review.labels import word
from review.models import FEEDBACK_REASONS, FeedbackCreate
from review.queue import QueuePolicy


def _save(runtime: Runtime, data: FeedbackCreate, user_id: str) -> None:
    """Every feedback form saves the same way: queued by the configured policy (free text is
    redacted by ``record_feedback`` itself)."""
    record_feedback(
        runtime.engine, data, user_id=user_id, policy=QueuePolicy.from_settings(runtime.settings)
    )


def feedback_control(runtime: Runtime, interaction_id: str, user_id: str, key: str) -> None:
    """Thumbs stored the moment they are clicked; reason and comment refine the same record.
    Once sent (or given earlier) it collapses to what was sent, and reopens to change it."""
    engine = runtime.engine
    existing = feedback_for(engine, interaction_id, user_id)
    open_key = f"{key}-open"
    if existing is not None and not st.session_state.get(open_key):
        thumbs = ":material/thumb_up:" if existing.rating == 1 else ":material/thumb_down:"
        said = " · ".join(x for x in (word(existing.reason), existing.comment or "") if x)
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.caption(
            f":material/check_circle: Feedback sent {thumbs}"
            + (f" ({safe_inline(said)})" if said else "")
        )
        right.button("Change", key=f"{key}-change", type="tertiary", on_click=_reopen, args=(key,))
        return

    def save_thumbs() -> None:
        value = st.session_state.get(f"{key}-thumbs")
        if value is not None:
            _save(
                runtime,
                FeedbackCreate(interaction_id=interaction_id, rating=1 if value == 1 else -1),
                user_id,
            )
            st.session_state[open_key] = True  # keep the form open for a reason

    if existing is not None and st.session_state.get(f"{key}-thumbs") is None:
        # before the widget is drawn: the thumbs already given (state set after it raises)
        st.session_state[f"{key}-thumbs"] = 1 if existing.rating == 1 else 0
    st.feedback("thumbs", key=f"{key}-thumbs", on_change=save_thumbs)
    thumbs = st.session_state.get(f"{key}-thumbs")
    if thumbs is None:
        return
    if problem := st.session_state.pop(f"{key}-error", None):
        st.error(problem)
    with st.form(key=f"{key}-form", border=False):
        options = [None, *FEEDBACK_REASONS]
        given = existing.reason if existing is not None else None
        st.selectbox(
            "What was wrong?" if thumbs == 0 else "What was good? (optional)",
            options,
            format_func=lambda r: "—" if r is None else word(r),
            index=options.index(given) if given in options else 0,
            key=f"{key}-reason",
        )
        st.text_input(
            "Comment (optional)",
            value=(existing.comment or "") if existing else "",
            key=f"{key}-comment",
        )
        st.form_submit_button(
            "Send feedback", on_click=_send, args=(runtime, interaction_id, user_id, key)
        )


def _send(runtime: Runtime, interaction_id: str, user_id: str, key: str) -> None:
    """The form's values, saved; the control then collapses to what was sent."""
    state = st.session_state
    try:
        _save(
            runtime,
            FeedbackCreate(
                interaction_id=interaction_id,
                rating=1 if state.get(f"{key}-thumbs") == 1 else -1,
                reason=state.get(f"{key}-reason"),
                comment=state.get(f"{key}-comment") or None,
            ),
            user_id,
        )
    except AssistantError as err:
        state[f"{key}-error"] = f"Your feedback could not be saved: {err}"
        return
    state[f"{key}-open"] = False
    st.toast("Thanks — your feedback was saved.")


def _reopen(key: str) -> None:
    st.session_state[f"{key}-open"] = True


def feedback_edit_form(runtime: Runtime, mine: MyAnswer, user_id: str) -> None:
    """Add or change feedback on one of my earlier answers (the same record is updated)."""
    given = mine.feedback
    key = f"my-{mine.interaction_id}"
    with st.form(key):
        rating = st.radio(
            "Was this answer helpful?",
            [1, -1],
            format_func={1: "👍 Yes", -1: "👎 No"}.get,
            index=None if given is None else (0 if given.rating == 1 else 1),
            horizontal=True,
        )
        options = [None, *FEEDBACK_REASONS]
        reason = st.selectbox(
            "Reason",
            options,
            index=options.index(given.reason) if given and given.reason in options else 0,
            format_func=lambda r: "—" if r is None else word(r),
        )
        comment = st.text_input("Comment", value=(given.comment or "") if given else "")
        correct = st.text_area(
            "The correct answer (optional)", value=(given.correct_answer or "") if given else ""
        )
        source = st.text_input(
            "The right source (optional: document or section)",
            value=(given.correct_source or "") if given else "",
        )
        if st.form_submit_button("Save feedback"):
            if rating is None:
                st.warning("Choose 👍 or 👎 first.")
                return
            _save(
                runtime,
                FeedbackCreate(
                    interaction_id=mine.interaction_id,
                    rating=rating,
                    reason=reason,
                    comment=comment or None,
                    correct_answer=correct or None,
                    correct_source=source or None,
                ),
                user_id,
            )
            st.toast("Feedback saved.")
