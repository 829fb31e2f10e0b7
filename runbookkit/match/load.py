"""The routes of a runbooks directory, through a cache so that routing does not re-parse.

Parsing 200 runbooks takes longer than scanning a million log lines, so the route of each file
(its id, title, Pattern, severity and MTTR) is kept in a cache file keyed by the file's size and
modification time and by the parser's own files: a changed runbook, or a changed parser, is
parsed again. Files that fail to parse are never cached, so their errors show every time.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from runbookkit._version import __version__
from runbookkit.cache import cache_dir, digest, sources_stamp, write_atomic
from runbookkit.errors import ParseError
from runbookkit.match.routes import Route

FORMAT = 1


def load_routes(directory: Path) -> tuple[list[Route], list[ParseError]]:
    """The route of every runbook in ``directory`` that has a Pattern, and the parse errors.

    Raises:
        NotFoundError: ``directory`` does not exist.
    """
    from runbookkit import finder

    files = finder.discover(directory)
    cache_file = cache_dir() / f"routes-{digest([str(directory.resolve())], 16)}.json"
    stamp = _parser_stamp()
    cached = _read(cache_file, stamp)
    entries: dict[str, Any] = {}
    routes: list[Route] = []
    errors: list[ParseError] = []
    for path in files:
        key = str(path.resolve())
        info = path.stat()
        file_stamp = [info.st_mtime_ns, info.st_size]
        entry = cached.get(key)
        fresh, route = _cached_route(entry, file_stamp)
        if not fresh:
            try:
                entry = {"stamp": file_stamp, "route": _parse(path)}
            except ParseError as exc:
                errors.append(exc)
                continue
            route = Route(**entry["route"]) if entry["route"] else None
        entries[key] = entry
        if route is not None:
            routes.append(replace(route, path=str(path)))
    if entries != cached:
        _write(cache_file, {"stamp": stamp, "files": entries})
    return routes, errors


def _cached_route(entry: Any, file_stamp: list[int]) -> tuple[bool, Route | None]:
    """Whether the cache entry is usable, and its route (None for a runbook without Pattern)."""
    if not isinstance(entry, dict) or entry.get("stamp") != file_stamp:
        return False, None
    if entry.get("route") is None:
        return True, None
    try:
        return True, Route(**entry["route"])
    except TypeError:
        return False, None


def _parse(path: Path) -> dict[str, Any] | None:
    from runbookkit.parsing import parse_file

    route = Route.from_runbook(parse_file(path))
    return asdict(route) if route else None


def _parser_stamp() -> str:
    """What the cached routes depend on besides the runbooks: the parser and the model."""
    return sources_stamp(("model.py", "match/routes.py", "parsing/*.py"), f"{FORMAT}:{__version__}")


def _read(cache_file: Path, stamp: str) -> dict[str, Any]:
    try:
        body = json.loads(cache_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(body, dict) or body.get("stamp") != stamp:
        return {}
    files = body.get("files")
    return files if isinstance(files, dict) else {}


def _write(cache_file: Path, body: dict[str, Any]) -> None:
    """Write the cache atomically; a cache that cannot be written is only a slower next run."""
    write_atomic(cache_file, json.dumps(body).encode())
