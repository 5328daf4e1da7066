"""The Ask page in Chromium, as an employee uses it: ask, read the sources, follow up, and
ask something the documents do not cover."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ANSWERS = "[data-testid=stChatMessage]"


def _ask(page, question: str, turn: int) -> object:
    """Type a question; wait until its answer is final (its Copy button has rendered)."""
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(
        f"() => document.querySelectorAll('{ANSWERS}').length >= {2 * turn} && "
        f"document.querySelectorAll('{ANSWERS}')[{2 * turn - 1}].innerText.includes('Copy')",
        timeout=240_000,
    )
    return page.locator(ANSWERS).nth(2 * turn - 1)


def test_ask_cite_open_follow_up_and_refuse(served_app, page, tmp_path) -> None:
    page.goto(served_app.url)
    page.get_by_test_id("stChatInputTextArea").wait_for()
    assert "Ask the company documents" in page.content()

    answer = _ask(page, "What is the nightly hotel limit in London?", 1)
    text = answer.inner_text()
    assert "250" in text and "[1]" in text
    assert "Sources" in text and "Travel and Expense Policy" in text

    answer.get_by_text("Travel and Expense Policy", exact=False).first.click()
    # The passage, in context: innerText (not textContent) so a collapsed source does not count.
    expect(answer).to_contain_text("EUR 250 in London", use_inner_text=True)
    page.screenshot(path=str(tmp_path / "answer-with-source.png"), full_page=True)

    follow_up = _ask(page, "And in most other cities?", 2)
    assert "180" in follow_up.inner_text()

    refusal = _ask(page, "Who won the football world cup in 2018?", 3)
    assert "couldn't find this in the documents" in refusal.inner_text()
    assert "[1]" not in refusal.inner_text()
    page.screenshot(path=str(tmp_path / "refusal.png"), full_page=True)
