import typing

from review import labels, models


def test_every_stored_code_has_a_readers_word() -> None:
    """Every code the review loop stores and shows is in the word list (an unknown code
    would only get its underscores replaced)."""
    literals = (
        models.FeedbackReason, models.ItemStatus, models.QueueReason, models.Verdict,
        models.GoldenStatus,
    )  # fmt: skip
    codes = {c for lit in literals for c in typing.get_args(lit)} | set(models.FLAG_FIELDS)
    missing = codes - set(labels.WORDS)
    assert not missing, missing
    assert all("_" not in labels.word(c) for c in codes)


def test_every_scale_says_what_its_ends_mean() -> None:
    assert set(labels.SCALE_ENDS) == set(models.SCALE_FIELDS)
    assert labels.scale_help("correctness") == "1 = wrong, 5 = fully correct"


def test_unknown_codes_are_still_words() -> None:
    assert labels.word("some_new_code") == "some new code"
    assert labels.word(None) == ""
