"""Find runbooks in a directory and resolve a runbook NAME to its file, safely."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from runbookkit.errors import NotFoundError, ParseError

if TYPE_CHECKING:
    from collections.abc import Callable

    from runbookkit.model import Runbook
    from runbookkit.parsing.safety import Policy


def discover(directory: Path) -> list[Path]:
    """Every ``*.md`` runbook directly in ``directory`` (or below it), sorted by path."""
    if not directory.is_dir():
        raise NotFoundError("runbooks directory not found", path=str(directory))
    return sorted(p for p in directory.rglob("*.md") if p.is_file())


def has_runbook(name: str, directory: Path) -> bool:
    """Whether ``directory`` holds a runbook with id ``name`` (the stem of a file in it or below
    it, as :func:`discover` finds them); False when there is no such directory."""
    if (directory / f"{name}.md").is_file():
        return True
    return directory.is_dir() and any(path.stem == name for path in discover(directory))


def is_path(name: str) -> bool:
    """Whether ``name`` is a file path rather than a runbook NAME: it ends in .md, or it names an
    existing file whatever its extension (``runbook.txt``)."""
    return name.endswith((".md", ".markdown")) or Path(name).is_file()


def resolve(name: str, directory: Path) -> Path:
    """The file of a runbook given as NAME (``<directory>/NAME.md``) or as a PATH (:func:`is_path`).

    A NAME that would leave ``directory`` (``../x``, an absolute path) is refused; a PATH is the
    operator's explicit choice and is returned as it is (reading it reports what is wrong).

    Raises:
        NotFoundError: no such runbook, or the name escapes the runbooks directory.
    """
    as_path = Path(name)
    if is_path(name):
        return as_path
    if as_path.is_absolute() or ".." in as_path.parts or name.startswith("~"):
        raise NotFoundError(
            f"runbook name {name!r} leaves the runbooks directory, expected a name inside "
            f"{directory}"
        )
    candidate = directory / f"{name}.md"
    root = directory.resolve()
    if not candidate.resolve().is_relative_to(root):
        raise NotFoundError(f"runbook name {name!r} leaves the runbooks directory {directory}")
    if not candidate.is_file():
        known = ", ".join(p.stem for p in discover(directory)) if directory.is_dir() else ""
        hint = f" (known: {known})" if known else ""
        raise NotFoundError(f"no runbook named {name!r} in {directory}{hint}")
    return candidate


def load(name: str, directory: Path, *, policy: Policy | None = None) -> Runbook:
    """Resolve and parse a runbook; ``policy`` holds the team's destructive and safe commands."""
    from runbookkit.parsing import parse_file, safety

    return parse_file(resolve(name, directory), policy=policy or safety.DEFAULT)


def load_all(
    directory: Path,
    policy: Policy | None = None,
    *,
    meanwhile: Callable[[], object] | None = None,
) -> tuple[list[Runbook], list[ParseError]]:
    """Parse every runbook in ``directory``; errors are returned, not raised, one per file.

    In a large directory, a second process parses the later half into the cache meanwhile
    (see :class:`runbookkit.cache.Alongside`). ``meanwhile`` is the caller's other work, done
    here once that process has started (the docs site reads the run history); the process
    then takes the later two thirds.
    """
    from runbookkit.cache import Alongside
    from runbookkit.parsing import parse_file, safety

    chosen = policy or safety.DEFAULT
    runbooks: list[Runbook] = []
    errors: list[ParseError] = []

    def parse(path: Path) -> None:
        try:
            runbooks.append(parse_file(path, policy=chosen))
        except ParseError as exc:
            errors.append(exc)

    paths = list(discover(directory))
    mine = len(paths) // 3 if meanwhile is not None else len(paths) // 2
    with Alongside(paths[mine:], parse):
        if meanwhile is not None:
            meanwhile()
        for path in paths[:mine]:
            parse(path)
    for path in paths[mine:]:
        parse(path)
    return runbooks, errors
