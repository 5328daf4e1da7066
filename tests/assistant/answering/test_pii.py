"""Personal data: each kind the redactor knows, and policy text it must leave alone (the
whole loop's scan over 109 values is ``tests/review/test_privacy.py``)."""

from __future__ import annotations

import pytest

from assistant.answering.pii import default_redactor

PII = [
    ("Contact me at jane.roe@example.org please", "jane.roe@example.org", "EMAIL_ADDRESS"),
    ("my address is j.smith@northwind.example", "j.smith@northwind.example", "EMAIL_ADDRESS"),
    ("Call +49 89 12345678 after lunch", "12345678", "PHONE_NUMBER"),
    ("UK mobile 07700 900123 is mine", "900123", "PHONE_NUMBER"),
    ("US office (415) 555-0132", "555-0132", "PHONE_NUMBER"),
    ("Card 4111 1111 1111 1111 was charged", "4111 1111 1111 1111", "CREDIT_CARD"),
    ("Refund to IBAN DE89370400440532013000", "DE89370400440532013000", "IBAN_CODE"),
    ("GB IBAN GB82WEST12345698765432 please", "GB82WEST12345698765432", "IBAN_CODE"),
    ("My SSN is 536-22-8719", "536-22-8719", "US_SSN"),
    ("my laptop IP is 192.168.14.23", "192.168.14.23", "IP_ADDRESS"),
    ("NI number JG 10 37 59 A", "JG 10 37 59 A", "UK_NINO"),
    ("NI number QQ 12 34 56 C", "QQ 12 34 56 C", "UK_NINO"),
    ("Ask Tomasz Nowak about it", "Tomasz", "PERSON"),
    ("Olena Kovalenko", "Kovalenko", "PERSON"),
    ("I was born on 3 March 1987", "3 March 1987", "DATE_OF_BIRTH"),
    ("14/03/1987", "14/03/1987", "DATE_OF_BIRTH"),
    ("My passport number is X1234567", "X1234567", "PASSPORT"),
    ("passport C01X00T47 expires soon", "C01X00T47", "PASSPORT"),  # a German one's shape
    ("Meine Reisepassnummer: C01X00T47", "C01X00T47", "PASSPORT"),
    ("numéro de passeport 12AB34567", "12AB34567", "PASSPORT"),
    ("my identity card number is L01X00T471", "L01X00T47", "PASSPORT"),
    ("Employee EMP-204918 asked", "204918", "EMPLOYEE_ID"),
    ("I moved to 14 Elm Road, Leeds LS1 4AP", "Elm Road", "LOCATION"),
    ("Hauptstraße 12, 10115 Berlin", "Hauptstraße 12", "LOCATION"),
    # In other languages: a name of two words, or after a title
    ("Anna Schmidt hat ihren Urlaub beantragt.", "Schmidt", "PERSON"),
    ("Fragen Sie Frau Müller nach dem Budget.", "Müller", "PERSON"),
    # an article before a German given name: still a name ("die Katrin" is common speech)
    ("Hat die Katrin Zwieselbrecht schon geantwortet?", "Zwieselbrecht", "PERSON"),
    ("Mon responsable Jean-Pierre Martin a refusé.", "Martin", "PERSON"),
    ("El señor Pérez dijo que sí.", "Pérez", "PERSON"),
    # Known given and family names, where the English model alone misses them
    ("Ask Giulia Bianchi about it", "Bianchi", "PERSON"),
    ("Ho parlato con Giulia Bianchi ieri.", "Giulia", "PERSON"),
    ("Fala com João da Silva Santos sobre isso.", "Silva", "PERSON"),
    ("Vraag het aan Jan de Vries.", "Vries", "PERSON"),
    ("Ольга Иванова спросила про отпуск.", "Иванова", "PERSON"),
    ("Ahmet Yılmaz izin istedi.", "Yılmaz", "PERSON"),
    ("Please add 李建国 to the project channel.", "李建国", "PERSON"),
    ("田中花子さんの有給休暇は何日残っていますか？", "田中", "PERSON"),
    ("박지성 씨의 출장 보고서를 찾아줘.", "박지성", "PERSON"),
    ("Can you send the contract to أحمد الخطيب by Friday?", "الخطيب", "PERSON"),
    # A family name after its particle, after a title or a name
    ("Wer vertritt Dr. Anna von Bülow?", "Bülow", "PERSON"),
    ("Il dottor Francesco D'Angelo ha chiesto il rimborso.", "Angelo", "PERSON"),
    ("Czy Grzegorz Brzęczyszczykiewicz złożył wniosek?", "Brzęczyszczykiewicz", "PERSON"),
    # Dates of birth with the month's name in other languages
    ("Ich bin geboren am 3. März 1987.", "März 1987", "DATE_OF_BIRTH"),
    ("Nací el 24 de diciembre de 1985.", "diciembre", "DATE_OF_BIRTH"),
    ("Il mio cellulare è 347 123 4567.", "347 123 4567", "PHONE_NUMBER"),
    # Identity numbers of other countries, shown as one kind
    ("Mi DNI es 12345678Z", "12345678Z", "NATIONAL_ID"),
    ("身份证号码是440305199003071236", "440305199003071236", "NATIONAL_ID"),
    ("CNIC 35202-4567891-3 please", "4567891", "NATIONAL_ID"),
    ("Meu CPF é 529.982.247-25", "982.247", "NATIONAL_ID"),
    # Addresses, plates and accounts
    ("Adresse : 14 rue des Lilas, 69003 Lyon.", "Lilas", "LOCATION"),
    ("Keizersgracht 221, 1016 DV Amsterdam", "Keizersgracht 221", "LOCATION"),
    ("My car's plate is LR69 KXW", "LR69 KXW", "LICENSE_PLATE"),
    ("Номер авто ВС 1234 АН, добавьте в список парковки", "ВС 1234 АН", "LICENSE_PLATE"),
    # e-mail addresses written to slip past a crawler
    ("Send it to maria.lopez[at]example-mail.com please", "maria.lopez", "EMAIL_ADDRESS"),
    ("write to tom dot baker at mailhost dot org", "tom dot baker", "EMAIL_ADDRESS"),
    (
        "The form https://portal.example/f?mail=j.smith%40mailhost.org broke",
        "j.smith",
        "EMAIL_ADDRESS",
    ),
    # logins and handles
    ("Locked out again: ACME\\tsmith4, please reset", "tsmith4", "USERNAME"),
    ('Log: {"user": "kpatel", "event": "login_failed"}', "kpatel", "USERNAME"),
    ("My Telegram handle is @olga_v_99", "olga_v_99", "USERNAME"),
    ("Mein Benutzername ist h.krause7, bitte freischalten.", "h.krause7", "USERNAME"),
    # a name before an address in a mail header, in any language
    ("Von: Brandauer, Kerstin <k.b@example.de>\nBetreff: Elternzeit", "Kerstin", "PERSON"),
    ("From: Summer Okonkwo-Hale <s.oh@example.com>", "Okonkwo", "PERSON"),
    # where someone lives, to the metre
    ("Courier pick-up at 52.52001, 13.40495 by the gate", "52.52001", "COORDINATES"),
    ("Sort code 20-45-77, account 83910245", "83910245", "BANK_ACCOUNT"),
    # Names by cue, title or initials
    ("Personalbogen\nName: Krause, Heike\nAbteilung: Einkauf", "Heike", "PERSON"),
    ("je m'appelle théo girard, né le 3 mai", "girard", "PERSON"),
    ("Dear Tesfaye, thanks for the form.", "Tesfaye", "PERSON"),
    ("Bitte prüfen.\n\nLiebe Grüße\nAnna", "Anna", "PERSON"),
    ("Per J. R. Okafor's comment the form is wrong", "Okafor", "PERSON"),
    ("สวัสดีครับ คุณสมศักดิ์ วงศ์สวัสดิ์ ฝ่ายบัญชี", "สมศักดิ์", "PERSON"),
]
NOT_PII = [
    "The hotel limit is EUR 250 in London.",
    "Version 4.2 of the handbook, effective 1 March 2026.",
    "Call extension 4357 for the Service Desk.",
    "Up to five days carry over; they expire on 31 March.",
    "Passwords must be at least 14 characters long.",
    # (an address with a postcode is redacted like a home address, the office's too)
    "The office is in Munich's Werksviertel.",
    "The policy changed on 14/03/2024 and again on 1 January 2025.",
    "Where is the Berlin office canteen?",
    "What does the Employee Handbook say about Annual Leave?",
    "Is Microsoft Teams allowed for customer calls?",
    "Reference X1234567 is on the invoice.",
    "Order PO2024001 was shipped.",
    "Enable the VPN before opening the HR portal; your ID badge opens floor 5.",
    "In 1987 the company opened its first office.",
    # Questions in other languages: their capitalised nouns are not names
    "Wie viele Tage bezahlten Urlaub bekommen Vollzeitbeschäftigte?",
    "Wann wird an meinem letzten Arbeitstag mein Zugang gesperrt?",
    "¿Cuántos días de vacaciones pagadas tienen los empleados a tiempo completo?",
    "Combien de jours de congés payés ont les salariés à temps plein ?",
    "Gibt es am Münchner Standort eine Kantine?",
    "Gilt die Regel im Hamburger Büro?",
    "¿Hay comedor en la Oficina Central de Madrid?",
    "公司的报销政策是什么？",
    "정책이 바뀌었나요?",
    "Kann ich Ende August Urlaub nehmen?",
    "File name: handbook.pdf; what does it say about leave?",
    "I am covering for the team next week.",
    "Was ist die beste Lösung für Reisekosten?",
    "Hi Team, where is the travel policy?",
    # after an article, capitalised words are a noun phrase (Sommer, Mai and Winter are
    # given names in other locales)
    "Ich möchte diesen Sommer Urlaub nehmen, geht das?",
    "Wir planen im Mai Urlaub auf der Insel.",
    "Kann ich im Winter Homeoffice machen?",
    "Can I use @here in the #hr Slack channel for a reminder?",
    "Is the @dataclass decorator allowed in our style guide?",
    "The user account is locked after five attempts, who unlocks it?",
    "Build 2.14.3 and 2.15.0 both fail at step 3, 4.",
]


@pytest.fixture(scope="module")
def redactor():
    return default_redactor()


@pytest.mark.parametrize(("text", "value", "entity"), PII)
def test_pii_is_redacted(redactor, text: str, value: str, entity: str) -> None:
    result = redactor.redact(text)
    assert value not in result.text
    assert f"<{entity}>" in result.text or entity in result.entities
    assert entity in result.entities


@pytest.mark.parametrize("text", NOT_PII)
def test_ordinary_policy_text_is_left_alone(redactor, text: str) -> None:
    result = redactor.redact(text)
    assert result.text == text and result.entities == ()


def test_a_name_in_another_language_takes_no_word_before_it(redactor) -> None:
    # The English model reads "Kann Lukas Müller" as one name; the question word stays.
    result = redactor.redact("Kann Lukas Müller meinen Urlaub genehmigen?")
    assert result.text == "Kann <PERSON> meinen Urlaub genehmigen?"


def test_only_a_header_or_list_makes_the_words_before_an_address_a_name(redactor) -> None:
    text = "Please write to the HR desk <hr-desk@example.com> about parental leave."
    assert redactor.redact(text).text == (
        "Please write to the HR desk <<EMAIL_ADDRESS>> about parental leave."
    )
