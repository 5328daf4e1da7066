from assistant.answering.known_names import known_names


def spans(text: str) -> list[str]:
    return [text[a:b] for a, b in known_names().spans(text)]


def test_a_given_name_and_a_family_name_are_a_name_in_any_script() -> None:
    assert spans("Ask Giulia Bianchi about it") == ["Giulia Bianchi"]
    assert spans("Ольга Иванова спросила") == ["Ольга Иванова"]
    assert spans("محمد أحمد اتصل") == ["محمد أحمد"]


def test_a_name_runs_over_its_particles_and_further_family_names() -> None:
    assert spans("Fala com João da Silva Santos sobre isso.") == ["João da Silva Santos"]
    assert spans("Sofia García López dijo") == ["Sofia García López"]
    assert spans("Vraag het aan Jan de Vries.") == ["Jan de Vries"]  # listed as "de Vries"
    assert spans("Jean-Pierre Martin a refusé") == ["Jean-Pierre Martin"]


def test_capitalised_nouns_and_words_apart_are_not_names() -> None:
    assert spans("Gibt es am Münchner Standort eine Kantine?") == []
    assert spans("im August Urlaub nehmen") == []  # a month that is also a given name
    assert spans("Anna, Schmidt und Partner") == []  # punctuation between
    assert spans("Raymond\n\nHettinger") == []  # two lines of a list, not one name
    assert spans("Raymond\nHettinger") == ["Raymond\nHettinger"]  # one name, wrapped
    assert spans("anna schmidt") == []  # lower case: not read (the redactor's limit)


def test_the_lists_hold_many_locales() -> None:
    names = known_names()
    assert len(names.given) > 20_000 and len(names.family) > 20_000
    assert names.is_given("Giulia") and names.is_family("Nowak") and not names.is_given("Urlaub")
