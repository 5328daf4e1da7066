from assistant.index.navigation import navigation_share

TOC_GLUED = (
    "Table of Contents1. Definitions and overview1.1. What is this FAQ?1.2. What is Debian "
    "GNU/Linux?1.3. OK, now I know what Debian is... what is Linux?!1.4. Does Debian just do "
    "GNU/Linux?2. Getting and installing Debian2.1. What is the latest version of Debian?"
)
TITLES = (
    "Getting started\nDjango at a glance\nDesign your model\nInstall it\n"
    "Enjoy the free API\nDesign your URLs\n"
)
MENU = "Home |\nTable of contents |\nIndex |\nModules\nup\n|\nnext »"
WRAPPED = (
    "Leave is booked in the HR portal at least two weeks ahead. Your manager\n"
    "approves it within three working days; if they are away, their deputy\n"
    "does. Up to five unused days carry over into the next year and expire\n"
    "on 31 March. Sick leave is not booked in advance: tell your manager on\n"
    "the first day and send a doctor's note from the fourth day onwards.\n"
)


def test_tables_of_contents_menus_and_title_lists_read_as_navigation() -> None:
    assert navigation_share(TOC_GLUED) > 0.7
    assert navigation_share(TITLES) > 0.9
    assert navigation_share(MENU) > 0.4


def test_prose_hard_wrapped_or_not_is_content() -> None:
    assert navigation_share(WRAPPED) == 0.0
    assert navigation_share(WRAPPED.replace("\n", " ")) == 0.0
    assert navigation_share("Python 3.11 was released in 2022; 3.12 followed.") < 0.3
    assert navigation_share("") == 0.0
