"""The Ask page's conversation: its turns, the one answer region that gets better as the
answer is made (quoted preview -> the model's words -> the verified answer), stop,
regenerate, edit and resend, copy, and the sidebar list of the user's conversations.

A turn joins the conversation the moment it is asked: a stop, or a new question while the
model writes, interrupts this script run, and the turn keeps what the reader had seen."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

import streamlit as st

from assistant.answering import conversations
from assistant.answering.answer import Answer, Preview, as_plain_text
from assistant.answering.pipeline import Asker, Pipeline, Turn
from assistant.answering.suggestions import suggested_questions
from assistant.errors import AssistantError
from assistant.identity.accounts import Principal
from assistant.render import StreamingMarkdown, safe_inline
from assistant.runtime import logs
from assistant.runtime.stack import Runtime
from pages.ui.answer import render_answer, render_preview
from pages.ui.feedback import feedback_control

log = logging.getLogger("assistant.app")

TURNS = "ask.turns"  # [ChatTurn]
CONVERSATION = "ask.conversation_id"
PENDING = "ask.pending"  # (question, fresh): asked by a button rather than the chat input
EDITING = "ask.editing"  # index of the turn whose question is being edited
REGENERATED = ":material/refresh: Regenerated answer (the one before it is kept)"
URL_KEY = "c"  # ?c=<conversation id>: a reload reopens the conversation


@dataclass
class ChatTurn:
    question: str
    answer: Answer | None = None  # None: withheld on reopening, or stopped before any answer
    note: str = ""  # shown instead of an answer when there is none
    error: str = ""  # answering failed: what the reader was told
    regenerated: bool = False


def new_conversation() -> None:
    st.session_state[TURNS] = []
    st.session_state[CONVERSATION] = uuid.uuid4().hex
    st.session_state.pop(EDITING, None)
    st.query_params.pop(URL_KEY, None)


def open_conversation(me: Principal, rt: Runtime) -> None:
    """Keep the session's conversation and the address in step: an address naming another
    of the user's conversations reopens it; one that is not theirs starts a new one."""
    st.session_state.setdefault(TURNS, [])
    st.session_state.setdefault(CONVERSATION, uuid.uuid4().hex)
    wanted = st.query_params.get(URL_KEY)
    if not wanted or wanted == st.session_state[CONVERSATION]:
        return
    try:
        stored = conversations.reopen(rt.engine, rt.store(), me.user_id, wanted, me.groups)
    except AssistantError as err:
        new_conversation()
        st.warning(f"That conversation could not be opened. {err}", icon=":material/lock:")
        return
    st.session_state[TURNS] = [
        ChatTurn(t.question, t.answer, note="" if t.answer else conversations.UNREADABLE)
        for t in stored
    ]
    st.session_state[CONVERSATION] = wanted
    st.session_state.pop(EDITING, None)


def _go_to(conversation_id: str) -> None:
    st.query_params[URL_KEY] = conversation_id


def conversation_sidebar(me: Principal, rt: Runtime, answering: Pipeline) -> None:
    """The user's conversations, most recent first; rename or delete the open one."""
    bar = st.sidebar
    bar.button(
        "New conversation",
        icon=":material/add_comment:",
        on_click=new_conversation,
        key="sidebar-new",
    )
    try:
        mine = conversations.listed(rt.engine, me.user_id)
    except AssistantError as err:
        bar.caption(f"Your conversations could not be listed: {err}")
        return
    if not mine:
        return
    bar.caption("Your conversations")
    current = st.session_state[CONVERSATION]
    for c in mine:
        bar.button(  # one line each, cut with an ellipsis, as in any chat assistant
            safe_inline(c.title),
            wrap=False,
            width="stretch",
            key=f"conv-{c.id}",
            on_click=_go_to,
            args=(c.id,),
            type="secondary" if c.id == current else "tertiary",
            icon=":material/chat_bubble:" if c.id == current else None,
            help=f"{safe_inline(c.title)}  \nLast used {c.updated_at:%Y-%m-%d %H:%M} UTC",
        )
    if any(c.id == current for c in mine):
        with bar.popover("Rename or delete this conversation", icon=":material/edit:"):
            title = st.text_input("New title", key=f"rename-{current}")
            if st.button("Rename", key=f"rename-go-{current}") and title:
                try:
                    conversations.rename(
                        rt.engine, me.user_id, current, title, answering.stored_form
                    )
                    st.rerun()
                except AssistantError as err:
                    st.error(str(err))
            if st.button("Delete", key=f"delete-{current}", icon=":material/delete:"):
                try:
                    conversations.delete(rt.engine, me.user_id, current)
                except AssistantError as err:  # gone already (another tab), or the database
                    st.error(str(err))
                else:
                    new_conversation()
                    st.rerun()


def _ask_again(question: str, fresh: bool) -> None:
    st.session_state[PENDING] = (question, fresh)
    st.session_state.pop(EDITING, None)


def _resend(i: int) -> None:
    """The edited question (read when Send is clicked), asked as a new turn."""
    _ask_again(st.session_state.get(f"edit-{i}", ""), False)


def _start_edit(i: int) -> None:
    st.session_state[EDITING] = i


def _question(i: int, question: str) -> None:
    """Turn ``i``'s question, with its Edit button (or, while edited, the edit box)."""
    with st.chat_message("user"):
        if st.session_state.get(EDITING) == i:
            st.text_area("Edit your question", question, key=f"edit-{i}")
            c1, c2 = st.columns(2)
            c1.button("Send", key=f"resend-{i}", on_click=_resend, args=(i,), type="primary")
            c2.button("Cancel", key=f"cancel-{i}", on_click=st.session_state.pop,
                      args=(EDITING, None))  # fmt: skip
        else:
            st.text(question)
            st.button("Edit", key=f"edit-btn-{i}", icon=":material/edit:", type="tertiary",
                      on_click=_start_edit, args=(i,))  # fmt: skip


def render_turns(me: Principal, rt: Runtime, asking: bool) -> None:
    """Every turn so far, with its answer, feedback and actions (``asking``: a new turn
    follows, so none of these is the last)."""
    turns: list[ChatTurn] = st.session_state[TURNS]
    for i, turn in enumerate(turns):
        _question(i, turn.question)
        with st.chat_message("assistant"):
            if turn.regenerated:
                st.caption(REGENERATED)
            if turn.error:
                st.error(turn.error)
            elif turn.answer is None:
                st.caption(turn.note or "Stopped before an answer was shown.")
            else:
                last = i == len(turns) - 1 and not asking
                _render_final(turn, rt, me, key=f"t{i}", last=last)


def _render_final(turn: ChatTurn, rt: Runtime, me: Principal, key: str, last: bool) -> None:
    answer = turn.answer
    assert answer is not None
    if answer.mode == "stopped":
        st.caption(":material/stop_circle: Stopped: the answer so far.")
    render_answer(answer, rt, key=key, groups=me.groups, show_versions=me.can("review"))
    with st.container(horizontal=True, vertical_alignment="center"):
        with st.popover("Copy", icon=":material/content_copy:"):
            st.caption("Copy with the button at the right of the box.")
            st.code(as_plain_text(answer), language=None, wrap_lines=True)
        if last and answer.refusal_reason not in ("out_of_scope", "empty_question"):
            st.button(
                "Regenerate",
                key=f"{key}-regen",
                icon=":material/refresh:",
                on_click=_ask_again,
                args=(turn.question, True),
            )
    if answer.interaction_id:
        feedback_control(rt, answer.interaction_id, me.user_id, key=f"fb-{answer.interaction_id}")


def suggestions(me: Principal, rt: Runtime) -> None:
    """Example questions on an empty chat, from the headings of documents the reader may read."""
    try:
        offered = suggested_questions(rt.store(), me.groups)
    except Exception:  # suggestions are a convenience: never a reason the page fails
        log.exception("Suggested questions could not be read.")
        return
    if not offered:
        return
    st.caption("Try asking:")
    for i, question in enumerate(offered):
        # A label renders Markdown (links, images): a heading is the documents' text.
        st.button(safe_inline(question), key=f"suggest-{i}", on_click=_ask_again,
                  args=(question, False), icon=":material/help:", type="tertiary")  # fmt: skip


def ask(question: str, fresh: bool, me: Principal, rt: Runtime, answering: Pipeline) -> None:
    """Answer one question in a single region: the quoted preview at once, the model's words
    in its place as they come, the verified answer last. A stop (or a new question) keeps
    the turn with what had been shown."""
    turns: list[ChatTurn] = st.session_state[TURNS]
    history = [
        Turn(t.question, t.answer.text, t.answer.standalone_query)
        for t in turns
        if t.answer is not None
    ]
    turn = ChatTurn(question, regenerated=fresh)
    turns.append(turn)  # in the conversation now: an interruption keeps it
    st.query_params[URL_KEY] = st.session_state[CONVERSATION]
    _question(len(turns) - 1, question)  # editable at once (an edit stops this answer)
    with st.chat_message("assistant"):
        if fresh:
            st.caption(REGENERATED)
        region, controls = st.empty(), st.empty()
        region.caption(":material/search: Searching the documents…")
        controls.button("Stop", key=f"stop-{len(turns)}", icon=":material/stop_circle:")
        stopped: list[Answer] = []
        final: list[Answer] = []
        stream = answering.stream(
            question,
            asker=Asker(user_id=me.user_id, groups=me.groups),
            history=history,
            conversation_id=st.session_state[CONVERSATION],
            on_stopped=stopped.append,
            fresh=fresh,
        )
        failure = None
        try:
            shown, written = None, StreamingMarkdown()
            for event in stream:
                if isinstance(event, Answer):
                    final.append(event)
                elif isinstance(event, Preview):
                    render_preview(event.answer, region)
                    turn.answer = event.answer.model_copy(update={"mode": "stopped"})
                else:  # the model's words replace the preview, sanitised as they stream
                    if shown is None:
                        with region.container():
                            shown = st.empty()
                            st.caption(":material/edit_note: Writing the answer…")
                    shown.markdown(written.add(event))
        except AssistantError as err:
            failure = f"The assistant could not answer: {err}"
        except Exception as err:  # a bug: the reader gets a plain message, the log the traceback
            with logs.request(logs.of(err)):  # the failed answer's id, when it was the pipeline
                log.exception("Answering failed (conversation %s).", st.session_state[CONVERSATION])
            failure = (
                "Something went wrong while answering this question. Please try again; if it "
                "keeps happening, tell the team that runs the assistant."
            )
        finally:  # also on a stop: closing the stream stops the model and logs what was seen
            stream.close()
            if stopped:
                turn.answer = stopped[0]
        controls.empty()
        region.empty()
        if failure:
            turn.answer, turn.error = None, failure
            st.error(failure)
            return
        turn.answer = final[0]
        _render_final(turn, rt, me, key=f"t{len(turns) - 1}", last=True)
