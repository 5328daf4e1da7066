"""Knowledge Assistant: the Ask page (home) and the app's navigation."""

import logging
import uuid

import streamlit as st

from assistant.answering.answer import Answer, Preview
from assistant.answering.pipeline import Asker, Turn
from assistant.errors import AssistantError
from assistant.render import StreamingMarkdown
from pages.ui.answer import render_answer, render_preview
from pages.ui.feedback import feedback_control
from pages.ui.resources import pipeline, runtime
from pages.ui.signin import identity_caption, require, sign_in

# An emoji icon is drawn by the browser; a Material icon would be fetched from Google.
st.set_page_config(page_title="Knowledge Assistant", page_icon="📚")

log = logging.getLogger("assistant.app")

TURNS = "ask.turns"  # [(question, Answer)]
CONVERSATION = "ask.conversation_id"


def new_conversation() -> None:
    st.session_state[TURNS] = []
    st.session_state[CONVERSATION] = uuid.uuid4().hex


def ask_page() -> None:
    me = require("ask")
    asker = Asker(user_id=me.user_id, groups=me.groups)
    st.session_state.setdefault(TURNS, [])
    st.session_state.setdefault(CONVERSATION, uuid.uuid4().hex)
    left, right = st.columns([5, 2], vertical_alignment="bottom")
    left.title("Ask the company documents")
    right.button("New conversation", icon=":material/add_comment:", on_click=new_conversation)
    st.caption("Answers come only from indexed documents, each claim cited to its passage.")
    try:
        rt, answering = runtime(), pipeline()
    except AssistantError as err:
        st.error(f"The assistant could not start: {err}")
        st.stop()

    for i, (question, answer) in enumerate(st.session_state[TURNS]):
        with st.chat_message("user"):
            st.text(question)
        with st.chat_message("assistant"):
            render_answer(answer, rt, key=f"t{i}", groups=me.groups)
            if answer.interaction_id:
                feedback_control(rt, answer.interaction_id, me.user_id, key=f"fb{i}")

    question = st.chat_input(
        "Ask about policies, IT, travel, onboarding…", max_chars=rt.settings.max_question_chars
    )
    if not question:
        return
    with st.chat_message("user"):
        st.text(question)
    history = [Turn(q, a.text) for q, a in st.session_state[TURNS]]
    final: list[Answer] = []

    with st.chat_message("assistant"):
        quick, live = st.empty(), st.empty()

        def deltas():
            for event in answering.stream(
                question,
                asker=asker,
                history=history,
                conversation_id=st.session_state[CONVERSATION],
            ):
                if isinstance(event, Answer):
                    final.append(event)
                elif isinstance(event, Preview):
                    render_preview(event.answer, quick)
                else:
                    yield event

        failure = None
        try:
            with live.container(), st.spinner("Working on the answer…"):
                shown, written = st.empty(), StreamingMarkdown()
                for delta in deltas():  # sanitised as it streams, not only at the end
                    shown.markdown(written.add(delta))
        except AssistantError as err:
            failure = f"The assistant could not answer: {err}"
        except Exception:  # a bug: the reader gets a plain message, the log the traceback
            log.exception("Answering failed (conversation %s).", st.session_state[CONVERSATION])
            failure = (
                "Something went wrong while answering this question. Please try again; if it "
                "keeps happening, tell the team that runs the assistant."
            )
        quick.empty()
        live.empty()  # both replaced by the verified answer, or by the error
        if failure:
            st.error(failure)
            return
        answer = final[0]
        render_answer(answer, rt, key=f"t{len(st.session_state[TURNS])}", groups=me.groups)
        if answer.interaction_id:
            feedback_control(
                rt, answer.interaction_id, me.user_id, key=f"fb{len(st.session_state[TURNS])}"
            )
    st.session_state[TURNS].append((question, answer))


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
    ("documents", st.Page("pages/documents.py", title="Documents", icon=":material/folder_open:")),
    ("audit", st.Page("pages/audit.py", title="Audit log", icon=":material/history:")),
    ("status", st.Page("pages/status.py", title="Status", icon=":material/monitor_heart:")),
]
st.navigation([page for permission, page in PAGES if principal.can(permission)]).run()
