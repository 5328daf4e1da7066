"""Feedback on answers: thumbs under each answer, and the form on My answers."""

from __future__ import annotations

import streamlit as st

from assistant.runtime.stack import Runtime
from review.feedback import MyAnswer, feedback_for, record_feedback
from review.models import FEEDBACK_REASONS, FeedbackCreate
from review.queue import QueuePolicy


def _save(runtime: Runtime, data: FeedbackCreate, user_id: str) -> None:
    """Every feedback form saves the same way: queued by the configured policy (free text is
    redacted by ``record_feedback`` itself)."""
    record_feedback(
        runtime.engine, data, user_id=user_id, policy=QueuePolicy.from_settings(runtime.settings)
    )


def feedback_control(runtime: Runtime, interaction_id: str, user_id: str, key: str) -> None:
    """Thumbs stored the moment they are clicked; reason and comment refine the same record."""
    engine = runtime.engine
    existing = feedback_for(engine, interaction_id, user_id)

    def save_thumbs() -> None:
        value = st.session_state.get(f"{key}-thumbs")
        if value is not None:
            _save(
                runtime,
                FeedbackCreate(interaction_id=interaction_id, rating=1 if value == 1 else -1),
                user_id,
            )

    default = None if existing is None else (1 if existing.rating == 1 else 0)
    st.feedback("thumbs", key=f"{key}-thumbs", on_change=save_thumbs)
    if default is not None and st.session_state.get(f"{key}-thumbs") is None:
        st.session_state[f"{key}-thumbs"] = default
    thumbs = st.session_state.get(f"{key}-thumbs")
    if thumbs is None:
        return
    with st.form(key=f"{key}-form", border=False):
        reason = st.selectbox(
            "What was wrong?" if thumbs == 0 else "What was good? (optional)",
            [None, *FEEDBACK_REASONS],
            format_func=lambda r: "—" if r is None else r.replace("_", " "),
            index=0,
        )
        comment = st.text_input("Comment (optional)")
        if st.form_submit_button("Send feedback"):
            _save(
                runtime,
                FeedbackCreate(
                    interaction_id=interaction_id,
                    rating=1 if thumbs == 1 else -1,
                    reason=reason,
                    comment=comment or None,
                ),
                user_id,
            )
            st.toast("Thanks — your feedback was saved.")


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
            format_func=lambda r: "—" if r is None else r.replace("_", " "),
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
