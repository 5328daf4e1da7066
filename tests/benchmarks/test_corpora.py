"""The benchmark sets' protocol, on small samples of each shape: a question is an FAQ
heading, its gold document the section under it written without the heading, and every
other section a distractor that keeps its heading. A wrong split here would make every
retrieval figure wrong, so each parser is checked on the shape it reads."""

from __future__ import annotations

import json
import re
from pathlib import Path

from benchmarks.corpora import SETS, TUNING
from benchmarks.corpora.common import (
    CorpusWriter,
    html_sections,
    self_contained,
    text_sections,
)
from benchmarks.corpora.curl import FAQ_HEADING, _man_text
from benchmarks.corpora.git import _sections as asciidoc_sections
from benchmarks.corpora.sqlite import _faq as sqlite_faq

ANSWER = "Because the answer is long enough to be a document on its own, with words."


def test_there_are_several_tuning_sets_and_the_held_out_ones_are_never_tuned_on() -> None:
    assert len(TUNING) >= 3
    assert {n for n, s in SETS.items() if s.held_out} == {"debian", "django", "debian-mixed"}


def test_a_question_becomes_a_gold_file_without_its_heading(tmp_path: Path) -> None:
    writer = CorpusWriter(tmp_path, "demo")
    writer.add("faq", 1, "How do I frob the widget?", ANSWER, "Demo FAQ",
               question="How do I frob the widget?")  # fmt: skip
    writer.add("guide", 2, "Widgets", ANSWER, "Guide")
    writer.add("guide", 3, "Empty", "too short", "Guide")
    writer.add("faq", 4, "What is it?", ANSWER, "Demo FAQ", question="What is it?")
    [q] = writer.questions
    assert q.question == "How do I frob the widget?" and q.gold == "demo/faq/001.txt"
    assert (tmp_path / "faq/001.txt").read_text() == ANSWER  # no heading in the gold
    assert json.loads((tmp_path / "faq/001.txt.meta.json").read_text()) == {"title": "Demo FAQ"}
    assert (tmp_path / "guide/002-widgets.txt").read_text().startswith("Widgets\n\n")
    assert not list(tmp_path.glob("guide/003*"))  # next to nothing under the heading
    assert (tmp_path / "faq/004-what-is-it.txt").exists()  # kept, but as a distractor
    assert writer.sections == 3


def test_questions_that_lean_on_the_heading_above_are_not_asked() -> None:
    assert self_contained("What is cURL?")
    assert self_contained("What does `http.postBuffer` really do?")
    assert not self_contained("What is it good at?")
    assert not self_contained("Is it threadsafe?")


def test_html_pages_split_at_headings_without_scripts_or_permalinks() -> None:
    html = (
        "<html><head><title>Guide</title><script>var x = 1;</script></head><body>"
        "<p>intro</p><h2>Why does it <em>work</em>?"
        '<a class="headerlink" href="#w">¶</a></h2><p>Because.</p>'
        "<h3>Details</h3><pre>code</pre></body></html>"
    )
    title, sections = html_sections(html)
    assert title == "Guide"
    assert [(h, t.strip()) for h, t in sections] == [
        ("", "intro"), ("Why does it work?", "Because."), ("Details", "code"),
    ]  # fmt: skip


def test_the_sqlite_faq_pairs_each_bold_question_with_its_quoted_answer(tmp_path: Path) -> None:
    html = (
        '<a name="q1"></a><p><b>(1) How do I create an AUTOINCREMENT field?</b></p>'
        f"<blockquote><p>{ANSWER}</p></blockquote>"
        '<a name="q2"></a><p><b>(2) What datatypes does SQLite support?</b></p>'
        f"<blockquote><p>Types. {ANSWER}</p></blockquote>"
    )
    writer = CorpusWriter(tmp_path, "sqlite")
    sqlite_faq(html, "faq", writer)
    assert [q.question for q in writer.questions] == [
        "How do I create an AUTOINCREMENT field?", "What datatypes does SQLite support?",
    ]  # fmt: skip
    assert (tmp_path / "faq/001.txt").read_text().startswith("Types.")


def test_the_curl_faq_splits_at_numbered_headings_and_man_pages_lose_their_markup() -> None:
    faq = f"FAQ\n\n 1. Philosophy\n\n  1.2 What is libcurl?\n\n  {ANSWER}\n\n  1.3 Next?\n"
    sections = text_sections(faq, FAQ_HEADING)
    assert [h for h, _ in sections] == ["", "1. Philosophy", "1.2 What is libcurl?", "1.3 Next?"]
    assert ANSWER in sections[2][1]


def test_man_pages_keep_words_and_section_requests(tmp_path: Path) -> None:
    import gzip

    page = tmp_path / "x.3.gz"
    page.write_bytes(
        gzip.compress(b'.\\" comment\n.TH X 3\n.SH NAME\nx \\- does \\fBthings\\fP\n.nf\ncode\n')
    )
    assert _man_text(page).splitlines() == [".SH NAME", "x - does things", "code"]


def test_gitfaq_entries_are_questions_and_underlined_headings_split_manuals() -> None:
    text = (
        "gitfaq(7)\n=========\n\nNAME\n----\ngitfaq - questions\n\n"
        "[[user-name]]\nWhat should I put in `user.name`?::\n\tYour name.\n+\nMore.\n"
    )
    got = asciidoc_sections(text, faq=True)
    assert [(h, q) for h, _, q in got] == [
        ("", False), ("gitfaq(7)", False), ("NAME", False),
        ("What should I put in `user.name`?", True),
    ]  # fmt: skip
    assert re.sub(r"\s+", " ", got[-1][1]).strip() == "Your name. More."


def test_every_language_asks_the_same_questions_of_every_set() -> None:
    from benchmarks.corpora import LANGUAGES, TRANSLATIONS

    loaded = {
        lang: json.loads((TRANSLATIONS / f"{lang}.json").read_text(encoding="utf-8"))
        for lang in LANGUAGES
    }
    ids = {lang: {s: set(q) for s, q in d["sets"].items()} for lang, d in loaded.items()}
    # every set but the mixed one, whose questions come in its translators' languages
    assert ids["de"] == ids["fr"] == ids["es"] and set(ids["de"]) == set(SETS) - {"debian-mixed"}
    for lang, data in loaded.items():
        assert data["language"] == lang
        for name, asked in data["sets"].items():
            # 30 or more each; the SQLite FAQ (27) and gitfaq (17) are asked in full
            assert len(asked) >= {"sqlite": 27, "git": 17}.get(name, 30), (lang, name)
            assert all(q.strip() for q in asked.values())


def test_mixed_language_questions_are_paired_with_english_by_heading_number() -> None:
    from benchmarks.corpora.debian_mixed import _numbered

    german = "<h2>8.1. Welche Programme bietet Debian an?</h2><p>x</p><h3>8.1.2. APT</h3>"
    english = "<h2>8.1. What programs does Debian provide?</h2><p>y</p><h3>8.1.2. APT</h3>"
    assert _numbered(german) == {"8.1.": "Welche Programme bietet Debian an?", "8.1.2.": "APT"}
    assert _numbered(english)["8.1."] == "What programs does Debian provide?"


def test_a_question_met_twice_is_asked_once_at_its_later_section(tmp_path: Path) -> None:
    """curl's and zsh's FAQs open with a table of contents whose last entry takes the
    preamble after it as its "answer"; the question is asked where it is answered."""
    writer = CorpusWriter(tmp_path, "demo")
    contents = "=" * 40 + "\n\n1. Philosophy and the preamble of the whole document"
    writer.add("faq", 7, "Will it be rewritten?", contents, "FAQ", question="Will it be rewritten?")
    writer.add("faq", 9, "Will it be rewritten?", ANSWER, "FAQ", question="Will it be rewritten?")
    [q] = writer.questions
    assert q.gold == "demo/faq/009.txt" and q.id == "faq#9"
    assert not (tmp_path / "faq/007.txt").exists()
    assert not (tmp_path / "faq/007.txt.meta.json").exists()
    assert writer.sections == 1
