"""My answers: an employee's recent answers and the feedback they gave; change it here."""

import streamlit as st

from assistant.render import safe_inline
from pages.ui.answer import answer_markdown_text
from pages.ui.feedback import feedback_edit_form
from pages.ui.resources import runtime
from pages.ui.signin import require
from review.feedback import recent_answers

me = require("feedback")
st.title("My answers")
st.caption("Your recent answers and your feedback on them. Reviewers see thumbs-downs first.")
rt = runtime()
answers = recent_answers(rt.engine, me.reader())
if not answers:
    st.info("You have not asked anything yet.", icon=":material/chat:")
for mine in answers:
    mark = "" if mine.feedback is None else (" 👍" if mine.feedback.rating == 1 else " 👎")
    with st.expander(f"{mine.asked_at:%Y-%m-%d %H:%M} · {safe_inline(mine.question[:90])}{mark}"):
        st.markdown(answer_markdown_text(mine.answer))
        if mine.documents:
            st.caption("Sources: " + safe_inline(", ".join(mine.documents)))
        feedback_edit_form(rt, mine, me.user_id)
