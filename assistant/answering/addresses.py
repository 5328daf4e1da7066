"""Postal addresses outside the UK and US, as patterns for presidio (entity ``LOCATION``):
a street with its house number in the shapes of continental Europe, Latin America,
Indonesia, Greece and Japan, and a postcode with its town. A place alone ("the Lyon
office") is not personal data and is left alone; these need a house number or a postcode.

Presidio compiles patterns ignoring case; ``(?-i:...)`` marks the parts that must be
capitalised, so "via email 5 times" is not "Via Garibaldi 18". Every pattern is linear:
no nested repetition, bounded counts."""

from __future__ import annotations

_WORD = r"[\p{L}'’.\-]+"  # a word of a street's name
_NAME = rf"(?-i:\p{{Lu}}){_WORD}"  # ... that starts with a capital
_NUMBER = r"\d{1,4}(?:\s?[a-zA-Z](?![\p{L}]))?"  # 18, 12a, 3 B

PATTERNS: list[tuple[str, float]] = [
    # France, Belgium, Switzerland: 14 rue des Lilas, 3 bis avenue Foch
    (
        rf"\b{_NUMBER}(?:\s?(?:bis|ter))?,?\s+(?:rue|avenue|av\.|boulevard|bd|chemin|allée|"
        rf"impasse|place|quai|route|cours)\s+(?:(?:de|du|des|la|le|l['’]|d['’])\s*){{0,2}}"
        rf"{_NAME}(?:[ \-]{_NAME}){{0,3}}",
        0.6,
    ),
    # Italy, Spain, Portugal, Brazil, Poland, Indonesia: Via Garibaldi 18, Calle Mayor 5,
    # Rua Augusta 120, ul. Długa 5, Jl. Sudirman No. 45
    (
        r"\b(?:via|viale|piazza|piazzale|corso|largo|calle|avenida|avda\.|plaza|paseo|carrer|"
        r"rua|travessa|praça|alameda|ul\.|ulica|al\.|aleja|jl\.|jalan)\s+"
        rf"(?:(?:de|del|della|da|do|dos|das|di)\s+){{0,2}}{_NAME}(?:\s+{_NAME}){{0,3}},?\s+"
        rf"(?:n[º°o]\.?\s*)?{_NUMBER}\b",
        0.6,
    ),
    # Netherlands, Scandinavia, Finland, Germany, Austria, Switzerland, Hungary, Greece:
    # Keizersgracht 221, Drottninggatan 5, Mannerheimintie 12, Váci utca 15, Λεωφόρος Κηφισίας 120
    (
        rf"\b(?-i:\p{{Lu}})[\p{{L}}\-]*(?:straat|gracht|laan|weg|plein|kade|singel|gatan|"
        rf"vägen|gade|vej|veien|gata|katu|tie|kuja|gasse|ring|damm|ufer|markt)\s+{_NUMBER}\b",
        0.6,
    ),
    (rf"\b{_NAME}\s+(?:utca|út|tér|körút|sor)\s+{_NUMBER}\b", 0.6),
    (rf"(?:Λεωφόρος|Λεωφ\.|Οδός|Οδ\.)\s+{_NAME}(?:\s+{_NAME}){{0,2}}\s+{_NUMBER}\b", 0.6),
    # A postcode and its town after a comma or a line break, or before its street:
    # ", 80331 München", ", 1016 DV Amsterdam", "1052 Budapest, Váci utca 15"
    (
        rf"(?<=(?:[,:]|^|\n)\s{{0,3}})\d{{4,5}}(?:\s?(?-i:[A-Z]{{2}}))?\s+{_NAME}"
        rf"(?:[ \-]{_NAME}){{0,2}}",
        0.5,
    ),
    # Canada: M5H 2N2; Brazil: 01310-100; Japan: 〒150-0002 and what follows to the end
    (r"\b(?-i:[A-Z]\d[A-Z] ?\d[A-Z]\d)\b", 0.5),
    (r"\b\d{5}-\d{3}\b", 0.5),
    (r"〒\s?\d{3}-?\d{4}[^\n。、,，]{0,40}", 0.8),
]
