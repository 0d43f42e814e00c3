"""Every string of ours is Dutch (English being the msgids): the catalogue has a Dutch msgstr
for each, none empty or fuzzy, and none is missing from it; where our msgid is also Django's
own, our translation is Django's (so that "Opslaan" is not "Bewaren" beside "Opslaan en …");
headings read as Dutch ("Geldt voor", not "Op geldt voor")."""

import gettext
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import django
import pytest

from tests.conftest import require_or_skip
from tests.paths import ROOT

CATALOGUE = ROOT / "locale/nl/LC_MESSAGES/django.po"
# What `make messages` reads (the Makefile's ignores); the copy holds just that.
SOURCES = ["actions", "agenda", "config", "jobs", "regions", "reviews", "templates", "manage.py"]


def untranslated(po_text):
    """The entries of a .po without a Dutch translation: an empty msgstr (or plural form), or
    a guess makemessages marked fuzzy (which the compiled catalogue leaves out)."""
    entries = [e for e in po_text.split("\n\n")[1:] if "#~" not in e]
    return [
        e
        for e in entries
        if e.rstrip().endswith('msgstr ""')
        or re.search(r'^msgstr\[\d\] ""$(?!\n")', e, re.MULTILINE)
        or "#, fuzzy" in e
    ]


def test_every_own_message_has_a_dutch_translation():
    """The catalogue is complete: no msgid of ours without a Dutch msgstr, none fuzzy."""
    assert untranslated(CATALOGUE.read_text()) == []


def test_no_own_string_is_missing_from_the_catalogue(tmp_path):
    """`make messages` on the sources as they are adds nothing untranslated: every string
    marked for translation in the code and the templates is in the catalogue, in Dutch."""
    require_or_skip(
        shutil.which("xgettext") and shutil.which("msgmerge"), "GNU gettext is not installed"
    )
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, tmp_path / name)
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "nl", "--no-location", "-v0"],
        cwd=tmp_path,
        env={**os.environ, "DEBUG": "on"},
        check=True,
    )
    regenerated = (tmp_path / "locale/nl/LC_MESSAGES/django.po").read_text()
    assert untranslated(regenerated) == []


def catalogue(path):
    with open(path, "rb") as compiled:
        return gettext.GNUTranslations(compiled)._catalog


def test_our_translations_of_djangos_own_words_are_djangos():
    """A msgid that Django translates too ("Save", "Change password", "Filter") is not
    translated differently by us: our catalogue comes first, and would change Django's own
    buttons ("Bewaren" beside "Opslaan en nieuwe toevoegen")."""
    djangos = {}
    for compiled in sorted(Path(django.__file__).parent.glob("**/locale/nl/LC_MESSAGES/*.mo")):
        for msgid, msgstr in catalogue(compiled).items():
            if msgid and msgstr:
                djangos.setdefault(msgid, msgstr)
    ours = catalogue(ROOT / "locale/nl/LC_MESSAGES/django.mo")
    differing = {
        msgid: (msgstr, djangos[msgid])
        for msgid, msgstr in ours.items()
        if msgid and msgid in djangos and djangos[msgid] != msgstr
    }
    assert differing == {}
    assert ours["Save"] == "Opslaan"


@pytest.mark.django_db
def test_the_admins_buttons_and_filter_headings_read_as_dutch(client, users, small_agenda):
    """ "Opslaan" beside "Opslaan en …" (no "Bewaren"); a filter is headed by its name
    ("Geldt voor"), not by Django's "By …" ("Op geldt voor")."""
    client.force_login(users["brabant_editor"])
    action = small_agenda["own_action"]
    form = client.get(f"/admin/actions/action/{action.pk}/change/").content.decode()
    assert 'value="Opslaan"' in form
    assert "Opslaan en opnieuw bewerken" in form
    assert "Bewaren" not in form
    listing = client.get("/admin/actions/action/").content.decode()
    headings = re.findall(r"<summary>\s*(.*?)\s*</summary>", listing, re.S)
    assert headings[:3] == ["Geldt voor", "Status", "Te laat"]
    assert not [h for h in headings if h.startswith("Op ")]


@pytest.mark.django_db
def test_a_form_with_errors_is_titled_in_dutch(client, users):
    """Django's admin titles it "Error: …", which its Dutch catalogue does not translate."""
    client.force_login(users["superuser"])
    response = client.post("/admin/agenda/theme/add/", {"code": "", "name": ""})
    assert response.status_code == 200
    title = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)
    assert title.startswith("Fout: ")
