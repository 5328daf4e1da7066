"""The answering config: read from TOML, validated, and written back as TOML to edit."""

from __future__ import annotations

import pytest

from assistant.answering.config import load_answer_config, parse_answer_config, to_toml
from assistant.errors import ConfigurationError


def test_a_stored_config_written_as_toml_reads_back_to_the_same_version() -> None:
    seed = load_answer_config()
    text = to_toml(seed)
    again = parse_answer_config(text, "edited")
    assert again == seed and again.version == seed.version
    assert '"""' in text  # prompts stay readable multi-line strings, not one escaped line


def test_an_edit_changes_the_version_and_an_invalid_edit_is_named() -> None:
    seed = load_answer_config()
    text = to_toml(seed)
    edited = parse_answer_config(text.replace("min_similarity = 0.43", "min_similarity = 0.5"), "e")
    assert edited.refusal.min_similarity == 0.5 and edited.version != seed.version
    with pytest.raises(ConfigurationError, match="Answer config pasted is invalid"):
        parse_answer_config(text.replace("min_similarity = 0.43", "min_similarity = 7"), "pasted")
    with pytest.raises(ConfigurationError, match="Answer config pasted is invalid"):
        parse_answer_config(text + "\nunknown_field = 1\n", "pasted")


def test_a_question_is_refused_only_when_no_passage_is_close_in_either_model() -> None:
    refusal = load_answer_config().refusal.model_copy(
        update={
            "min_similarity": 0.43,
            "min_multilingual_similarity": 0.86,
            "min_multilingual_similarity_other_languages": 0.815,
        }
    )
    assert refusal.too_far([], [])
    assert refusal.too_far([0.30, 0.42], [])
    assert not refusal.too_far([0.30, 0.45], [])
    # a German question to an English passage: MiniLM far, the multilingual model near
    assert not refusal.too_far([0.21], [0.80, 0.87])
    assert refusal.too_far([0.21], [0.84])
    # A question in another language reaches its English answer at a lower cosine.
    assert not refusal.too_far([0.21], [0.82], other_language=True)
    assert refusal.too_far([0.21], [0.81], other_language=True)


def test_a_passage_holding_the_questions_words_keeps_a_low_similarity_question() -> None:
    refusal = load_answer_config().refusal.model_copy(
        update={
            "min_similarity": 0.43,
            "min_term_coverage": 0.67,
            "min_similarity_with_terms": 0.31,
        }
    )
    assert not refusal.too_far([0.32], [], coverage=1.0)
    assert not refusal.too_far([0.32], [], coverage=0.67)
    assert refusal.too_far([0.32], [], coverage=0.5)  # too few of its words
    assert refusal.too_far([0.25], [], coverage=1.0)  # words alone are not enough
