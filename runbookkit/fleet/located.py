"""Load YAML or TOML documents together with a way to find the source line of any key.

YAML keeps exact marks: mappings and sequences are built as dict/list subclasses that remember
the line of each key and item. TOML's reader keeps no positions, so a key's line is found by
scanning the text for its table header or ``key =`` assignment, in path order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from runbookkit.errors import ConfigError

LineOf = Callable[[tuple[str | int, ...]], int | None]


class _Map(dict[Any, Any]):
    """A YAML mapping that knows its own line and the line of each key."""

    line: int
    lines: dict[Any, int]


class _Seq(list[Any]):
    """A YAML sequence that knows its own line and the line of each item."""

    line: int
    lines: list[int]


def load_yaml(text: str, path: str) -> tuple[Any, LineOf]:
    """Parse YAML safely, with a line finder.

    Raises:
        ConfigError: a syntax error or a duplicate key, at its line.
    """
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _Map:
        loader.flatten_mapping(node)
        out = _Map()
        out.line, out.lines = node.start_mark.line + 1, {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise ConfigError("a mapping key must be text", path=path, line=line)
            if key in out:
                first = out.lines[key]
                message = f"duplicate key {key!r} (first at line {first})"
                raise ConfigError(message, path=path, line=line)
            out[key] = loader.construct_object(value_node, deep=True)
            out.lines[key] = line
        return out

    def sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> _Seq:
        out = _Seq(loader.construct_object(item, deep=True) for item in node.value)
        out.line, out.lines = node.start_mark.line + 1, [i.start_mark.line + 1 for i in node.value]
        return out

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, sequence)
    try:
        data = yaml.load(text, Loader=Loader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"invalid YAML: {problem}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"invalid YAML: {exc}", path=path) from None

    def line_of(where: tuple[str | int, ...]) -> int | None:
        node: Any = data
        found = getattr(data, "line", None)
        for part in where:
            lines = getattr(node, "lines", None)
            try:
                found = lines[part] if lines is not None else found
                node = node[part]
            except (KeyError, IndexError, TypeError):
                break
        return found

    return data, line_of


_TOML_LINE = re.compile(r"at line (\d+)")


def load_toml(text: str, path: str) -> tuple[Any, LineOf]:
    """Parse TOML, with a line finder that scans for headers and assignments.

    Raises:
        ConfigError: a syntax error, at its line.
    """
    import tomllib

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _TOML_LINE.search(str(exc))
        message = _TOML_LINE.sub("", str(exc)).replace("()", "").strip(" .")
        line = int(found.group(1)) if found else None
        if found is None and "end of document" in str(exc):
            line = max(1, len(text.splitlines()))
        raise ConfigError(f"invalid TOML: {message}", path=path, line=line) from None
    lines = text.splitlines()

    def line_of(where: tuple[str | int, ...]) -> int | None:
        start, found = 0, None
        for part in where:
            if isinstance(part, int):
                continue
            key = re.escape(part)
            quoted = rf"(?:{key}|\"{key}\"|'{key}')"
            pattern = re.compile(rf"^\s*\[\[?[^\]]*\b{quoted}\s*\]|(?:^|[{{,])\s*{quoted}\s*=")
            for index in range(start, len(lines)):
                if pattern.search(lines[index]):
                    start, found = index, index + 1
                    break
        return found

    return data, line_of
