"""The dependency direction: the domain core never reaches for Telegram or the bot."""

from __future__ import annotations

import ast
import re
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_surveys_never_imports_telegram_or_bot() -> None:
    """If a module of surveys/ imports telegram or bot, then this test names it."""
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & {"telegram", "bot"})
        for path in (ROOT / "surveys").rglob("*.py")
        if _imports(path) & {"telegram", "bot"}
    }
    assert offenders == {}


def test_sql_lives_in_the_store() -> None:
    """If a module outside surveys/store runs SQL, then this test names it."""
    sql = re.compile(r"\b(SELECT .+ FROM|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b")
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("surveys", "bot")
        for path in (ROOT / package).rglob("*.py")
        if "store" not in path.parts
        and "sandbox" not in path.parts
        and sql.search(path.read_text())
    ]
    assert offenders == []


def test_no_vague_module_names() -> None:
    """If a module is called utils, helpers or manager, then this test names it."""
    vague = {"utils", "helpers", "manager", "misc", "common"}
    offenders = [
        str(p) for p in ROOT.glob("*/**/*.py") if p.stem in vague and ".venv" not in str(p)
    ]
    assert offenders == []


def test_the_bot_starts_without_the_heavy_libraries() -> None:
    """If the bot is imported, then scipy, matplotlib and openpyxl are not: they cost about
    100 MB and only exports and reports need them."""
    import subprocess
    import sys

    code = (
        "import sys, bot.app, bot.cli; "
        "print(sorted(m for m in ('scipy', 'matplotlib', 'openpyxl', 'numpy') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "[]"


def test_public_api_is_sorted_and_resolves() -> None:
    """If a name is in surveys.__all__, then the list is sorted, has no duplicates and the
    name resolves to an attribute of the package."""
    import surveys

    assert surveys.__all__ == sorted(set(surveys.__all__))
    assert [name for name in surveys.__all__ if not hasattr(surveys, name)] == []


def _callbacks(path: Path) -> list[ast.AsyncFunctionDef]:
    """The functions of a module that take an update and a context: Telegram callbacks and
    the steps they call."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.AsyncFunctionDef)
        and {"update", "context"} <= {a.arg for a in node.args.args}
    ]


def _body_lines(node: ast.AsyncFunctionDef) -> int:
    """Lines of a function's body, its docstring left out."""
    body = node.body
    if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if not body:
        return 0
    return (body[-1].end_lineno or body[-1].lineno) - body[0].lineno + 1


def test_handlers_are_thin() -> None:
    """If a handler of bot/ (a function taking an update and a context) grows past 15 lines,
    then this test names it: handlers parse, call the domain and render (DESIGN.md)."""
    found = [
        (path, node)
        for path in sorted((ROOT / "bot").rglob("*.py"))
        if "sandbox" not in path.parts
        for node in _callbacks(path)
    ]
    long = [
        f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({_body_lines(node)} lines)"
        for path, node in found
        if _body_lines(node) > 15
    ]
    assert len(found) > 80  # the handlers were found at all
    assert long == []


def _caught(path: Path) -> set[str]:
    """Names of the exception classes a module's ``except`` clauses catch."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            types = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            names |= {t.id if isinstance(t, ast.Name) else ast.unparse(t) for t in types}
    return names


def test_handlers_never_catch_domain_errors() -> None:
    """If a handler module catches a domain error itself, then this test names it: the error
    handler (bot/handlers/errors.py) maps every error's ``code`` to its catalogue message in
    one place, so no handler repeats a try block per error."""
    from surveys import errors

    domain = {
        name
        for name, value in vars(errors).items()
        if isinstance(value, type) and issubclass(value, errors.SurveysError)
    }
    handlers = [p for p in (ROOT / "bot" / "handlers").glob("*.py") if p.name != "errors.py"]
    offenders = {
        str(path.relative_to(ROOT)): sorted(_caught(path) & domain)
        for path in handlers
        if _caught(path) & domain
    }
    assert len(handlers) > 10 and len(domain) > 30
    assert offenders == {}


def _string_literals(path: Path) -> list[tuple[int, str]]:
    """Each string literal of a module (f-strings included) with its line, quotes and all."""
    with path.open("rb") as source:
        return [
            (token.start[0], token.string)
            for token in tokenize.tokenize(source.readline)
            if token.type == tokenize.STRING
        ]


def _sources() -> list[Path]:
    return sorted(p for package in ("surveys", "bot") for p in (ROOT / package).rglob("*.py"))


def test_the_outbox_is_filled_in_one_place() -> None:
    """If a module other than the outbox store writes ``INSERT OR IGNORE INTO outbox``, then
    this test names it: eligibility and de-duplication live in ``queue_eligible`` alone."""
    insert = re.compile(r"INSERT\s+OR\s+IGNORE\s+INTO\s+outbox\b", re.IGNORECASE)
    found = {
        str(path.relative_to(ROOT)): len(insert.findall(path.read_text()))
        for path in _sources()
        if insert.search(path.read_text())
    }
    assert found == {"surveys/store/outbox.py": 1}


def test_outbox_purposes_are_spelled_in_one_module() -> None:
    """If a module other than surveys/purposes.py spells an outbox purpose (``"invite:..."``,
    ``'remind:'`` in SQL, ``f"event:{id}:..."``) or compares ``purpose`` with an SQL literal,
    then this test names the line: a purpose spelled twice drifts, and a cancelled round or
    event would then leave its reminders behind."""
    body = re.compile(r"^[A-Za-z]*(?:'''|\"\"\"|'|\")")
    spelled = re.compile(
        r"(?:^|['\"])(?:invite|remind|digest|announce|report|report-followup):"
        r"|(?:^|['\"])event:[^'\"\s]*:"
    )
    literal_match = re.compile(r"purpose\s*(?:=|LIKE)\s*'", re.IGNORECASE)
    own = ROOT / "surveys" / "purposes.py"
    offenders = [
        f"{path.relative_to(ROOT)}:{line} {text}"
        for path in _sources()
        if path != own
        for line, text in _string_literals(path)
        if spelled.search(body.sub("", text)) or literal_match.search(text)
    ]
    assert offenders == []
    # The guard sees what it guards: the purposes module itself spells them.
    assert len([t for _, t in _string_literals(own) if spelled.search(body.sub("", t))]) >= 8
