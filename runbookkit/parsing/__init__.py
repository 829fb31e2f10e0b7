"""Markdown runbook → :class:`~runbookkit.model.Runbook`.

The stages, each in its own module: ``damage`` (repair mis-decoded text), ``fences`` (read
unclosed code fences as CommonMark does, recording each repair), ``document`` (walk the
markdown-it tokens), ``metadata`` (front matter, header and footer lines), ``sections`` (ids),
``steps`` (code blocks → steps), ``targets`` (ssh lines → targets), ``safety`` (destructive
commands).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from runbookkit.errors import ParseError
from runbookkit.files import NotRegularFileError, read_regular
from runbookkit.model import Damage, Runbook
from runbookkit.parsing import kept, safety

if TYPE_CHECKING:
    from markdown_it.token import Token

__all__ = ["id_from_path", "parse_file", "parse_text", "read_text"]


def read_text(path: str | Path) -> tuple[str, str]:
    """Read a runbook file as UTF-8 text; return the text and the sha256 of its bytes.

    Raises:
        ParseError: the path is missing, a directory, a FIFO, device or socket, binary, not
            UTF-8 or empty.
    """
    shown = str(path)
    try:
        data = read_regular(path)
    except FileNotFoundError:
        raise ParseError("no such file, expected a Markdown runbook", path=shown) from None
    except IsADirectoryError:
        raise ParseError("is a directory, expected a Markdown runbook file", path=shown) from None
    except NotRegularFileError as exc:
        message = f"is {exc.kind}, expected a Markdown runbook file"
        raise ParseError(message, path=shown) from None
    except OSError as exc:
        raise ParseError(f"cannot read the file ({exc.strerror})", path=shown) from None
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        raise ParseError("binary file (NUL byte), expected Markdown text", path=shown, line=line)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParseError(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x}), expected UTF-8 Markdown",
            path=shown,
            line=line,
        ) from None
    return text.removeprefix("\ufeff"), hashlib.sha256(data).hexdigest()


def id_from_path(path: str | Path) -> str:
    """The id of the runbook at ``path``: its file name without the extension."""
    return Path(path).stem


def parse_file(
    path: str | Path, *, runbook_id: str | None = None, policy: safety.Policy = safety.DEFAULT
) -> Runbook:
    """Parse the runbook at ``path``; its id is the file name without its extension.

    ``policy`` adds a team's destructive and safe commands (``[tool.runbookkit]``). The runbook
    of an unchanged file is taken from the cache (:mod:`runbookkit.parsing.kept`).
    """
    text, digest = read_text(path)
    ident = runbook_id or id_from_path(path)
    return kept.fetch(
        kept.key(digest, str(path), ident, policy),
        lambda: parse_text(text, path=str(path), runbook_id=ident, sha256=digest, policy=policy),
        lambda found: isinstance(found, Runbook),
    )


def parse_text(
    text: str,
    *,
    path: str = "<string>",
    runbook_id: str | None = None,
    sha256: str | None = None,
    policy: safety.Policy = safety.DEFAULT,
) -> Runbook:
    """Parse Markdown text into a :class:`Runbook`.

    Raises:
        ParseError: the text is empty or malformed (with the line where it is wrong).
    """
    from runbookkit.parsing import damage, fences, metadata, transcripts
    from runbookkit.parsing.document import Walker, markdown
    from runbookkit.parsing.sections import slug

    if not text.strip():
        raise ParseError("file is empty, expected a Markdown runbook", path=path, line=1)
    lines = fences.split_lines(text)
    found: list[Damage] = []
    if damage.has_damage(text):
        lines, found = damage.repair(lines)
    lines, tokens, repairs = fences.repair(lines, markdown().parse)
    walker = Walker(tokens, lines, path)
    fm_title = tokens[0].type == "front_matter" and _front_matter_has_title(tokens[0].content)
    walker.walk(fm_title)
    ident = runbook_id or slug(walker.heading_title or "") or "runbook"
    fallback = walker.heading_title or ident.replace("-", " ").capitalize()
    meta = metadata.build([*walker.header, *walker.footer], fallback, path)
    parsed = Runbook(
        id=ident,
        path=path,
        sha256=sha256 or hashlib.sha256(text.encode()).hexdigest(),
        metadata=meta,
        sections=walker.sections,
        examples=walker.examples,
        damage=found,
        repairs=repairs,
        ignores=walker.ignores,
        title_line=walker.title_line,
        front_matter_end=_front_matter_end(tokens),
    )
    safety.mark(parsed, policy)
    if meta.transcript_checks:
        transcripts.promote(parsed)
    return parsed


def _front_matter_end(tokens: list[Token]) -> int:
    first = tokens[0]
    return first.map[1] if first.type == "front_matter" and first.map else 0


def _front_matter_has_title(content: str) -> bool:
    return any(line.startswith("title:") for line in content.splitlines())
