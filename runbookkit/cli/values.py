"""``--var``, ``--secret``, ``--secret-env`` and ``--secret-file`` of ``runbookkit run``, read.

Each gives variables by name; secrets are masked wherever the run shows or keeps text, and no
error message ever shows a secret's value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from runbookkit.errors import ConfigError
from runbookkit.execute.variables import NAME


def parse_assignments(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``KEY=VALUE`` strings as a dict.

    Raises:
        ConfigError: an item is not ``KEY=VALUE`` with a valid name.
    """
    values: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not re.fullmatch(NAME, key):
            raise ConfigError(f"--var {item!r}: expected KEY=VALUE with KEY a name like PORT")
        values[key] = value
    return values


SECRET_FILE_LIMIT = 1 << 20  # bytes a --secret-file may hold


def secrets(
    given: Iterable[str] = (),
    from_env: Iterable[str] = (),
    from_files: Iterable[str] = (),
    environ: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The secret values of a run by name, from ``--secret``, ``--secret-env``, ``--secret-file``.

    ``--secret NAME=VALUE``; ``--secret-env NAME`` (or ``NAME=ENVNAME``) reads runbookkit's own
    environment; ``--secret-file NAME=PATH`` is a file holding the value (one trailing newline
    dropped), ``--secret-file PATH`` a file of ``NAME=VALUE`` lines (values taken as written;
    blank lines and ``#`` comments skipped).

    Raises:
        ConfigError: a malformed item, an unset variable, an unreadable file (never the value).
    """
    environ = os.environ if environ is None else environ
    values: dict[str, str] = {}
    for item in given:
        key, sep, value = item.partition("=")
        if not sep or not re.fullmatch(NAME, key):
            raise ConfigError(
                "--secret: expected NAME=VALUE with NAME a name like PW (what was given is not "
                "shown; --secret-env and --secret-file keep the value out of the command line)"
            )
        values[key] = value
    for item in from_env:
        key, sep, source = item.partition("=")
        source = source if sep else key
        if not re.fullmatch(NAME, key) or not re.fullmatch(NAME, source):
            raise ConfigError(f"--secret-env {item!r}: expected NAME or NAME=ENVNAME")
        if source not in environ:
            raise ConfigError(f"--secret-env {item}: {source} is not set in the environment")
        values[key] = environ[source]
    for item in from_files:
        key, sep, path = item.partition("=")
        if sep and re.fullmatch(NAME, key):
            values[key] = _secret_file(item, Path(path)).removesuffix("\n").removesuffix("\r")
        else:
            values.update(_secret_lines(item, Path(item)))
    return values


def _secret_file(item: str, path: Path) -> str:
    """The text of a ``--secret-file`` (a pipe such as ``<(vault read …)`` will do)."""
    try:
        with path.open("rb") as file:
            data = file.read(SECRET_FILE_LIMIT + 1)
    except OSError as exc:
        raise ConfigError(f"--secret-file {item}: cannot read it ({exc.strerror})") from None
    if len(data) > SECRET_FILE_LIMIT:
        raise ConfigError(f"--secret-file {item}: larger than {SECRET_FILE_LIMIT} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"--secret-file {item}: not UTF-8 text") from None


def _secret_lines(item: str, path: Path) -> dict[str, str]:
    """The ``NAME=VALUE`` lines of a ``--secret-file``."""
    values: dict[str, str] = {}
    for number, line in enumerate(_secret_file(item, path).splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        if not sep or not re.fullmatch(NAME, key.strip()):
            raise ConfigError(
                f"{path}:{number}: expected NAME=VALUE (the line is not shown; for a file that "
                "holds one value, give --secret-file NAME=PATH)"
            )
        values[key.strip()] = value
    return values
