from __future__ import annotations

from assistant.index.analysis import analyze, analyze_query, stopwords, term_coverage


def test_english_drops_stopwords_and_conflates_word_forms() -> None:
    assert analyze("How do I configure the proxies?") == analyze("configuring a proxy")
    assert analyze("How do I get there?") == ""
    assert analyze("os.path_join") == "os path join"


def test_other_languages_are_stemmed_and_filtered_in_their_own_language() -> None:
    # German: plural and inflected forms meet, "wie"/"viele"/"ich" are not content
    assert analyze("Wie viele Urlaubstage bekomme ich?") == "urlaubstag bekomm"
    assert analyze("den Urlaubstagen bekommen", "de") == "urlaubstag bekomm"
    # French and Spanish, with elisions and accents
    assert analyze("Comment configurer l'imprimante ?") == "configur imprim"
    assert analyze("configurer les imprimantes", "fr") == "configur imprim"
    assert analyze("¿Cómo se configuran las impresoras?") == "configur impresor"
    assert analyze("configurar la impresora", "es") == "configur impresor"
    # the English stemmer would keep these apart
    assert analyze("Urlaubstage", "en") != analyze("Urlaubstagen", "en")


def test_elided_stopwords_are_dropped() -> None:
    assert {"l", "d", "qu"} <= stopwords("fr")
    assert analyze("l'imprimante d'étage", "fr") == "imprim étag"


def test_a_question_in_another_language_is_also_read_in_english() -> None:
    """Its technical words are often English ("commit", "VACUUM"); each term counts once."""
    terms = analyze_query("Comment annuler le dernier commit dans git ?").split()
    assert "commit" in terms and "annul" in terms
    assert len(terms) == len(set(terms))
    # an English question is analysed exactly as before
    assert analyze_query("How do I configure the proxies?") == "configur proxi"


def test_term_coverage_is_the_best_passages_share_of_the_questions_terms() -> None:
    office = "Book a desk or a meeting room in the Workplace app up to 14 days ahead."
    canteen = "Lunch is subsidised in the staff canteen on floor 3."
    assert term_coverage("How do I book a meeting room?", [canteen, office]) == 1.0
    assert term_coverage("Can I bring my dog to a meeting room?", [office]) == 0.5
    assert term_coverage("Who won the football world cup?", [office, canteen]) == 0.0
    assert term_coverage("How do I?", [office]) == 0.0  # no terms: no evidence
    assert term_coverage("How do I book a room?", []) == 0.0
