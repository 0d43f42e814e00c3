"""Mutation testing of the rule modules (`make mutants`; slow, not in CI).

Each mutant changes one thing in the modules that hold the registry's rules (the scope, the
status moves, the region tree, the write services): a comparison turned round, a condition
dropped, a check deleted. The rule's tests run against each mutant in a copy of the tree; a
mutant that no test fails "survives" and is printed, to be killed by a new test or shown to
be equivalent. Usage:

    python tests/mutants.py [--jobs 2] [--only agenda/scope.py] [--list]
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULE_MODULES = [
    "agenda/scope.py",
    "agenda/querysets.py",
    "agenda/backends.py",
    "agenda/services.py",
    "actions/choices.py",
    "actions/querysets.py",
    "actions/services.py",
    "regions/querysets.py",
    "config/services.py",
    "config/concurrency.py",
]
# The rule's tests, fastest first: a killed mutant stops at its first failure.
TESTS = [
    "tests/agenda/test_permissions.py",
    "tests/actions",
    "tests/agenda",
    "tests/regions",
    "tests/config/api/test_write.py",
    "tests/config/test_history.py",
    "tests/config/test_admin.py",
]
# (pattern, replacement) applied to one occurrence at a time.
OPERATORS = [
    (r" == ", " != "),
    (r" != ", " == "),
    (r" < ", " <= "),
    (r" <= ", " < "),
    (r" > ", " >= "),
    (r" >= ", " > "),
    (r" and ", " or "),
    (r" or ", " and "),
    (r"\bnot ", ""),
    (r"\bany\(", "all("),
    (r"\ball\(", "any("),
    (r"\.exclude\(", ".filter("),
    (r"~models\.Q\(", "models.Q("),
    (r"\| models\.Q\(", "& models.Q("),
    (r"return True\b", "return False"),
    (r"return False\b", "return True"),
    (r"\bself\.all\(\)", "self.none()"),
    (r"\bself\.none\(\)", "self.all()"),
    (r"\+= 1\b", "+= 0"),
    (r"=True\b", "=False"),
    (r"=False\b", "=True"),
]
# Mutants no operator makes: (module, text, replacement), first occurrence.
EXTRA = [
    (
        "actions/choices.py",
        "ActionStatus.DONE: {ActionStatus.IN_PROGRESS}",
        "ActionStatus.DONE: {ActionStatus.IN_PROGRESS, ActionStatus.CANCELLED}",
    ),
    (
        "actions/choices.py",
        "ActionStatus.AT_RISK: {ActionStatus.IN_PROGRESS, ActionStatus.DONE,",
        "ActionStatus.AT_RISK: {ActionStatus.DONE,",
    ),
    (
        "actions/choices.py",
        "ActionStatus.PLANNED: {ActionStatus.IN_PROGRESS, ActionStatus.CANCELLED}",
        "ActionStatus.PLANNED: {ActionStatus.IN_PROGRESS, ActionStatus.DONE}",
    ),
    (
        "actions/choices.py",
        "STATUSES_NEEDING_NOTE = {ActionStatus.AT_RISK, ActionStatus.CANCELLED}",
        "STATUSES_NEEDING_NOTE = {ActionStatus.AT_RISK}",
    ),
    ("regions/querysets.py", "ancestor_links__ancestor__in", "descendant_links__descendant__in"),
    ("regions/querysets.py", "descendant_links__descendant__in", "ancestor_links__ancestor__in"),
    ("actions/querysets.py", "models.Q(owner__in=scope.editor_party_ids)\n            | ", ""),
    ("actions/querysets.py", "| models.Q(region__in=area)", ""),
    (
        "actions/querysets.py",
        "region__isnull=True,\n                agreement__in=Agreement",
        "agreement__in=Agreement",
    ),
    (
        "agenda/querysets.py",
        'models.Q(pk__in=objects.led_by(scope.editor_party_ids).values("pk"))\n            | ',
        "",
    ),
    ("agenda/querysets.py", "role=AgreementPartyRole.LEAD", "role__isnull=False"),
    ("agenda/querysets.py", 'models.Q(pk__in=through.values("agreement_id")),', ""),
    ("agenda/querysets.py", ".filter(scope=AgreementScope.REGIONAL).filter(", ".filter("),
    ("agenda/scope.py", "is_member=user.is_superuser or bool(memberships)", "is_member=True"),
    ("agenda/scope.py", "or not user.is_active", ""),
    ("agenda/services.py", 'if "supersedes" in changed:', "if False:"),
]
# A whole line removed: checks, guards, validations, writes.
DELETABLE = re.compile(
    r"^\s+(ensure_editable|_ensure_addable|_check_links|_validate|scope\.check_\w+|"
    r"validate_agreement_regions|\w+\.full_clean|raise \w+|if .*: return|return$|"
    r"instance\.version \+= 1|locked\.\w+ = )"
)


def code_lines(text):
    """Line numbers that are code, not docstrings or comments."""
    lines, inside, quote = [], False, None
    for number, line in enumerate(text.splitlines()):
        stripped = line.strip()
        if not inside and stripped.startswith(('"""', "'''")):
            quote = stripped[:3]
            if not (stripped.count(quote) >= 2 and len(stripped) > 3):
                inside = True
            continue
        if inside:
            if quote in stripped:
                inside = False
            continue
        if stripped and not stripped.startswith("#"):
            lines.append(number)
    return lines


# The modules as they were when the run started: edits made meanwhile do not mix in.
SOURCES = {module: (ROOT / module).read_text() for module in RULE_MODULES}


def inside_string(line, position):
    """Whether `position` lies inside a string literal on this line (quotes counted)."""
    before = line[:position]
    return before.count('"') % 2 == 1 or before.count("'") % 2 == 1


def mutants():
    for module in RULE_MODULES:
        text = SOURCES[module]
        lines = text.splitlines()
        for number in code_lines(text):
            line = lines[number]
            for pattern, replacement in OPERATORS:
                for match in re.finditer(pattern, line):
                    if inside_string(line, match.start()):
                        continue  # a message's wording is no rule
                    mutated = line[: match.start()] + replacement + line[match.end() :]
                    yield module, number, line, mutated
            if DELETABLE.match(line) and not line.rstrip().endswith(("(", ",")):
                indent = line[: len(line) - len(line.lstrip())]
                yield module, number, line, f"{indent}pass"
    for module, old, new in EXTRA:
        assert old in SOURCES[module], (module, old)
        yield module, None, old, new


def apply(tree, module, number, line, mutated):
    text = SOURCES[module]
    if number is None:  # an EXTRA mutant: replace the text
        (tree / module).write_text(text.replace(line, mutated, 1))
        return
    lines = text.splitlines(keepends=True)
    lines[number] = mutated + "\n"
    (tree / module).write_text("".join(lines))


def where(module, number):
    return f"{module}:{number + 1}" if number is not None else module


def run(tree, timeout):
    env = {**os.environ, "SECRET_KEY": "mutants", "CI": "", "DATABASE_URL": ""}
    env.pop("DATABASE_URL")
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *TESTS]
    try:
        done = subprocess.run(command, cwd=tree, env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout"
    return {0: "survived", 1: "killed"}.get(done.returncode, f"error {done.returncode}")


def copy_tree(target):
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in files:
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", help="one rule module, e.g. agenda/scope.py")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--timeout", type=int, default=900)
    args = parser.parse_args()
    todo = [m for m in mutants() if not args.only or m[0] == args.only]
    if args.list:
        for module, number, line, mutated in todo:
            print(f"{where(module, number)}: {line.strip()}  →  {mutated.strip()}")
        print(f"{len(todo)} mutants")
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="mutants-"))
    trees = []
    for job in range(args.jobs):
        tree = workdir / f"tree{job}"
        copy_tree(tree)
        trees.append(tree)
    free = list(trees)
    results = []
    started = time.monotonic()

    def one(mutant):
        module, number, line, mutated = mutant
        tree = free.pop()
        try:
            apply(tree, module, number, line, mutated)
            outcome = run(tree, args.timeout)
        finally:
            (tree / module).write_text(SOURCES[module])
            free.append(tree)
        print(f"{outcome:>9}  {where(module, number)}: {line.strip()}  →  {mutated.strip()}")
        sys.stdout.flush()
        return outcome, mutant

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(one, todo))
    survivors = [m for outcome, m in results if outcome != "killed"]
    killed = len(results) - len(survivors)
    minutes = (time.monotonic() - started) / 60
    print(f"\n{killed}/{len(results)} mutants killed in {minutes:.0f} min; survivors:")
    for module, number, line, mutated in survivors:
        print(f"  {where(module, number)}: {line.strip()}  →  {mutated.strip()}")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
