"""U-2: the whole interface in English, Japanese, French and Swedish. Extracting the messages anew
(the catalogues are made with `makemessages --no-location --no-obsolete`) must find every msgid of
every template and `gettext` call already translated in ja, fr and sv: not missing, not empty, not
fuzzy, with the same placeholders. A new page cannot ship half-translated."""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("portal", "vouchers", "billing", "customers", "renewals", "templates")
LANGUAGES = ("ja", "fr", "sv")
PLACEHOLDER = re.compile(r"%\([^)]*\)[sd]")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The committed catalogues merged with a fresh extraction, in a copy of the source tree (so the
    run never writes to the working tree's catalogues)."""
    tree = tmp_path_factory.mktemp("tree")
    for name in SOURCES:
        shutil.copytree(ROOT / name, tree / name, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copytree(ROOT / "locale", tree / "locale")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tree)
        call_command("makemessages", locale=list(LANGUAGES), no_location=True, no_obsolete=True, verbosity=0)
    return {language: polib.pofile(str(tree / "locale" / language / "LC_MESSAGES" / "django.po"))
            for language in LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_u2_every_message_is_translated(extracted, language):
    catalogue = extracted[language]
    missing = [entry.msgid for entry in catalogue if not entry.translated()]
    fuzzy = [entry.msgid for entry in catalogue if entry.fuzzy]
    assert missing == [], f"{len(missing)} messages without a {language} translation"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy {language} translations"


@pytest.mark.parametrize("language", LANGUAGES)
def test_u2_translations_keep_their_placeholders(extracted, language):
    wrong = []
    for entry in extracted[language]:
        expected = set(PLACEHOLDER.findall(entry.msgid)) | set(PLACEHOLDER.findall(entry.msgid_plural or ""))
        for text in ([entry.msgstr] if not entry.msgid_plural else entry.msgstr_plural.values()):
            if not set(PLACEHOLDER.findall(text)) <= expected:
                wrong.append(entry.msgid)
    assert wrong == []


def test_u2_the_committed_catalogues_are_current(extracted):
    """Nothing the code says is missing from the committed catalogues (run makemessages)."""
    for language in LANGUAGES:
        committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES"
                                                                 / "django.po"))}
        fresh = {(e.msgctxt, e.msgid) for e in extracted[language]}
        assert fresh - committed == set(), language
