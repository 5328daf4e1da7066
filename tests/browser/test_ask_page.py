"""The Ask page in Chromium: it loads, takes a question and answers from the documents."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_chat_page_loads_and_answers_from_documents(served_app, page, tmp_path) -> None:
    page.goto(served_app.url)
    box = page.get_by_test_id("stChatInputTextArea")
    box.wait_for()
    page.screenshot(path=str(tmp_path / "ask-page.png"))
    assert "Ask the company documents" in page.content()
    box.fill("What is the nightly hotel limit in London?")
    box.press("Enter")
    answer = page.get_by_test_id("stChatMessage").nth(1)
    answer.wait_for()
    page.wait_for_function(
        "() => document.querySelectorAll('[data-testid=stChatMessage]')[1]"
        "?.innerText.includes('Hotels')"
    )
    assert "EUR 250" in answer.inner_text()
