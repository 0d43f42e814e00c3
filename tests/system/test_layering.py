"""The layers point one way (STYLE.md): the domain modules of `regions ← agenda ← actions`
import only down that line, and the project package `config/` imports no app but the
user's scope (`agenda.scope`). Checked on the source, imports inside functions included."""

import ast

import pytest

from tests.paths import ROOT

APPS = ["regions", "agenda", "actions", "reviews"]
DOMAIN_MODULES = [
    "models.py",
    "querysets.py",
    "services.py",
    "choices.py",
    "scope.py",
    "selectors.py",
    "history.py",
    "reminders.py",
]
# What each app's domain may import, of the apps. The review pages sit on top of them all.
ALLOWED = {
    "regions": {"regions"},
    "agenda": {"regions", "agenda"},
    "actions": {"regions", "agenda", "actions"},
    "reviews": set(APPS),
}


def imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def app_of(module):
    top = module.split(".")[0]
    return top if top in APPS else None


DOMAIN_FILES = [
    (app, ROOT / app / name)
    for app in APPS
    for name in DOMAIN_MODULES
    if (ROOT / app / name).exists()
]


@pytest.mark.parametrize(("app", "path"), DOMAIN_FILES, ids=lambda v: str(v)[-30:])
def test_domain_imports_point_one_way(app, path):
    wrong = {m for m in imported_modules(path) if app_of(m) and app_of(m) not in ALLOWED[app]}
    assert wrong == set(), f"{path.relative_to(ROOT)} imports {wrong}"


# The URL configuration wires the apps' views together; it is no base.
CONFIG_BASES = sorted(p for p in (ROOT / "config").rglob("*.py") if not p.name.endswith("urls.py"))


@pytest.mark.parametrize("path", CONFIG_BASES, ids=lambda p: str(p.relative_to(ROOT)))
def test_config_imports_no_app_but_the_scope(path):
    wrong = {m for m in imported_modules(path) if app_of(m) and m != "agenda.scope"}
    assert wrong == set(), f"{path.relative_to(ROOT)} imports {wrong}"


def test_the_check_sees_a_wrong_import(tmp_path):
    """The checker itself finds a forbidden import, also one inside a function."""
    bad = tmp_path / "models.py"
    bad.write_text("def f():\n    from actions.models import Action\n")
    assert {
        m for m in imported_modules(bad) if app_of(m) not in ALLOWED["regions"] and app_of(m)
    } == {"actions.models"}


def test_nothing_imports_the_review_pages():
    """`reviews` is the top layer: no other app (face or domain) nor `config/` imports it."""
    offenders = []
    packages = [p for p in ROOT.iterdir() if (p / "__init__.py").exists()]
    for package in packages:
        if package.name in ("reviews", "tests"):
            continue
        for path in package.rglob("*.py"):
            if any(app_of(m) == "reviews" for m in imported_modules(path)):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
