"""Knowledge Assistant: the Ask page (home) and the app's navigation."""

import streamlit as st

from assistant.errors import AssistantError
from pages.ui import chat, style
from pages.ui.resources import pipeline, runtime
from pages.ui.signin import RETURN_TO, identity_caption, require, sign_in

# An emoji icon is drawn by the browser; a Material icon would be fetched from Google.
st.set_page_config(page_title="Knowledge Assistant", page_icon="📚")
style.apply()


def ask_page() -> None:
    me = require("ask")
    try:
        rt, answering = runtime(), pipeline()
    except AssistantError as err:
        st.error(f"The assistant could not start: {err}")
        st.stop()
    chat.open_conversation(me, rt)
    chat.conversation_sidebar(me, rt, answering)
    st.title("Ask the company documents")
    st.caption("Answers come only from indexed documents, each claim cited to its passage.")
    typed = st.chat_input(  # pinned below the conversation wherever it is called
        "Ask about policies, IT, travel, onboarding…", max_chars=rt.settings.max_question_chars
    )
    question, fresh = (typed, False) if typed else st.session_state.pop(chat.PENDING, (None, False))
    chat.render_turns(me, rt, asking=bool(question))
    if question:
        chat.ask(question, fresh, me, rt, answering)
    elif not st.session_state[chat.TURNS]:
        chat.suggestions(me, rt)


try:
    principal = sign_in(runtime())
except AssistantError as err:
    st.error(f"The assistant could not start: {err}")
    st.stop()
identity_caption(principal)
PAGES = [  # (permission, page): navigation shows only what the role may open
    ("ask", st.Page(ask_page, title="Ask", icon=":material/chat:", default=True)),
    (
        "feedback",
        st.Page("pages/feedback.py", title="My answers", icon=":material/reviews:"),
    ),
    (  # not pages/review.py: a script named like the review package shadows it on sys.path
        "review",
        st.Page(
            "pages/review_queue.py",
            title="Review",
            icon=":material/rate_review:",
            url_path="review",
        ),
    ),
    ("approve", st.Page("pages/golden.py", title="Golden set", icon=":material/verified:")),
    ("configure", st.Page("pages/evaluation.py", title="Evaluation", icon=":material/science:")),
    ("insights", st.Page("pages/insights.py", title="Insights", icon=":material/insights:")),
    ("documents", st.Page("pages/documents.py", title="Documents", icon=":material/folder_open:")),
    ("audit", st.Page("pages/audit.py", title="Audit log", icon=":material/history:")),
    ("status", st.Page("pages/status.py", title="Status", icon=":material/monitor_heart:")),
]
# A page's address as Streamlit serves its file before the app has run (pages/<stem>),
# where it differs from the page's own.
FILE_ADDRESS = {"review_queue": "review"}
allowed = [page for permission, page in PAGES if principal.can(permission)]
navigation = st.navigation(allowed)
if back := st.session_state.pop(RETURN_TO, None):  # a page opened by its address, signed in now
    wanted = FILE_ADDRESS.get(back, back)
    if target := next((p for p in allowed if p.url_path == wanted), None):
        st.switch_page(target)
navigation.run()
