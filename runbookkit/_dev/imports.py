"""The import order of runbookkit's modules: the graph, and the imports that go against it.

Data flows one way through runbookkit, and so do its imports. Every module belongs to a stage
(:data:`TABLE`), and the stages come in this order (:data:`STAGES`)::

    text -> tokens -> model -> findings | plan | routes -> results -> record -> history
         -> pages | presentation -> entry

A module may import modules of its own stage or of an earlier one; the branches of one rank
(``findings | plan | routes``) may not import each other. Every ``import`` and ``from ...
import`` in a module's source counts, read with :mod:`ast` (relative imports resolved, and
``from package import name`` taken as the submodule when ``name`` is one):

- module-level imports, including those in a class body or a top-level ``if``/``try``;
- lazy imports, inside a function: they run later, but the module still depends on what they
  import;
- ``if TYPE_CHECKING:`` imports: they never run, but a type named from a later stage is a
  dependency on it all the same, so they respect the order too (the graph lists them apart).

Import cycles are looked for among module-level imports only (Tarjan's strongly connected
components): a lazy import runs once every module is loaded and a ``TYPE_CHECKING`` one never
runs, so neither can make an import fail half-way. A package's ``__init__`` is not counted as
imported by its submodules (Python loads it first, whatever they import), and imports made by
name at run time (``__import__``, :mod:`importlib`) are not seen.

``python -m runbookkit._dev.imports [PACKAGE_DIR]`` prints the graph by stage, then one line per
problem (an import against the order, a cycle, a module missing from the table) and exits 1 if
there is any, else 0. ``runbookkit._dev`` itself is left out: it is not part of what runs.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# The ranks in order; the stages of one rank are parallel branches.
STAGES: tuple[tuple[str, ...], ...] = (
    ("text",),
    ("tokens",),
    ("model",),
    ("findings", "plan", "routes"),
    ("results",),
    ("record",),
    ("history",),
    ("pages", "presentation"),
    ("entry",),
)

# Each module's stage, by its name inside the package: ``"a.b"`` is the module or package
# ``a.b`` (``"__init__"`` the package itself), ``"a.*"`` the package ``a`` and everything in it
# not named on its own. None leaves a module out of the check.
TABLE: dict[str, str | None] = {
    # text: reading files and text, the errors everyone raises
    "errors": "text",
    "files": "text",
    "secrets": "text",  # masking secret values in any text
    "terminal": "text",  # what a terminal shows of a text
    "_version": "text",
    "cache": "text",  # the cache directory, its keys and atomic writes (stdlib only)
    "history.location": "text",  # a store's path or URL, as a setting gives it (stdlib only)
    # tokens: markdown-it tokens -> the runbook model
    "model": "tokens",  # the runbook: plain dataclasses the parser fills
    "parsing.*": "tokens",
    "settings": "tokens",  # the team's command policy it holds is the parser's (parsing.safety)
    # model: the runbook of a file, and the runbooks of a directory
    "parsing": "model",  # the parser's front door: parse_text/parse_file
    "finder": "model",
    # three branches on the model
    "lint.*": "findings",
    "planning": "plan",
    "match.*": "routes",  # which runbook a text (a log, an alert) is about
    # results: running a plan, on one machine or a fleet, and its events
    "execute.*": "results",
    "fleet.*": "results",
    # record: what a run and an alert write, and the store interface they write through
    # (history.store: RunWriter, Transactional), which the stores below implement
    "history.records": "record",
    "history.store": "record",
    "history.liveness": "record",
    "history.recorder": "record",
    "history.attach": "record",
    "history.incidents": "record",  # incidents opened by alerts, linked to runs as they record
    # history: the stores behind that interface, opening one, reading and measuring it
    "history": "history",
    "history.sqlite": "history",
    "history.postgres": "history",
    "history.queries": "history",
    "history.pg_queries": "history",
    "history.migrations": "history",
    "history.spool": "history",
    "incidents": "history",
    # pages: the docs site
    "publish.*": "pages",
    # presentation: what the terminal shows of a run, a fleet run, lint, match and the history
    "display.*": "presentation",
    # entry: the public API and the front ends, free to import any stage
    "__init__": "entry",
    "__main__": "entry",
    "runs": "entry",
    "cli.*": "entry",
    "alerts.*": "entry",
    "_dev.*": None,
}

MODULE, LAZY, TYPING = "module", "lazy", "typing"
_KINDS = (MODULE, LAZY, TYPING)


@dataclass(frozen=True)
class Import:
    """One import of a package module by another: where it is written and how it runs."""

    source: str  # the importing module (dotted, with the package's name)
    target: str
    line: int
    kind: str  # MODULE, LAZY (inside a function) or TYPING (under ``if TYPE_CHECKING:``)


def modules(root: Path) -> dict[str, Path]:
    """Every module of the package at ``root`` (a directory with ``__init__.py``), by name."""
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if all(part.isidentifier() for part in parts):
            found[".".join(parts)] = path
    return found


def read_imports(name: str, path: Path, known: Mapping[str, Path]) -> list[Import]:
    """The imports of package modules (``known``) in the source of module ``name``."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[Import] = []
    for node, kind in _walk(tree.body, MODULE):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            base = _absolute(node, package)
            if base is None:
                continue
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            ]
        for target in targets:
            module = _known_prefix(target, known)
            if module is not None and module != name:
                found.append(Import(name, module, node.lineno, kind))
    return found


def _walk(body: Sequence[ast.stmt], kind: str) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
    for node in body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node, kind
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield from _walk(node.body, TYPING if kind == TYPING else LAZY)
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from _walk(node.body, TYPING)
            yield from _walk(node.orelse, kind)
        else:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    yield from _walk([child], kind)
                elif isinstance(child, ast.ExceptHandler | ast.match_case):
                    yield from _walk(child.body, kind)


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def _absolute(node: ast.ImportFrom, package: str) -> str | None:
    """The module a ``from ... import`` reads from, relative levels resolved."""
    if not node.level:
        return node.module
    parts = package.split(".")
    if node.level - 1 >= len(parts):
        return None  # beyond the top of the package
    base = ".".join(parts[: len(parts) - (node.level - 1)])
    return f"{base}.{node.module}" if node.module else base


def _known_prefix(target: str, known: Mapping[str, Path]) -> str | None:
    """``target`` or the nearest package above it that is a module of the package."""
    while target:
        if target in known:
            return target
        target = target.rpartition(".")[0]
    return None


def stage_of(name: str, table: Mapping[str, str | None]) -> tuple[bool, str | None]:
    """Whether the table names module ``name`` (dotted, without the package's own name), and
    its stage (None: left out of the check)."""
    if not name:
        name = "__init__"
    if name in table:
        return True, table[name]
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        key = ".".join(parts[:end]) + ".*"
        if key in table:
            return True, table[key]
    return False, None


def _cycles(graph: Mapping[str, Sequence[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each in the order
    of one cycle through it, starting at its first module by name."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return sorted(_cycle_through(set(c), graph) for c in components)


def _cycle_through(component: set[str], graph: Mapping[str, Sequence[str]]) -> list[str]:
    """A shortest cycle from the component's first module back to it (breadth first)."""
    start = min(component)
    came_from: dict[str, str] = {}
    queue = [start]
    for node in queue:
        for nxt in graph.get(node, ()):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return path[::-1]
            if nxt in component and nxt not in came_from:
                came_from[nxt] = node
                queue.append(nxt)
    raise AssertionError("a strongly connected component without a cycle")


@dataclass
class Report:
    """The check's findings on one package."""

    package: str
    stages: dict[str, str]  # module -> stage, for the modules checked
    imports: dict[str, list[Import]]  # module -> its imports of other checked modules
    problems: list[str]


def check(
    root: Path,
    table: Mapping[str, str | None] = TABLE,
    stages: Sequence[Sequence[str]] = STAGES,
) -> Report:
    """Check the package at ``root`` against ``table`` and the order of ``stages``."""
    root = root.resolve()
    package = root.name
    rank = {stage: number for number, names in enumerate(stages) for stage in names}
    known = modules(root)
    paths = {name: path.relative_to(root.parent).as_posix() for name, path in known.items()}
    problems: list[str] = []
    staged: dict[str, str] = {}
    left_out: set[str] = set()
    for name in known:
        listed, stage = stage_of(name.removeprefix(package).removeprefix("."), table)
        if not listed:
            problems.append(f"{paths[name]}:1: {name} is not in the stage table")
        elif stage is None:
            left_out.add(name)
        elif stage not in rank:
            problems.append(f"{paths[name]}:1: {name} has an unknown stage {stage!r}")
        else:
            staged[name] = stage
    graph: dict[str, list[Import]] = {}
    for name in staged:
        found = read_imports(name, known[name], known)
        graph[name] = [i for i in found if i.target not in left_out]
        for used in found:
            if used.target in left_out:
                problems.append(
                    f"{paths[name]}:{used.line}: imports {used.target}, which is left out of "
                    f"the stage table (not part of what runs){_note(used)}"
                )
                continue
            if used.target not in staged:
                continue  # missing from the table: reported once, above
            mine, theirs = staged[name], staged[used.target]
            if rank[theirs] > rank[mine]:
                order = "later stage"
            elif rank[theirs] == rank[mine] and theirs != mine:
                order = "parallel stage"
            else:
                continue
            problems.append(
                f"{paths[name]}:{used.line}: imports {used.target} "
                f"(stage {mine} -> {order} {theirs}){_note(used)}"
            )
    at_load = {
        name: sorted({i.target for i in found if i.kind == MODULE}) for name, found in graph.items()
    }
    for cycle in _cycles(at_load):
        first = min(i.line for i in graph[cycle[0]] if i.target == cycle[1] and i.kind == MODULE)
        loop = " -> ".join([*cycle, cycle[0]])
        problems.append(f"{paths[cycle[0]]}:{first}: import cycle {loop}")
    return Report(package, staged, graph, problems)


def _strength(used: Import) -> int:
    return -_KINDS.index(used.kind)


def _note(used: Import) -> str:
    return {MODULE: "", LAZY: " [lazy]", TYPING: " [TYPE_CHECKING]"}[used.kind]


def graph_lines(report: Report, stages: Sequence[Sequence[str]] = STAGES) -> Iterator[str]:
    """The graph as text: per stage, each module and what it imports (lazy and type-only
    imports apart)."""
    for names in stages:
        for stage in names:
            members = sorted(m for m, s in report.stages.items() if s == stage)
            if not members:
                continue
            yield f"[{stage}]"
            for module in members:
                strongest: dict[str, str] = {}  # each target once: at load, else lazy
                for used in sorted(report.imports.get(module, []), key=_strength):
                    strongest[used.target] = used.kind
                parts = []
                for kind, label in zip(_KINDS, ("", "lazy: ", "typing: "), strict=True):
                    targets = sorted(t for t, k in strongest.items() if k == kind)
                    if targets:
                        parts.append(label + ", ".join(targets))
                yield f"  {module} -> {'; '.join(parts) or '(nothing)'}"


def main(argv: Sequence[str] | None = None) -> int:
    """Print the import graph of a package and its problems; 1 if there are any, else 0."""
    parser = argparse.ArgumentParser(
        prog="python -m runbookkit._dev.imports", description=__doc__.split("\n", 1)[0]
    )
    parser.add_argument(
        "package",
        nargs="?",
        type=Path,
        default=Path(__file__).resolve().parents[1],
        help="the package directory (default: runbookkit's own)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print the problems only")
    options = parser.parse_args(argv)
    if not (options.package / "__init__.py").is_file():
        parser.error(f"{options.package} is not a package directory")
    report = check(options.package)
    out = sys.stdout
    if not options.quiet:
        for line in graph_lines(report):
            print(line, file=out)
    for problem in report.problems:
        print(problem, file=out)
    checked = sum(len(found) for found in report.imports.values())
    if report.problems:
        print(f"{len(report.problems)} problem(s) in {checked} imports", file=sys.stderr)
        return 1
    print(f"{len(report.stages)} modules, {checked} imports in order, no cycle", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
