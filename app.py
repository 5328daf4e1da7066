"""Knowledge Assistant: the Ask page and the app's navigation."""

import streamlit as st

from assistant.errors import AssistantError
from assistant.resources import runtime
from assistant.retrieve import SearchRequest

st.set_page_config(page_title="Knowledge Assistant", page_icon=":material/menu_book:")

HISTORY = "ask.history"


def ask_page() -> None:
    st.title("Ask the company documents")
    st.caption("Answers come only from indexed documents, with their sources.")
    st.session_state.setdefault(HISTORY, [])
    try:
        rt = runtime()
    except AssistantError as err:
        st.error(f"The assistant could not start: {err}")
        st.stop()
    for turn in st.session_state[HISTORY]:
        with st.chat_message(turn["role"]):
            st.markdown(turn["text"])
    question = st.chat_input("Ask a question about company policies, IT, travel…")
    if not question:
        return
    with st.chat_message("user"):
        st.markdown(question)
    hits = rt.retriever().search(SearchRequest(question, k=5))
    lines = [f"**{h.chunk.title}** — {h.chunk.section or 'top'}\n\n> {h.chunk.text}" for h in hits]
    text = "\n\n".join(lines) if lines else "I couldn't find this in the documents."
    with st.chat_message("assistant"):
        st.markdown(text)
    st.session_state[HISTORY] += [
        {"role": "user", "text": question},
        {"role": "assistant", "text": text},
    ]


navigation = st.navigation(
    [
        st.Page(ask_page, title="Ask", icon=":material/chat:", default=True),
        st.Page("pages/status.py", title="Status", icon=":material/monitor_heart:"),
    ]
)
navigation.run()
