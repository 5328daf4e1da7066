"""Words and numbers read one way everywhere: examples, and properties over numbers in every
shape (versions, dates, ranges, units, currencies, decimals with commas)."""

from __future__ import annotations

import pytest
from helpers import passage
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant.answering.citations import lexical_support, marker_numbers, numbers_supported, verify
from assistant.answering.wording import (
    canonical_number,
    content_words,
    numbers,
    plain_text,
    reads_as_follow_up,
    tokens,
)
from assistant.index.embeddings import OnnxMiniLM

# -- examples ------------------------------------------------------------------------------


def test_the_reported_crash_answers() -> None:
    """The reproduction from the issue: 1.3 stood in the passage only inside "v1.3"."""
    assert numbers_supported(
        "Debian 1.3 was called bo [1].", "Debian v1.3 (bo) was released in 1997."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Debian v1.3 (bo)", {"1.3"}),
        ("package 1.3-2", {"1.3", "2"}),
        ("kernel 2.6.32-5-amd64", {"2.6.32", "5", "64"}),
        ("encoding ISO-8859-1", {"8859", "1"}),
        ("released 2024-01-15", {"2024", "1", "15"}),
        ("built for x86_64", {"86", "64"}),
        ("costs $1,500.00 or 1.500,00 €", {"1500"}),
        ("rate of 2,5 %", {"2.5"}),
        ("Python 3.10, not 3.1", {"3.10", "3.1"}),
        ("from 10–12 days", {"10", "12"}),
        ("at 09:30", {"9:30"}),
        ("full-width １２３", {"123"}),
    ],
)
def test_numbers_are_found_inside_longer_tokens(text: str, expected: set[str]) -> None:
    assert numbers(text) == expected
    assert numbers(text) <= set(content_words(text))  # the same tokens, whatever is asked


def test_words_in_any_script_are_words() -> None:
    assert content_words("Die Reisekostenrichtlinie gilt für alle") == [
        "die", "reisekostenrichtlinie", "gilt", "für", "alle"
    ]  # fmt: skip
    assert content_words("年次休暇は28日") == ["年", "次", "休", "暇", "は", "28", "日"]
    assert content_words("Straße") == ["strasse"]


@pytest.mark.parametrize(
    ("sentence", "passage_text", "supported"),
    [
        ("The package 1.3-2 fixes it.", "Install package version 1.3-2 to fix it.", True),
        ("It runs on 2.6.32 kernels.", "Tested on kernel 2.6.32-5-amd64 only.", True),
        ("The fee is EUR 1500.", "The fee is EUR 1,500.00 per year.", True),
        ("The fee is EUR 1600.", "The fee is EUR 1,500.00 per year.", False),
        ("Python 3.1 is required.", "Python 3.10 is required.", False),
        ("The deadline is 15/01/2024.", "Deadline: 2024-01-15.", True),
        ("The deadline is 16/01/2024.", "Deadline: 2024-01-15.", False),
    ],
)
def test_numbers_in_other_shapes_are_compared_by_value(
    sentence: str, passage_text: str, supported: bool
) -> None:
    assert numbers_supported(sentence, passage_text) is supported


# -- properties ----------------------------------------------------------------------------

_INT = st.integers(min_value=0, max_value=99_999)
_DIGITS = st.integers(min_value=1, max_value=9_999).map(str)
NUMBER_SHAPES = st.one_of(
    st.builds(lambda a, b: f"v{a}.{b}", _DIGITS, _DIGITS),  # versions
    st.builds(lambda a, b, c: f"{a}.{b}.{c}-{a}-amd64", _DIGITS, _DIGITS, _DIGITS),
    st.builds(lambda a, b: f"{a}.{b}-{b}", _DIGITS, _DIGITS),  # package revisions
    st.builds(
        lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}",
        st.integers(1900, 2100),
        st.integers(1, 12),
        st.integers(1, 28),
    ),
    st.builds(lambda d, m, y: f"{d}.{m}.{y}", st.integers(1, 28), st.integers(1, 12), _DIGITS),
    st.builds(lambda a, b: f"{a}-{b}", _DIGITS, _DIGITS),  # ranges
    st.builds(lambda a, b: f"{a}–{b}", _DIGITS, _DIGITS),
    st.builds(lambda n, u: f"{n}{u}", _DIGITS, st.sampled_from(["kg", "%", "km/h", "GB", "h"])),
    st.builds(lambda n: f"${n:,}.00", _INT),  # currencies
    st.builds(lambda n: f"EUR {n:,}", _INT),
    st.builds(lambda n: f"{n:,}€".replace(",", "."), _INT),
    st.builds(lambda a, b: f"{a},{b}", _DIGITS, st.integers(0, 99).map(str)),  # decimal commas
    st.builds(lambda a, b: f"{a}.{b}", _DIGITS, _DIGITS),
    st.builds(lambda a: f"x{a}_64", _DIGITS),
    st.builds(lambda a, b: f"ISO-{a}-{b}", _DIGITS, _DIGITS),
)
WORDS = st.sampled_from(
    [
        *("leave", "days", "hotel", "limit", "London", "release", "kernel", "version", "fee"),
        *("the", "in", "of", "is", "from", "to", "per", "Zürich", "Straße", "年次"),
        *("employees", "carried", "over", "expire", "March", "package"),
        *("five", "twenty-one", "Ninety", "one", "often", "seventeen"),
    ]
)
PIECE = st.one_of(WORDS, NUMBER_SHAPES)
PASSAGE = st.lists(PIECE, min_size=1, max_size=30)


@given(st.text(max_size=200), st.text(max_size=400))
@example("Debian 1.3 was called bo [1].", "Debian v1.3 (bo) was released in 1997.")
def test_any_text_can_be_checked_without_error(sentence: str, passage_text: str) -> None:
    assert numbers_supported(sentence, passage_text) in (True, False)
    assert 0.0 <= lexical_support(sentence, passage_text) <= 1.0


@given(PASSAGE, st.data())
def test_an_excerpt_of_a_passage_is_supported_by_it(pieces: list[str], data: st.DataObject) -> None:
    """Whatever the shapes of its numbers, a sentence copied from the passage is supported."""
    start = data.draw(st.integers(0, len(pieces) - 1))
    end = data.draw(st.integers(start + 1, len(pieces)))
    sentence, passage_text = " ".join(pieces[start:end]), " ".join(pieces)
    assert numbers(sentence) <= numbers(passage_text)
    assert numbers_supported(sentence, passage_text)
    if content_words(sentence):
        assert lexical_support(sentence, passage_text) == 1.0


@given(PASSAGE, NUMBER_SHAPES, st.data())
def test_a_number_the_passage_lacks_is_never_supported(
    pieces: list[str], shape: str, data: st.DataObject
) -> None:
    passage_text = " ".join(pieces)
    missing = numbers(shape) - numbers(passage_text)
    if not missing:
        return  # every number of this shape is in the passage: nothing to prove here
    at = data.draw(st.integers(0, len(pieces)))
    sentence = " ".join([*pieces[:at], shape, *pieces[at:]])
    assert not numbers_supported(sentence, passage_text)


@given(_INT)
def test_one_value_written_several_ways_reads_as_one_number(n: int) -> None:
    spellings = {f"{n}", f"{n:,}", f"{n:,}.00", f"{n}.0", f"{n:,}.00".replace(",", "_")
                 .replace(".", ",").replace("_", "."), f"0{n}"}  # fmt: skip
    assert {canonical_number(s) for s in spellings} == {str(n)}


_SMALL = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]
_SMALL += ["eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"]
_SMALL += ["eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def spelled(n: int) -> str:
    if n < 20:
        return _SMALL[n]
    tens, unit = divmod(n, 10)
    return _TENS[tens - 2] + (f"-{_SMALL[unit]}" if unit else "")


@given(st.integers(0, 99).filter(lambda n: n != 1), st.sampled_from([str.lower, str.title]))
def test_a_number_word_reads_as_its_digits(n: int, case) -> None:  # type: ignore[no-untyped-def]
    assert numbers(f"after {case(spelled(n))} minutes") == {str(n)}
    passage_text = f"locks after {spelled(n)} minutes"
    assert numbers_supported(f"It locks after {n} minutes [1].", passage_text)
    assert not numbers_supported(f"It locks after {n + 1} minutes [1].", passage_text)


def test_one_and_words_holding_a_number_word_stay_words() -> None:
    assert numbers("no one, often, tenant, weighty, someone") == set()
    assert numbers("one hour") == set()  # "one" is mostly a pronoun: left a word


@given(st.lists(PIECE, max_size=20), st.lists(PIECE, max_size=20))
def test_reading_never_joins_across_a_space(left: list[str], right: list[str]) -> None:
    a, b = " ".join(left), " ".join(right)
    assert tokens(f"{a} {b}") == tokens(a) + tokens(b)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.one_of(PIECE, st.sampled_from([".", "[1]", "[2].", "[3]", "!"])), max_size=30))
def test_any_answer_is_verified_without_error(embedder: OnnxMiniLM, pieces: list[str]) -> None:
    answer = " ".join(pieces)
    passages = [
        passage(n, text, vector=embedder.embed([text])[0])
        for n, text in enumerate(
            ["Debian v1.3 (bo) was released in 1997.", "The fee is EUR 1,500.00 per year."],
            start=1,
        )
    ]
    result = verify(answer, passages, embedder, 0.5, 0.55)
    # Every marker left points at a cited passage, numbered 1..m in order of first use.
    shown = list(dict.fromkeys(marker_numbers(result.text)))
    assert shown == [n for n, _, _ in result.cited] == list(range(1, len(result.cited) + 1))
    assert all(cited in passages for _, cited, _ in result.cited)


@given(st.text(max_size=200))
def test_plain_text_has_no_control_characters_but_keeps_lines(text: str) -> None:
    plain = plain_text(text)
    assert not any((ord(c) < 32 and c not in "\t\n") or c == "\x7f" for c in plain)
    assert plain.count("\n") == text.count("\n") and len(plain) <= len(text)


@pytest.mark.parametrize(
    ("question", "follow_up"),
    [
        ("Is there a parking policy for visitors at the Munich office?", False),
        ("Are there limits on hotel costs for business trips abroad?", False),
        ("What is the wifi password there?", True),
        ("Until when do I have to use them?", True),
        ("And in most other cities?", True),  # too few words of its own
        ("How many days of paid annual leave do full-time employees get?", False),
        ("How far ahead can I book one?", True),  # "one" stands for the room asked about
        ("Can I order a new one for my home office?", True),
        ("Which one applies to contractors working abroad?", True),
        ("Can I take one day of unpaid leave without notice?", False),  # a number
        ("Does every employee get one laptop and one phone?", False),
    ],
)
def test_a_question_reads_as_a_follow_up_only_when_it_leans_on_the_conversation(
    question: str, follow_up: bool
) -> None:
    assert reads_as_follow_up(question) is follow_up
