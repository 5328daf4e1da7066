"""National identity numbers: presidio's recognisers for the countries it knows (most check
the number's checksum, so a valid one is found without a word saying what it is), ours for
some it does not (China's resident id, the Netherlands' BSN, Brazil's CPF, France's NIR,
Romania's CNP, Israel's id, each with its checksum), and any 8-20 digit or capital-and-digit
number next to a word that names an identity number in one of many languages ("DNI",
"NIK", "CCCD", "身份证", "주민등록번호", ...).

Presidio's recognisers are made for one language each; here they all read text as "en",
the only language the analyser runs in, which only changes which words count as context."""

from __future__ import annotations

import regex
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer
from presidio_analyzer.predefined_recognizers import (
    AuMedicareRecognizer,
    AuTfnRecognizer,
    CaSinRecognizer,
    DeIdCardRecognizer,
    DePassportRecognizer,
    DeSocialSecurityRecognizer,
    DeTaxIdRecognizer,
    EsNieRecognizer,
    EsNifRecognizer,
    FiPersonalIdentityCodeRecognizer,
    InAadhaarRecognizer,
    InPanRecognizer,
    ItFiscalCodeRecognizer,
    KrFrnRecognizer,
    KrRrnRecognizer,
    NgNinRecognizer,
    PlPeselRecognizer,
    SePersonnummerRecognizer,
    SgFinRecognizer,
    ThTninRecognizer,
    TrNationalIdRecognizer,
    ZaIdNumberRecognizer,
)

NATIONAL_ID = "NATIONAL_ID"
_PRESIDIO = (
    AuMedicareRecognizer, AuTfnRecognizer, CaSinRecognizer, DeIdCardRecognizer,
    DePassportRecognizer, DeSocialSecurityRecognizer, DeTaxIdRecognizer, EsNieRecognizer,
    EsNifRecognizer, FiPersonalIdentityCodeRecognizer, InAadhaarRecognizer, InPanRecognizer,
    ItFiscalCodeRecognizer, KrFrnRecognizer, KrRrnRecognizer, NgNinRecognizer,
    PlPeselRecognizer, SePersonnummerRecognizer, SgFinRecognizer, ThTninRecognizer,
    TrNationalIdRecognizer, ZaIdNumberRecognizer,
)  # fmt: skip
# Words that say a number is someone's identity number (lower case; presidio compares each
# word near the number, and its lemma, with these).
_ID_WORDS = [
    "id", "identity", "national", "ssn", "dni", "nie", "nif", "cpf", "rg", "nir", "insee",
    "sécu", "bsn", "burgerservicenummer", "sofinummer", "pesel", "cnp", "nik", "ktp",
    "cccd", "cmnd", "amka", "afm", "inn", "snils", "personnummer", "henkilötunnus", "hetu",
    "kimlik", "tckn", "aadhaar", "mynumber", "teudat", "zehut", "iqama", "cédula", "cedula",
    "identidad", "identité", "identità", "identiteit", "identidade", "ausweis",
    "personalausweis", "steuer-id", "steuernummer", "sozialversicherungsnummer",
    "身份证", "身份证号", "身份证号码", "マイナンバー", "個人番号", "주민등록번호",
    "паспорт", "инн", "снилс", "посвідчення", "רישום", "ת.ז", "هوية", "الهوية",
    "nin", "cnic", "curp", "ppsn", "pps", "ahv", "avs", "hkid", "mykad", "nric", "rut",
    "run", "sss", "cpr", "cpr-nummer", "fødselsnummer", "personnr", "nid", "huduma",
    "شناختی", "ملی", "کارت", "জাতীয়", "পরিচয়পত্র", "बीमा",
]  # fmt: skip
# Numbers whose shape alone says what they are: Swiss AHV, Pakistani CNIC, Malaysian
# MyKad, Hong Kong HKID, Mexican CURP
_SHAPED = [
    r"(?<!\d)756\.\d{4}\.\d{4}\.\d{2}(?!\d)",
    r"(?<!\d)\d{5}-\d{7}-\d(?!\d)",
    r"(?<!\d)\d{6}-\d{2}-\d{4}(?!\d)",
    r"(?-i:(?<![A-Za-z0-9])[A-Z]{1,2}\d{6}\s?\([0-9A]\))",
    r"(?-i:(?<![A-Za-z0-9])[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d(?![A-Za-z0-9]))",
]
# Capitals and digits, at least two digits, separators inside, read case-sensitively
# (presidio's default flags ignore case); the look-ahead is bounded, so a long token costs
# no more.
_ANY_ID = (
    r"(?<![\w.\-/])(?![A-Z]{1,8} )(?=[A-Z0-9 .\-/]{0,23}\d[A-Z0-9 .\-/]{0,23}\d)"
    r"[A-Z0-9][A-Z0-9.\-/ ]{6,22}[A-Z0-9](?![\w\-/])"
)
_FLAGS = regex.DOTALL | regex.MULTILINE
_D0, _D1 = r"(?<![\dA-Za-z])", r"(?![\dA-Za-z])"  # no digit or Latin letter around a number


class _Checked(PatternRecognizer):
    """A number of one country's shape that counts only if its checksum holds. A strong
    checksum (one number in 97, or a date inside) is enough alone; a weak one (one in 10 or
    11: any nine digits pass the Dutch one that often) also needs a word saying what the
    number is."""

    def __init__(self, pattern: str, check, strong: bool) -> None:  # type: ignore[no-untyped-def]
        super().__init__(
            supported_entity=NATIONAL_ID,
            patterns=[Pattern(check.__name__.strip("_"), pattern, 0.1)],
            context=_ID_WORDS,
            supported_language="en",
            global_regex_flags=_FLAGS,
        )
        self._check, self._strong = check, strong

    def validate_result(self, pattern_text: str) -> bool | None:
        digits = "".join(c for c in pattern_text if c.isalnum())
        try:
            valid = bool(self._check(digits.upper()))
        except (ValueError, IndexError):
            valid = False
        # None keeps the pattern's low score, which a word in context lifts over the bar
        return True if valid and self._strong else None if valid else False


def _china(n: str) -> bool:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(n[:17], weights, strict=True))
    return len(n) == 18 and "10X98765432"[total % 11] == n[17]


def _bsn(n: str) -> bool:  # the Dutch "elfproef"
    total = sum(int(d) * w for d, w in zip(n[:8], range(9, 1, -1), strict=True))
    return len(n) == 9 and (total - int(n[8])) % 11 == 0


def _cpf(n: str) -> bool:
    if len(n) != 11 or len(set(n)) == 1:
        return False
    for size in (9, 10):
        total = sum(int(d) * w for d, w in zip(n[:size], range(size + 1, 1, -1), strict=True))
        if (total * 10 % 11) % 10 != int(n[size]):
            return False
    return True


def _nir(n: str) -> bool:  # France: 13 digits and a key of 97 - (number mod 97)
    body = n[:13].replace("2A", "19").replace("2B", "18")
    return len(n) == 15 and 97 - int(body) % 97 == int(n[13:])


def _cnp(n: str) -> bool:  # Romania
    weights = "279146358279"
    total = sum(int(d) * int(w) for d, w in zip(n[:12], weights, strict=True)) % 11
    return len(n) == 13 and (1 if total == 10 else total) == int(n[12])


def _israel(n: str) -> bool:
    total = 0
    for i, d in enumerate(n.zfill(9)):
        x = int(d) * (1 + i % 2)
        total += x - 9 if x > 9 else x
    return len(n) == 9 and total % 10 == 0


def _taiwan(n: str) -> bool:
    codes = "ABCDEFGHJKLMNPQRSTUVXYWZIO"  # A=10, B=11, ... in this order
    head = codes.index(n[0]) + 10
    digits = [head // 10, head % 10, *map(int, n[1:])]
    weights = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1]
    return len(n) == 10 and sum(d * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


def _ppsn(n: str) -> bool:  # Ireland: seven digits and a check letter, mod 23
    letters = "WABCDEFGHIJKLMNOPQRSTUV"
    total = sum(int(d) * w for d, w in zip(n[:7], range(8, 1, -1), strict=True))
    if len(n) == 9:
        total += (letters.index(n[8]) if n[8] != "W" else 0) * 9
    return len(n) in (8, 9) and letters[total % 23] == n[7]


def recognizers() -> list[EntityRecognizer]:
    checked = [
        _Checked(rf"{_D0}\d{{6}}(?:19|20)\d{{2}}\d{{7}}[0-9Xx]{_D1}", _china, strong=True),
        _Checked(rf"{_D0}(?:\d{{3}}\.\d{{3}}\.\d{{3}}-\d{{2}}|\d{{11}}){_D1}", _cpf, strong=True),
        _Checked(
            rf"{_D0}[12] ?\d{{2}} ?\d{{2}} ?(?:\d{{2}}|2[AB]) ?\d{{3}} ?\d{{3}} ?\d{{2}}{_D1}",
            _nir,
            strong=True,
        ),
        _Checked(rf"{_D0}\d{{4}}\.?\d{{2}}\.?\d{{3}}{_D1}", _bsn, strong=False),
        _Checked(rf"{_D0}[1-8]\d{{12}}{_D1}", _cnp, strong=False),
        _Checked(rf"{_D0}\d{{9}}{_D1}", _israel, strong=False),
        _Checked(r"(?-i:(?<![A-Za-z0-9])[A-Z][12]\d{8}(?!\d))", _taiwan, strong=True),
        _Checked(r"(?-i:(?<![A-Za-z0-9])\d{7}[A-W][A-IW]?(?![A-Za-z0-9]))", _ppsn, strong=False),
    ]
    shaped = PatternRecognizer(
        supported_entity=NATIONAL_ID,
        patterns=[Pattern(f"shaped_{i}", p, 0.6) for i, p in enumerate(_SHAPED)],
        supported_language="en",
    )
    in_context = PatternRecognizer(
        supported_entity=NATIONAL_ID,
        patterns=[Pattern("national_id", _ANY_ID, 0.1)],
        context=_ID_WORDS,
        supported_language="en",
        global_regex_flags=_FLAGS,
    )
    presidio = [cls(supported_language="en") for cls in _PRESIDIO if cls is not InPanRecognizer]
    return [*presidio, _in_pan(), *checked, shaped, in_context]


def _in_pan() -> InPanRecognizer:
    """presidio's Indian PAN recogniser with its weakest pattern's look-aheads kept inside
    the 10-character token: as shipped they scan to the end of the text from every word,
    quadratic in a long message ("a.b.c.d..." of 16k characters took 1.2 s)."""
    patterns = [p for p in InPanRecognizer.PATTERNS if "(?=.*?" not in p.regex]
    patterns.append(
        Pattern(
            "PAN (Low, bounded)",
            r"\b((?=[\w@#$%^?~-]{0,9}[a-zA-Z])(?=[\w@#$%^?~-]{0,6}[0-9]{4})[\w@#$%^?~-]{10})\b",
            0.01,
        )
    )
    return InPanRecognizer(patterns=patterns, supported_language="en")


def entities() -> tuple[str, ...]:
    """Every entity type these recognisers report."""
    return tuple(dict.fromkeys(e for r in recognizers() for e in r.supported_entities))
