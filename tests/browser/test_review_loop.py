"""The whole review loop in Chromium with three signed-in users (ASSISTANT_AUTH=local):
an employee asks and gives a thumbs-down with a reason; a reviewer claims and grades with
per-citation verdicts and a corrected answer; a lead approves and exports JSONL; the
exported case has the ragas fields and pinned chunk ids; on the Evaluation page the lead
replays that golden version on production and on a candidate config (edited in the page)
that refuses everything, and the gate refuses to promote the candidate; re-indexing the
cited document with a change marks the case stale."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ServedApp, assistant_cli, choose, in_nav, local_accounts_env
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

QUESTION = "How many days of paid annual leave do full-time employees get?"
USERS = {"emma": "employee", "rita": "reviewer", "lena": "lead"}
PASSWORD = "a long test password"


@pytest.fixture(scope="module")
def loop_app(runtime, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServedApp, Path]]:  # type: ignore[no-untyped-def]
    root = tmp_path_factory.mktemp("loop")
    env = local_accounts_env(runtime.settings.data_dir, root, "Loop")
    env["ASSISTANT_REVIEW_SAMPLE_RATE"] = "0"
    docs = root / "docs"
    for name, role in USERS.items():
        done = assistant_cli(
            "users", "add", name, "--role", role, "--password-stdin", env=env,
            input=PASSWORD + "\n",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    app = ServedApp(runtime.settings.data_dir, env=env).start()
    yield app, docs
    app.stop()


def _sign_in(browser, app: ServedApp, user: str, path: str = ""):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(90_000)
    page.goto(app.url + path)
    page.get_by_role("textbox", name="User name").fill(user)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text(f"{user} · {USERS[user]}").wait_for()
    return context, page


def _go(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name, exact=True).click()


def _radio(page, label: str, option: str) -> None:  # type: ignore[no-untyped-def]
    group = page.get_by_test_id("stRadio").filter(has_text=label).first
    group.get_by_text(option, exact=True).click()


def _evaluate(page, dataset: str, config: str) -> None:  # type: ignore[no-untyped-def]
    """Start an eval run from the Evaluation page's form (the model answers, not quotes)."""
    form = page.get_by_test_id("stForm")
    for label, option in (("Dataset", dataset), ("Configuration", config)):
        choose(page, form.get_by_test_id("stSelectbox").filter(has_text=label), option)
    form.get_by_role("button", name="Run").click()


def test_employee_reviewer_and_lead_close_the_loop(loop_app, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app, docs = loop_app

    # -- The employee asks and gives a thumbs-down with a reason ---------------------------
    ctx, page = _sign_in(browser, app, "emma")
    assert in_nav(page, "My answers")
    assert not in_nav(page, "Review") and not in_nav(page, "Golden set")
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(QUESTION)
    box.press("Enter")
    answer = page.get_by_test_id("stChatMessage").nth(1)
    answer.get_by_role("button", name="Copy").wait_for(timeout=240_000)
    assert "[1]" in answer.inner_text()
    assert "config" not in answer.inner_text()  # versions are for reviewers and leads
    answer.get_by_test_id("stFeedbackButton").nth(1).click()  # thumbs down
    choose(page, answer.get_by_test_id("stSelectbox"), "incomplete")
    answer.get_by_role("button", name="Send feedback").click()
    page.get_by_text("your feedback was saved").wait_for()
    answer.get_by_text("Feedback sent").wait_for()  # collapsed to what was sent
    expect(answer.get_by_text("incomplete")).to_have_count(1)
    answer.get_by_role("button", name="Change").click()  # and reopened to change it
    answer.get_by_role("button", name="Send feedback").wait_for()
    ctx.close()
    # Typing a reviewer page's address: after sign-in the employee lands on Ask instead.
    ctx, page = _sign_in(browser, app, "emma", path="/review")
    page.get_by_text("Ask the company documents").wait_for()
    assert "Review queue" not in page.content() and not page.url.endswith("/review")
    ctx.close()

    # -- The reviewer claims and grades -----------------------------------------------------
    ctx, page = _sign_in(browser, app, "rita")
    assert in_nav(page, "Review") and not in_nav(page, "Golden set")
    _go(page, "Review")
    page.get_by_text("Review queue").wait_for()
    page.get_by_text("in the queue: thumbs down").wait_for()
    page.get_by_role("button", name="Claim for review").click()
    page.get_by_role("button", name="Submit grade").wait_for()
    _radio(page, "Correctness", "3")
    page.get_by_role("button", name="Submit grade").click()  # too early: says what is missing
    page.get_by_text("Still to rate: groundedness, completeness, helpfulness").wait_for()
    for field, value in (
        ("Correctness", "3"), ("Groundedness", "5"), ("Completeness", "2"), ("Helpfulness", "4"),
    ):  # fmt: skip
        _radio(page, field, value)
    citations = page.get_by_test_id("stRadio").filter(has_text="Does passage [")
    for i in range(citations.count()):  # every citation needs a verdict
        citations.nth(i).get_by_text("supports it", exact=True).click()
    expect(page.get_by_text("Still to rate")).to_have_count(0)  # gone once all are rated
    page.get_by_label("Corrected reference answer").fill(
        "Full-time employees get 28 days of paid annual leave per calendar year."
    )
    page.screenshot(path=str(tmp_path / "grading.png"), full_page=True)
    page.get_by_role("button", name="Submit grade").click()
    page.get_by_text("Nothing to review").wait_for()
    ctx.close()

    # -- The lead approves and exports JSONL ----------------------------------------------
    ctx, page = _sign_in(browser, app, "lena")
    _go(page, "Golden set")
    page.get_by_role("button", name="Approve as golden case").click()
    page.get_by_text("No graded answers wait for approval").wait_for()
    page.get_by_role("tab", name="Export").click()
    page.get_by_role("button", name="Create export").click()
    # One export is one dataset version with a file in each of the four formats.
    expect(page.get_by_role("button", name=re.compile(r"^Download golden-v1-"))).to_have_count(4)
    expect(page.get_by_role("button", name=re.compile(r"^Download golden-v2"))).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_role("button", name=re.compile(r"^Download golden-v1-jsonl")).click()
    exported = tmp_path / "golden.jsonl"
    download.value.save_as(exported)
    (case,) = [json.loads(line) for line in exported.read_text().splitlines()]
    for field in ("user_input", "retrieved_contexts", "reference_contexts", "response"):
        assert case[field], field
    assert case["reference"].startswith("Full-time employees get 28 days")
    assert case["user_input"] == QUESTION
    assert case["cited_chunks"][0]["chunk_id"] and case["cited_chunks"][0]["content_hash"]
    assert case["cited_chunks"][0]["document"].endswith("employee-handbook.md")
    assert case["grades"]["correctness"] == 3 and case["citation_verdicts"]["1"] == "supports"

    # -- The lead evaluates production and a broken candidate; the gate refuses it ---------
    _go(page, "Evaluation")
    _evaluate(page, "golden-v1", "production")
    page.get_by_text("pass rate 100.0% over 1 cases").wait_for(timeout=240_000)
    page.get_by_role("tab", name="Configurations").click()
    page.get_by_text("Set a candidate").click()
    editor = page.get_by_label("answering.toml")
    production_toml = editor.input_value()
    assert "min_similarity = 0.43" in production_toml  # production's config, to edit
    broken = production_toml.replace("min_similarity = 0.43", "min_similarity = 0.99")
    # and no passage close enough with the question's words either (refusal's terms rule)
    broken = broken.replace("min_similarity_with_terms = 0.31", "min_similarity_with_terms = 0.99")
    editor.fill(broken)
    page.get_by_role("button", name="Validate and set as candidate").click()
    page.get_by_text("stored. Evaluate it, then promote it.").wait_for()
    page.get_by_role("tab", name="Runs").click()
    _evaluate(page, "golden-v1", "candidate")
    page.get_by_text("pass rate 0.0% over 1 cases").wait_for(timeout=240_000)
    page.get_by_role("tab", name="Compare").click()
    page.get_by_text("went from pass to fail").wait_for()
    page.get_by_role("tab", name="Configurations").click()
    page.get_by_text("min_similarity").first.wait_for()  # the diff against production
    page.get_by_role("button", name="Promote the candidate").click()
    page.get_by_text("The promotion is refused").wait_for()
    page.screenshot(path=str(tmp_path / "refused.png"), full_page=True)
    refused = assistant_cli("config", "list", env=app.env)
    assert refused.returncode == 0, refused.stderr
    (production_row,) = [line for line in refused.stdout.splitlines() if "production" in line]
    assert "candidate" not in production_row  # production did not move

    # -- The cited document changes; re-indexing marks the case stale ---------------------
    handbook = docs / "employee-handbook.md"
    handbook.write_text(handbook.read_text() + "\n\n## Parking\n\nParking is free for staff.\n")
    _go(page, "Documents")
    # the uploader states the limit ingestion applies (ASSISTANT_MAX_FILE_MB, 50 by default)
    page.get_by_text(re.compile(r"\b50(\.0)? ?MB per file")).wait_for()
    page.get_by_role("button", name="Re-index all documents").click()
    page.get_by_text("1 golden case flagged stale").wait_for(timeout=180_000)
    _go(page, "Golden set")
    page.get_by_role("tab", name="Golden cases").click()
    page.get_by_text("Send back to review").wait_for()
    page.screenshot(path=str(tmp_path / "stale.png"), full_page=True)

    # -- Upload a document, preview it, delete it ------------------------------------------
    _go(page, "Documents")
    note = tmp_path / "parking-rules.md"
    note.write_text("# Parking rules\n\n## Visitors\n\nVisitors park on level -1.\n")
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(note))
    page.get_by_test_id("stFileUploader").get_by_text("parking-rules.md").wait_for()
    page.get_by_role("button", name="Upload and index").click()
    page.get_by_text("1 indexed").wait_for(timeout=180_000)
    page.get_by_text(re.compile(r"^7 documents, ")).wait_for()
    picker = page.get_by_test_id("stSelectbox").filter(has_text="Document")
    choose(page, picker, "Parking rules (uploads/parking-rules.md)")
    page.get_by_text("Visitors park on level -1.").wait_for()
    page.get_by_role("button", name="Delete this document").click()
    page.get_by_text("1 removed").wait_for(timeout=180_000)
    _go(page, "Audit log")  # and back: the list as it is now
    _go(page, "Documents")
    page.get_by_text(re.compile(r"^6 documents, ")).wait_for()  # the upload made 7
    ctx.close()
