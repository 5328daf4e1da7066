"""Access probes, randomised (seeded): many readers with random group sets ask about
restricted documents through every way text leaves the system — answers, the quoted
preview, sources, the prompt sent to the model, the answer cache, follow-ups, search, the
document list, the review queue, an item's detail, grading, approval, the golden set and
every export — and not one restricted text, title or path reaches a reader outside its
groups."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from fake_openai import Reply
from review_world import GOOD, REDACTOR, make_stack
from stack import Stack

from assistant.answering.answer import Answer, Preview
from assistant.answering.pipeline import Turn
from assistant.identity.groups import Reader, may_read
from assistant.index.retrieve import SearchRequest
from assistant.runtime import library
from review import export, grading
from review.feedback import record_feedback
from review.golden import CaseFilter
from review.models import FeedbackCreate
from review.queue import QueueFilter, claim, list_queue

pytestmark = pytest.mark.integration

GROUPS = ("hr", "finance", "legal", "eng")
TOPICS = ("parking", "laptops", "travel", "leave", "bonus", "offsite")
SEED = 20261129


def _secret(group: str, topic: str) -> str:
    return f"KW{group.upper()}{topic.upper()}{len(group) * 7 + len(topic)}"


def _corpus(root: Path) -> dict[str, tuple[str, ...]]:
    """Restricted documents, each holding a secret word in its text, title and path;
    returns each secret's groups."""
    secrets: dict[str, tuple[str, ...]] = {}
    for group in GROUPS:
        folder = root / f"{group}-only"
        folder.mkdir(parents=True)
        (folder / ".access.json").write_text(json.dumps({"access_groups": [group]}))
        for topic in TOPICS[:3]:
            word = _secret(group, topic)
            (folder / f"{topic}-{word}.md").write_text(
                f"# {topic.title()} rules {word}\n\nThe {topic} allowance for {group} staff is "
                f"recorded under code {word}. Ask the {group} office about {topic}.\n"
            )
            secrets[word] = (group,)
    shared = root / "hr-finance-bonus.md"
    word = _secret("hrfin", "bonus")
    shared.write_text(f"# Bonus pool {word}\n\nThe bonus pool code is {word} for this year.\n")
    (root / "hr-finance-bonus.md.meta.json").write_text(
        json.dumps({"access_groups": ["hr", "finance"]})
    )
    secrets[word] = ("hr", "finance")
    return secrets


def test_random_readers_never_see_what_their_groups_do_not_allow(
    runtime, corpus: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(SEED)
    root = tmp_path / "docs"
    secrets = _corpus(root)
    stack: Stack = make_stack(runtime, root, f"sqlite:///{tmp_path / 'kb.db'}")
    checks = leaks = allowed = 0
    found: list[str] = []

    def check(reader: Reader, where: str, text: str) -> None:
        nonlocal checks, leaks, allowed
        checks += 1
        for word, needs in secrets.items():
            if word.lower() not in text.lower():
                continue
            if may_read(reader.groups, needs):
                allowed += 1  # the probes do reach restricted text, for those who may read it
            else:
                leaks += 1
                found.append(f"{reader.user_id}{list(reader.groups)} saw {word} in {where}")

    try:
        engine, store = stack.rt.engine, stack.rt.store()
        readers = [
            Reader(f"u{i}", ("everyone", *rng.sample(GROUPS, rng.randint(0, 2)))) for i in range(16)
        ]
        asked: list[tuple[Reader, str]] = []
        for reader in readers:
            history: list[Turn] = []
            for _ in range(5):
                group, topic = rng.choice(GROUPS), rng.choice(TOPICS[:3])
                # Never the secret itself: a word the reader typed is theirs, not a leak.
                question = rng.choice(
                    [
                        f"What is the {topic} allowance for {group} staff?",
                        f"Which code records the {topic} allowance?",
                        f"Tell me about the {topic} rules for the {group} office",
                        "And what about the bonus pool code?",
                    ]
                )
                # The model repeats whatever its prompt held: a leak in the context shows.
                sent_before = len(stack.fake.requests)
                stack.fake.default = Reply(text=f"The {topic} allowance is recorded [1].")
                shown = ""
                final: Answer | None = None
                for event in stack.pipeline().stream(
                    question, asker=reader, history=history, conversation_id=reader.user_id
                ):
                    if isinstance(event, Preview):
                        shown += event.answer.model_dump_json()
                    elif isinstance(event, Answer):
                        final = event
                    else:
                        shown += event
                assert final is not None
                shown += final.model_dump_json()
                check(reader, "answer", shown)
                prompts = json.dumps(stack.fake.requests[sent_before:])
                check(reader, "prompt to the model", prompts)
                history.append(Turn(question, final.text))
                if final.interaction_id:
                    asked.append((reader, final.interaction_id))
            hits = stack.rt.retriever().search(
                SearchRequest("code allowance", groups=reader.groups)
            )
            check(reader, "search", json.dumps([h.chunk.text + h.chunk.path for h in hits]))
            listed = library.list_documents(stack.rt, reader.groups)
            check(reader, "document list", json.dumps([d.path + d.title for d in listed]))
        for asker, interaction_id in asked:
            record_feedback(
                engine,
                FeedbackCreate(interaction_id=interaction_id, rating=-1, reason="wrong"),
                user_id=asker.user_id,
                redactor=REDACTOR,
            )
        # Reviewers and leads: the same readers, through the review loop and exports.
        for reader in readers[:8]:
            for entry in list_queue(engine, QueueFilter(limit=500), reader):
                check(reader, "queue", entry.model_dump_json())
                detail = grading.detail(engine, store, entry.item_id, reader)
                check(reader, "detail", detail.model_dump_json())
                if entry.status == "new" and rng.random() < 0.5:
                    held = claim(engine, entry.item_id, reader, entry.version, minutes=5)
                    grading.submit_grade(
                        engine, entry.item_id, reader, GOOD, held.version, REDACTOR
                    )
        for reader in readers[8:]:
            for entry in list_queue(engine, QueueFilter(statuses=("graded",)), reader):
                detail = grading.detail(engine, store, entry.item_id, reader)
                proposal = grading.propose(detail)
                grading.approve(
                    engine, store, entry.item_id, reader, proposal, detail.version, REDACTOR
                )
            for fmt in export.FORMATS:
                snap = export.snapshot(engine, fmt, CaseFilter(), reader)
                check(reader, f"{fmt} export", snap.content.decode())
        assert checks > 400 and allowed > 50
        print(f"{checks} reads checked, {allowed} restricted texts seen by readers allowed them")
        print(f"{leaks} leaks")
        assert leaks == 0, found[:20]
    finally:
        stack.close()
