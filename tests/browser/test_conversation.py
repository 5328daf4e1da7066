"""A conversation in Chromium, as an employee has it: a suggested question, stop, a new
question while the model writes, regenerate, copy, reload, the list of conversations,
editing the question just answered, rename and delete.

The app answers with ``FakeOpenAI`` (a loopback server speaking the OpenAI protocol) as its
model, so it can write as slowly as a test needs and tell when a stream was abandoned;
Weaviate, SQL and the embedder are the session's real ones."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from fake_openai import FakeOpenAI, Reply
from helpers import ServedApp, idle
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from assistant.runtime.stack import Runtime

pytestmark = pytest.mark.browser

MESSAGES = "[data-testid=stChatMessage]"
LEAVE = "How many days of paid annual leave do full-time employees get?"
REPLY = "Full-time employees receive 28 days of paid annual leave per calendar year [1]. "
HOTEL = "What is the nightly hotel limit in London?"


@pytest.fixture()
def fake() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI(default=Reply(text=REPLY))
    yield server
    server.close()


@pytest.fixture()
def app(runtime: Runtime, fake: FakeOpenAI) -> Iterator[ServedApp]:
    env = {
        "OPENAI_BASE_URL": fake.base_url,
        "OPENAI_API_KEY": "sk-test-not-a-real-key",
        "ASSISTANT_GENERATOR_MODEL": "fake-model",
        "ASSISTANT_AUTH": "demo",
    }
    served = ServedApp(runtime.settings.data_dir, env=env).start()
    yield served
    served.stop()


def _ask(page, question: str) -> None:  # type: ignore[no-untyped-def]
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    box.press("Enter")


def _answers(page):  # type: ignore[no-untyped-def]
    """The assistant's messages, in order."""
    return page.locator(MESSAGES).filter(has=page.get_by_test_id("stChatMessageAvatarAssistant"))


def _answer_after(page, question: str, nth: int = -1):  # type: ignore[no-untyped-def]
    """The message right after the ``nth`` time ``question`` was asked (the last, unless
    told): its answer, however many messages came before."""
    texts = page.locator(MESSAGES).all_inner_texts()
    asked = [i for i, t in enumerate(texts) if question in t and i + 1 < len(texts)]
    assert asked, (question, texts)
    return page.locator(MESSAGES).nth(asked[nth] + 1)


def _open(trigger, inside) -> None:  # type: ignore[no-untyped-def]
    """Open a popover (unless it is open) until ``inside`` shows: a rerun landing with the
    click can close it again, and one left open by the last action closes on a click."""
    for _ in range(3):
        if inside.is_visible():
            return
        trigger.click()
        try:
            inside.wait_for(timeout=5_000)
            return
        except PlaywrightTimeout:
            continue
    inside.wait_for()


def _settled(page, count: int) -> None:  # type: ignore[no-untyped-def]
    """Wait until ``count`` answers are final (each has its Copy button)."""
    expect(page.get_by_role("button", name="Copy")).to_have_count(count, timeout=120_000)
    idle(page)


def test_a_conversation_stops_regenerates_copies_and_survives_a_reload(
    app: ServedApp, fake: FakeOpenAI, browser, tmp_path
) -> None:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.grant_permissions(["clipboard-read", "clipboard-write"], origin=app.url)
    page = ctx.new_page()
    page.set_default_timeout(90_000)
    page.goto(app.url)

    # An empty chat offers questions from the documents' headings; one click asks it.
    page.get_by_text("Try asking:").wait_for()
    main = page.get_by_test_id("stMainBlockContainer")  # not the sidebar: earlier questions
    suggestion = main.get_by_role("button", name=re.compile(r"\?$")).first
    asked = suggestion.inner_text().splitlines()[-1].strip()  # after its icon's name
    suggestion.click()
    _settled(page, 1)
    expect(page.locator(MESSAGES).first).to_contain_text(asked)
    expect(page.get_by_text("Try asking:")).to_have_count(0)

    # Stop while the model writes: the turn keeps what was shown, the stream is abandoned.
    fake.replies.append(Reply(text=REPLY * 30, pace_s=0.15))
    _ask(page, LEAVE)
    page.get_by_text("Writing the answer").wait_for()
    expect(_answer_after(page, LEAVE)).to_contain_text("28 days")
    page.get_by_role("button", name="Stop").click()
    stopped = _answer_after(page, LEAVE)
    expect(stopped).to_contain_text("Stopped: the answer so far")
    expect(stopped).to_contain_text("28 days")
    _settled(page, 2)
    deadline = time.monotonic() + 10
    while fake.abandoned < 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert fake.abandoned == 1  # closing the stream reached the model server

    # A new question while the model writes: the earlier turn stays, with what it had.
    fake.replies.append(Reply(text=REPLY * 30, pace_s=0.15))
    _ask(page, LEAVE)
    page.get_by_text("Writing the answer").wait_for()
    _ask(page, HOTEL)
    _settled(page, 4)
    expect(_answer_after(page, LEAVE)).to_contain_text("Stopped: the answer so far")
    expect(page.locator(MESSAGES)).to_have_count(8)  # nothing disappeared

    # Regenerate the last answer: both stay, each with its own feedback.
    page.get_by_role("button", name="Regenerate").click()
    _settled(page, 5)
    expect(_answers(page).nth(4)).to_contain_text("Regenerated answer")
    assert page.get_by_test_id("stFeedbackButton").count() >= 4  # thumbs under each answer

    # Copy the answer with its sources.
    box = page.get_by_test_id("stPopoverBody").get_by_test_id("stCode")
    _open(page.get_by_role("button", name="Copy").last, box)
    box.hover(force=True)  # its copy button shows on hover
    page.get_by_role("button", name="Copy to clipboard").click(force=True)
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "Sources:" in copied and "[1]" in copied, copied
    page.keyboard.press("Escape")
    page.screenshot(path=str(tmp_path / "conversation.png"), full_page=True)

    # A reload keeps the conversation (its id is in the address).
    assert "?c=" in page.url
    page.reload()
    expect(page.locator(MESSAGES)).to_have_count(10)
    expect(page.locator(MESSAGES).first).to_contain_text(asked)

    # The sidebar lists it by its first question; a new conversation starts empty, and the
    # old one reopens from the list.
    sidebar = page.get_by_test_id("stSidebar")
    listed = sidebar.get_by_role("button", name=asked[:40], exact=False)
    expect(listed).to_have_count(1)
    sidebar.get_by_role("button", name="New conversation").click()
    expect(page.locator(MESSAGES)).to_have_count(0)
    _ask(page, HOTEL)
    _settled(page, 1)

    # Edit the question just answered and send it: asked as a new turn, the first one kept.
    page.locator(MESSAGES).first.get_by_role("button", name="Edit").click()
    page.get_by_label("Edit your question").fill("What is the nightly hotel limit in Zurich?")
    page.get_by_role("button", name="Send", exact=True).click()
    _settled(page, 2)
    expect(page.locator(MESSAGES)).to_have_count(4)
    expect(page.locator(MESSAGES).first).to_contain_text(HOTEL)
    expect(page.locator(MESSAGES).nth(2)).to_contain_text("Zurich")
    sidebar.get_by_role("button", name=asked[:40], exact=False).click()
    expect(page.locator(MESSAGES)).to_have_count(10)

    # Rename it, then delete it.
    manage = sidebar.get_by_role("button", name="Rename or delete this conversation")
    _open(manage, page.get_by_label("New title"))
    page.get_by_label("New title").fill("Leave and hotels")
    page.get_by_role("button", name="Rename", exact=True).click()
    idle(page)
    renamed = sidebar.get_by_role("button", name="Leave and hotels")
    expect(renamed).to_have_count(1)
    # A short title starts at the button's left edge, in line with the longer ones
    button, label = renamed.bounding_box(), renamed.locator("p").bounding_box()
    assert button and label and label["x"] - button["x"] < 60, (button, label)
    delete = page.get_by_test_id("stPopoverBody").get_by_role("button", name="Delete")
    _open(manage, delete)
    delete.click()
    expect(sidebar.get_by_role("button", name="Leave and hotels")).to_have_count(0)
    expect(page.locator(MESSAGES)).to_have_count(0)
    ctx.close()
