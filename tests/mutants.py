"""Mutation testing of the rule modules (`make mutants`; not in CI).

Each mutant changes one thing in the modules that hold the registry's rules (the scope, the
status moves, the region tree, the write services): a comparison turned round, a condition
dropped, a check deleted. A mutant that no test fails "survives" and is printed, to be killed
by a new test or shown to be equivalent (the EQUIVALENT table below; README: the score).

Fast enough to run whole: one pass of the rule's tests under coverage first records which
test reaches which line (tests/mutants_coverage.py); each mutant then runs only the tests
that reach its line, in a copy of the tree with its own ready test database (copied from a
migrated one, never rebuilt). A line no statement-level test reaches (a table, a decorator)
is tried by every test that reaches its module. A mutant whose tests run far longer than they
did unmutated (a loop that no longer ends) is stopped and counted as caught. Usage:

    python tests/mutants.py [--jobs 2] [--only agenda/scope.py ...] [--list]
                            [--recheck-equivalent] [--json outcomes.json]
"""

import argparse
import ast
import functools
import importlib.util
import json
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
# The coverage context of what building a module's shared data set reaches (followed by the
# module's path): tests/mutants_coverage.py.
SHARED_BY = "shared by"
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
    "tests/config/test_services.py",
    "tests/actions",
    "tests/agenda",
    "tests/regions",
    "tests/config/api/test_write.py",
    "tests/config/test_history.py",
    "tests/config/test_admin.py",
    "tests/reviews/test_decisions.py",
    "tests/config/test_read_only_pages.py",
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
# Mutants shown to change no behaviour, with why: (module, enclosing function, line, mutant),
# the lines stripped, so that the table survives lines moving. They are not run (a claim here
# is re-checked with --recheck-equivalent) and count apart from the killed.
EQUIVALENT = {
    ("agenda/scope.py", "UserScope", "@dataclass(frozen=True)", "@dataclass(frozen=False)"):
        "no code assigns to a scope",
    (
        "agenda/backends.py", "get_all_permissions",
        "if not user_obj.is_active or user_obj.is_anonymous or obj is not None:",
        "if not user_obj.is_active and user_obj.is_anonymous or obj is not None:",
    ): "an inactive user's scope is empty anyway (tests/agenda/test_scope_edges.py)",
    ("agenda/services.py", "_check_links", "return", "pass"):
        "the checks skipped for a ministry editor pass for them anyway",
    (
        "agenda/services.py", "agreement_delete",
        "if locked.superseded_by.exists() or locked.review_decisions.exists():",
        "if locked.superseded_by.exists() and locked.review_decisions.exists():",
    ): "a superseded agreement's delete is refused by its protected foreign key, same message",
    ("agenda/services.py", "review_decision_save", "current.full_clean()", "pass"):
        "the decision is checked against the agreement first (ensure_decision_fits), the note "
        "has no limit and the row is locked: nothing is left for full_clean to refuse",
    (
        "actions/services.py", "_save_with_generated_code",
        "or attempt + 1 == GENERATED_CODE_ATTEMPTS", "and attempt + 1 == GENERATED_CODE_ATTEMPTS",
    ): "save_new_record raises a ValidationError only for unique fields; code is the only one",
    (
        "actions/services.py", "_validate",
        'raise ValidationError({"code": _("An action needs a code.")})', "pass",
    ): "unreachable: the code is generated before validation, and without an agreement "
    "full_clean refuses first",
    ("actions/services.py", "action_create", "ensure_editable(user, action, after_write=True)",
     "pass"): "a new action's owner is checked to be the editor's own: always editable",
    (
        "actions/services.py", "action_create", "ensure_editable(user, action, after_write=True)",
        "ensure_editable(user, action, after_write=False)",
    ): "a new action's owner is checked to be the editor's own: always editable",
    ("actions/services.py", "_create_many", "return", "pass"):
        "with nothing left to create, the rest runs queries over empty lists",
    ("actions/services.py", "_check_new_codes", "return", "pass"):
        "with no codes to check, the rest runs a query over an empty list",
    (
        "actions/services.py", "_generate_codes",
        "for action, code in zip(waiting, codes, strict=True):",
        "for action, code in zip(waiting, codes, strict=False):",
    ): "the codes are made one per waiting action: the lengths are equal",
    (
        "actions/services.py", "_save_many",
        '**dict(zip(columns, values, strict=True)), version=F("version") + 1, updated_at=now',
        '**dict(zip(columns, values, strict=False)), version=F("version") + 1, updated_at=now',
    ): "each group's values are read column by column: the lengths are equal",
    (
        "actions/services.py", "working_area_ids",
        "if any(region.pk not in self._region_ids for region in regions):",
        "if all(region.pk not in self._region_ids for region in regions):",
    ): "the one region asked about is the action's, always among the batch's regions",
    ("actions/services.py", "check_unique_codes", "return", "pass"):
        "with no codes, the look-up of an empty list runs no query and finds nothing",
    (
        "actions/services.py", "check_unique_codes",
        "if taken or len(holders) > 1:", "if taken or len(holders) >= 1:",
    ): "a code free and wanted once refuses holders[1:]: nobody",
}  # fmt: skip
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


@functools.cache
def definitions(module):
    """(first line, last line, name) of every function and class, decorators included, outer
    ones first: parsed once per module, asked once per mutant."""
    return [
        (min([node.lineno, *(d.lineno for d in node.decorator_list)]), node.end_lineno, node.name)
        for node in ast.walk(ast.parse(SOURCES[module]))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]


def enclosing_function(module, number):
    """The name of the innermost function or class holding line `number` (from 0); "" at
    module level."""
    name = ""
    for first, last, candidate in definitions(module):
        if first <= number + 1 <= last:
            name = candidate
    return name


def equivalence(module, number, line, mutated):
    """Why this mutant is equivalent (EQUIVALENT), or None."""
    function = enclosing_function(module, number) if number is not None else ""
    return EQUIVALENT.get((module, function, line.strip(), mutated.strip()))


def apply(tree, module, number, line, mutated):
    text = SOURCES[module]
    if number is None:  # an EXTRA mutant: replace the text
        write_module(tree, module, text.replace(line, mutated, 1))
        return
    lines = text.splitlines(keepends=True)
    lines[number] = mutated + "\n"
    write_module(tree, module, "".join(lines))


def write_module(tree, module, text):
    """Writes a module and drops its compiled bytecode: Python knows a cached file by the
    source's size and modification second, which a mutant written in the same second as
    the one before, and as long, would share."""
    path = tree / module
    path.write_text(text)
    Path(importlib.util.cache_from_source(path)).unlink(missing_ok=True)


def where(module, number):
    return f"{module}:{number + 1}" if number is not None else module


def environment(tree):
    env = {**os.environ, "SECRET_KEY": "mutants", "CI": "", "DEBUG": "off"}
    # Bytecode cached between runs (each run's start: Django, DRF, the tests' rewritten
    # asserts); a mutated module's own is dropped with each write (write_module).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("DATABASE_URL", None)
    env["TEST_DATABASE_FILE"] = str(tree / "test.sqlite3")
    return env


def prepare_database(tree):
    """A migrated database, copied before each run: a test that flushes (a live server's)
    leaves the next run nothing to rely on otherwise."""
    env = {**environment(tree), "DATABASE_URL": f"sqlite:///{tree / 'ready.sqlite3'}"}
    command = [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"]
    subprocess.run(command, cwd=tree, env=env, check=True)


# Plugins the rule's tests do not use (the fuzz's): half of pytest's start, once per mutant.
UNUSED_PLUGINS = ["hypothesispytest", "schemathesis", "locust"]


def pytest_command(tests, workers=0):
    unused = [option for name in UNUSED_PLUGINS for option in ("-p", f"no:{name}")]
    return [
        sys.executable, "-m", "pytest", "-x", "-q", "-n", str(workers), "--dist", "loadscope",
        "-p", "no:cacheprovider", *unused, "--reuse-db", *tests,
    ]  # fmt: skip


def run(tree, tests, timeout):
    if not tests:
        return "not reached"
    shutil.copyfile(tree / "ready.sqlite3", tree / "test.sqlite3")
    command = pytest_command(tests)
    try:
        done = subprocess.run(
            command, cwd=tree, env=environment(tree), capture_output=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return "timeout"
    return {0: "survived", 1: "killed"}.get(done.returncode, f"error {done.returncode}")


def time_limit(tests, durations, fixed):
    """`--timeout` if given, else a minute for the start plus five times what these tests took
    in the coverage pass (itself slower than a plain run)."""
    return fixed or 60 + 5 * sum(durations.get(test, 0) for test in tests)


def reaching_tests(tree, workers):
    """({module: {line number (from 1): [test ids in TESTS' order]}}, {test id: seconds}): one
    pass under coverage, on `workers` processes (each its own test database)."""
    data_file = tree / ".mutants-coverage"
    env = {
        **environment(tree),
        "MUTANTS_COVERAGE_FILE": str(data_file),
        "MUTANTS_INCLUDE": ",".join(str(tree / m) for m in RULE_MODULES),
    }
    env.pop("TEST_DATABASE_FILE")  # one per process (settings.py), not the mutants' copy
    command = [*pytest_command(TESTS, workers), "-p", "tests.mutants_coverage"]
    command.remove("-x")
    command.remove("--reuse-db")
    subprocess.run(command, cwd=tree, env=env, capture_output=True, check=False)
    import coverage

    combined = coverage.Coverage(data_file=str(data_file))
    combined.combine([str(tree)], keep=False)
    data = combined.get_data()
    order = {}
    reached = {}
    for module in RULE_MODULES:
        by_line = data.contexts_by_lineno(str(tree / module))
        reached[module] = {}
        for line, contexts in by_line.items():
            tests = [reached_by(c) for c in contexts if "::" in c or c.startswith(SHARED_BY)]
            for test in tests:
                order.setdefault(test, len(order))
            reached[module][line] = tests
    rank = {test: (first_in_tests(test), n) for test, n in order.items()}
    for lines in reached.values():
        for line, tests in lines.items():
            lines[line] = sorted(set(tests), key=rank.__getitem__)
    durations = {}
    for part in tree.glob(".mutants-durations.*"):  # one per process, the same times
        durations.update(json.loads(part.read_text()))
    for test, seconds in list(durations.items()):  # a whole module: its tests' time
        module = test.split("::")[0]
        durations[module] = durations.get(module, 0) + seconds
    return reached, durations


def reached_by(context):
    """The test of a coverage context; for a line reached while a module's shared data set
    was built (tests/mutants_coverage.py), the whole module."""
    return context.removeprefix(f"{SHARED_BY} ")


def first_in_tests(test):
    """TESTS' order (fastest first), so that a killed mutant stops early."""
    for position, path in enumerate(TESTS):
        if test.startswith(path):
            return position
    return len(TESTS)


def statement_starts(module):
    """{line: first line of the innermost statement holding it}: coverage records a statement
    at its first line, so a mutant on a continuation line is reached where its statement is."""
    starts = {}
    for node in ast.walk(ast.parse(SOURCES[module])):  # outer statements first
        if isinstance(node, ast.stmt):
            for line in range(node.lineno, node.end_lineno + 1):
                starts[line] = node.lineno
    return starts


def tests_for(reached, module, lines):
    """The tests that reach these lines; for a line run only when the module is imported (a
    table, a decorator, a class attribute) or by no test, every test that reaches the module,
    so that such a mutant is tried, not passed over."""
    starts = statement_starts(module)
    tests = {t for line in lines for t in reached[module].get(starts.get(line, line), [])}
    if not tests:
        tests = {t for line_tests in reached[module].values() for t in line_tests}
    return sorted(tests, key=first_in_tests)


def lines_of(module, number, old):
    """The lines (from 1) a mutant changes."""
    if number is not None:
        return [number + 1]
    start = SOURCES[module][: SOURCES[module].index(old)].count("\n")
    return list(range(start + 1, start + 2 + old.count("\n")))


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
    parser.add_argument(
        "--only", action="append", help="a rule module, e.g. agenda/scope.py (repeatable)"
    )
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument(
        "--timeout", type=int, help="seconds per mutant (default: from its tests' own time)"
    )
    parser.add_argument("--json", help="also write the outcomes to this file")
    parser.add_argument(
        "--recheck-equivalent", action="store_true", help="run the mutants in EQUIVALENT too"
    )
    args = parser.parse_args()
    todo = [m for m in mutants() if not args.only or m[0] in args.only]
    unmatched = set(EQUIVALENT) - {
        (m, enclosing_function(m, n) if n is not None else "", old.strip(), new.strip())
        for m, n, old, new in mutants()
    }
    if unmatched:  # a stale entry: its line changed, so its claim needs a new look
        print("EQUIVALENT entries that match no mutant:", *sorted(unmatched), sep="\n  ")
        return 1
    if args.list:
        for module, number, line, mutated in todo:
            print(f"{where(module, number)}: {line.strip()}  →  {mutated.strip()}")
        print(f"{len(todo)} mutants")
        return 0
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="mutants-"))
    trees = []
    for job in range(args.jobs):
        tree = workdir / f"tree{job}"
        copy_tree(tree)
        prepare_database(tree)
        trees.append(tree)
    reached, durations = reaching_tests(trees[0], args.jobs)
    print(f"which test reaches which line: {(time.monotonic() - started) / 60:.1f} min")
    free = list(trees)

    def one(mutant):
        module, number, line, mutated = mutant
        reason = equivalence(module, number, line, mutated)
        if reason and not args.recheck_equivalent:
            print(f" equivalent        {where(module, number)}: {line.strip()}  ({reason})")
            return "equivalent", mutant
        tests = tests_for(reached, module, lines_of(module, number, line))
        tree = free.pop()
        begun = time.monotonic()
        try:
            apply(tree, module, number, line, mutated)
            outcome = run(tree, tests, time_limit(tests, durations, args.timeout))
        finally:
            write_module(tree, module, SOURCES[module])
            free.append(tree)
        seconds = time.monotonic() - begun
        print(
            f"{outcome:>11} {seconds:5.0f} s  {where(module, number)}: "
            f"{line.strip()}  →  {mutated.strip()}"
        )
        sys.stdout.flush()
        return outcome, mutant

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(one, todo))
    # A mutant whose tests never finish (a loop that no longer ends) is caught: the suite, and
    # CI, would never pass with it.
    caught = ("killed", "timeout", "equivalent")
    survivors = [(outcome, m) for outcome, m in results if outcome not in caught]
    equivalent = sum(outcome == "equivalent" for outcome, _m in results)
    killed = len(results) - len(survivors) - equivalent
    minutes = (time.monotonic() - started) / 60
    score = 100 * killed / (len(results) - equivalent) if len(results) > equivalent else 0
    print(
        f"\n{killed} of {len(results) - equivalent} mutants killed ({score:.1f} %), "
        f"{equivalent} equivalent (not run), {len(survivors)} survived, in {minutes:.0f} min"
    )
    for outcome, (module, number, line, mutated) in survivors:
        print(f"  {outcome}: {where(module, number)}: {line.strip()}  →  {mutated.strip()}")
    if args.json:
        outcomes = [
            {"outcome": o, "where": where(m, n), "line": line.strip(), "mutant": mutated.strip()}
            for o, (m, n, line, mutated) in results
        ]
        Path(args.json).write_text(json.dumps(outcomes, indent=1, ensure_ascii=False))
    shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
