"""What a line in a shell block looks like when it isn't shell: YAML, JSON, SQL or output."""

from __future__ import annotations

import re

_YAML = re.compile(r"^(?:- )?[A-Za-z_][\w.-]*:(?:\s|$)")
# `{ "a": …`, `[{`, `["a", …`, `"key": …`; not a brace group (`{ cmd; }`) or a test (`[ "$x" ]`).
_JSON = re.compile(r'^(?:\{\s*"[^"]*"\s*:|\[\s*(?:\{|"[^"]*"\s*[,\]])|"[^"]+"\s*:)')
_SQL = re.compile(
    r"^(?:SELECT|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(?:TABLE|INDEX|USER)"
    r"|ALTER\s+TABLE|DROP\s+(?:TABLE|INDEX|DATABASE)|GRANT|SHOW\s+\w+|EXPLAIN)\b"
)
# A table header as `kubectl get`, `docker ps` or `ps` print it: several upper-case columns.
_HEADER = re.compile(r"^[A-Z][A-Z_%-]+(?:\s{2,}[A-Z][A-Z_%()-]*(?: [A-Z]+)?){2,}\s*$")


def kind(line: str) -> str | None:
    """``YAML``, ``JSON``, ``SQL`` or ``program output`` when ``line`` reads as one, else None."""
    text = line.strip()
    if not text or text.startswith("#"):
        return None
    if _SQL.match(text):
        return "SQL"
    if _JSON.match(text):
        return "JSON"
    if _YAML.match(text) and "=" not in text.split(":", 1)[0]:
        return "YAML"
    if _HEADER.match(text):
        return "program output"
    return None
