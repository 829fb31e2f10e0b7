"""Secrets in commands and output: their common shapes, found and masked.

Lint reports the shapes (a secret written into a runbook). Everything a run shows or keeps (the
screen, ``--json``, prompts, the plan, history records, the site) passes a :class:`Redactor`:
it masks every value given as secret, also in the quoted and escaped forms runbookkit itself
writes (``shlex.quote``, ``repr``, JSON, backslashes), and every shape below. Live output goes
through a :class:`StreamRedactor`, which holds back what could be the start of a secret until
the rest has come, so a secret split across two reads is masked too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import io
import json
import re
import shlex
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Any, TextIO, TypeVar

T = TypeVar("T")

MASK = "***"

_WORDS = r"(?:password|passwd|passphrase|token|secret|api[_-]?key)"
# A name ending in a secret word: db_password, GITHUB_TOKEN, client-secret; *_KEY and *_PWD in
# the upper case of environment variables only (sort_key and $OLDPWD are no secrets).
_NAME = re.compile(
    r"(?i:[a-z0-9_-]*(?:password|passwd|passphrase|token|secret|api_?key)|(?:[a-z0-9]+[_-])+pass)"
    r"|(?:[A-Z0-9]+_)+(?:KEY|PWD)"
)
# A value as written after ``=`` or ``:``: quoted (up to its closing quote), or a bare word.
_VALUE = r"(?:\"(?P<secret_dq>[^\"\n]+)\"|'(?P<secret_sq>[^'\n]+)'|(?P<secret>[^\s\"'&;,]+))"
_HINTS = ("pass", "pwd", "token", "secret", "key")
_BEGIN_KEY = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
_END_KEY = re.compile(r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")
_KEY_LINE = re.compile(r"[A-Za-z0-9+/=]+")


@dataclass(frozen=True)
class Shape:
    """A kind of secret: its name, and a pattern whose ``secret`` group is the secret part.

    A pattern may instead have ``secret_dq``/``secret_sq`` groups (a quoted value); the first
    group that matched is the secret.
    """

    name: str
    pattern: re.Pattern[str]
    names: re.Pattern[str] | None = None  # what the pattern's ``name`` group must be
    hints: tuple[str, ...] = ()  # a text without any of these (lower case) has none of it


SHAPES: tuple[Shape, ...] = (
    Shape(
        "private key block",
        re.compile(
            rf"(?P<secret>{_BEGIN_KEY.pattern}.*?(?:{_END_KEY.pattern}|\Z))",
            re.DOTALL,
        ),
        hints=("private key",),
    ),
    Shape(
        "password in a URL",
        re.compile(r"(?<![a-zA-Z0-9+.-])[a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]+:(?P<secret>[^\s@/]+)@"),
        hints=("://",),
    ),
    Shape(
        "bearer token",
        re.compile(
            r"(?i)\b(?:authorization:[ \t]*)?bearer[ \t]+(?P<secret>[A-Za-z0-9._~+/=-]{8,})"
        ),
        hints=("bearer",),
    ),
    Shape(
        "AWS access key",
        re.compile(r"\b(?P<secret>(?:AKIA|ASIA)[0-9A-Z]{16})\b"),
        hints=("akia", "asia"),
    ),
    Shape(
        "AWS secret key",
        re.compile(
            r"(?i)aws_secret_access_key[ \t]*[=:][ \t]*[\"']?(?P<secret>[A-Za-z0-9/+=]{40})"
        ),
        hints=("aws_secret_access_key",),
    ),
    Shape(
        "password or token value",
        re.compile(rf"(?im)(?:^|[\s\"'&?;,-])-{{0,2}}{_WORDS}[ \t]*[=:][ \t]*{_VALUE}"),
        hints=_HINTS,
    ),
    Shape(
        "secret variable",
        re.compile(rf"(?<![A-Za-z0-9_-])(?P<name>[A-Za-z0-9_-]+)[ \t]*(?:=|:[ \t])[ \t]*{_VALUE}"),
        _NAME,
        _HINTS,
    ),
    Shape(
        "secret in JSON",
        re.compile(
            r"(?i)(?P<q>[\"'])(?:[a-z0-9]+[_-])*(?:password|passwd|passphrase|token|secret|"
            r"api_?key)(?P=q)[ \t]*:[ \t]*(?P<v>[\"'])(?P<secret>(?:(?!(?P=v))[^\\\n]|\\.)+)(?P=v)"
        ),
        hints=_HINTS,
    ),
    Shape(
        "redis-cli password",
        re.compile(r"redis-cli\b[^\n|;&]{0,400}?\s-a\s+(?P<secret>[^\s\"';|&]+)"),
        hints=("redis-cli",),
    ),
)
_GROUPS = ("secret", "secret_dq", "secret_sq")


@dataclass(frozen=True)
class Found:
    """A secret found in a text: its shape and where it is (character offsets)."""

    shape: str
    start: int
    end: int


def find(text: str) -> list[Found]:
    """Every secret-shaped value in ``text``, in order of position."""
    found = []
    lower = text.lower()
    hint = _any_hint() if len(lower) > _BULK else _SHORT_HINT
    if hint.search(lower) is None:
        return []  # no word any shape needs: one scan, not one per shape and word
    for shape in SHAPES:
        if shape.hints and not any(hint in lower for hint in shape.hints):
            continue
        for match in _matches(shape, text):
            group = next((g for g in _GROUPS if g in match.re.groupindex and match.group(g)), None)
            if group is not None and not _placeholder(match.group(group)):
                found.append(Found(shape.name, match.start(group), match.end(group)))
    cut = _cut_key(text) if "private key" in lower else None
    if cut is not None:
        found.append(Found("private key block", *cut))
    spans = {(f.start, f.end): f for f in reversed(found)}  # one per span: the first shape's
    return sorted(spans.values(), key=lambda f: (f.start, -f.end))


_BULK = 4096  # a text longer than this is scanned for the hints by RE2 (linear in its length)
_SHORT_HINT = re.compile("|".join(sorted({re.escape(h) for shape in SHAPES for h in shape.hints})))


@functools.cache
def _any_hint() -> Any:
    """One RE2 pattern finding any shape's hint (RE2: linear, one pass over the text)."""
    import re2

    hints = sorted({hint for shape in SHAPES for hint in shape.hints})
    return re2.compile("|".join(re2.escape(hint) for hint in hints))


def _matches(shape: Shape, text: str) -> Iterator[re.Match[str]]:
    """The matches of ``shape`` in ``text``; one whose name is not a secret's is looked past."""
    if shape.names is None:
        yield from shape.pattern.finditer(text)
        return
    at = 0
    while (match := shape.pattern.search(text, at)) is not None:
        if shape.names.fullmatch(match.group("name")):
            yield match
            at = match.end()
        else:
            at = match.end("name")


def redact(text: str, values: Iterable[str] = ()) -> str:
    """``text`` with the given secret values and every secret shape replaced by ``***``."""
    return Redactor(values).text(text)


def forms(value: str) -> set[str]:
    """``value`` as runbookkit may write it: as is, shell-quoted, ``repr``'d, JSON, escaped."""
    found = {
        value,
        shlex.quote(value),  # the quoting of export_code
        value.replace("'", "'\\''"),  # inside '…', as bash's xtrace writes it
        value.replace("'", "'\"'\"'"),  # inside '…', as shlex.quote writes it
        repr(value)[1:-1],
        value.replace("\\", "\\\\").replace("'", "\\'"),  # repr when both quotes are in it
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        re.sub(r"([\\\"$`])", r"\\\1", value),  # inside "…"
        re.sub(r"([^A-Za-z0-9_./,:@%+=-])", r"\\\1", value),  # printf %q, backslash-escaped
    }
    return {form for form in found if form}


class Redactor:
    """Masks the given secret values (in each of their :func:`forms`) and every shape."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.values: tuple[str, ...] = ()
        self.forms: tuple[str, ...] = ()
        # Short texts already masked: a step's title and command come back in every event
        # and record of the step.
        self._known: dict[str, str] = {}
        self._adding = threading.Lock()
        self.add(values)

    def add(self, values: Iterable[str]) -> None:
        """Mask ``values`` too, from now on, wherever this redactor masks.

        One redactor masks a whole run, on the screen and in its record: it learns a value
        asked for during the run, and every fleet host's secrets, as they become known.
        """
        with self._adding:
            new = {value for value in values if value} - set(self.values)
            if not new:
                return
            self.values = tuple(sorted({*self.values, *new}))
            every = {form for value in self.values for form in forms(value)}
            self.forms = tuple(sorted(every, key=lambda form: (-len(form), form)))
            self._known = {}  # masked without the new values: forgotten (after the new forms)

    def text(self, text: str) -> str:
        """``text`` with every secret masked."""
        known_texts = self._known  # before the forms: a cache never outlives its forms
        known = known_texts.get(text)
        if known is not None:
            return known
        masked = text
        for form in self.forms:
            if form in masked:
                masked = masked.replace(form, MASK)
        masked = _mask_spans(masked, find(masked))
        if len(text) <= _KNOWN_LENGTH and len(known_texts) < _KNOWN_TEXTS:
            known_texts[text] = masked
        return masked

    def optional(self, text: str | None) -> str | None:
        """:meth:`text` for a field that may be empty."""
        return None if text is None else self.text(text)

    def fields(self, item: T) -> T:
        """A copy of the dataclass ``item`` (an event, a result, a record) with its texts masked.

        Every text field is masked, in lists and nested dataclasses too; ``item`` itself when
        nothing changed.
        """
        masked = self._masked(item)
        return item if masked is None else masked

    def _masked(self, value: Any) -> Any:
        """``value`` masked, or None when masking changes nothing."""
        kind: type = type(value)
        if kind in _NO_TEXT:  # numbers, times, flags, None: nothing that could hold a secret
            return None
        # A status or a kind (an Enum, str or not) is one of a fixed set of words: left as it is.
        if kind is str or (isinstance(value, str) and not isinstance(value, Enum)):
            text = self.text(value)
            return None if text == value else text
        if isinstance(value, Enum):
            return None
        if isinstance(value, list):
            items = [self._masked(item) for item in value]
            if all(item is None for item in items):
                return None
            return [old if new is None else new for old, new in zip(value, items, strict=True)]
        names = _text_fields(kind)
        if names:
            changes = {}
            for name in names:
                field = getattr(value, name)
                field_kind = type(field)
                if field_kind in _NO_TEXT:
                    continue
                if field_kind is str:  # most fields: masked here, without a call per field
                    text = self.text(field)
                    if text != field:
                        changes[name] = text
                    continue
                new = self._masked(field)
                if new is not None:
                    changes[name] = new
            return dataclasses.replace(value, **changes) if changes else None
        return None

    def stream(self) -> StreamRedactor:
        """A redactor for one output stream read piece by piece."""
        return StreamRedactor(self)


# Values of these types hold no text; the field scan passes them at once.
_NO_TEXT = frozenset({type(None), bool, int, float, dt.datetime, dt.date, dt.time, dt.timedelta})
_KNOWN_LENGTH = 512  # texts up to this long are remembered, masked, by their redactor
_KNOWN_TEXTS = 4096


@functools.cache
def _text_fields(kind: type) -> tuple[str, ...]:
    """The fields a :class:`Redactor` looks into on an instance of ``kind`` (none: not a
    dataclass): those given to its constructor, which :func:`dataclasses.replace` can set.
    """
    if not dataclasses.is_dataclass(kind):
        return ()
    return tuple(field.name for field in dataclasses.fields(kind) if field.init)


_LINE = 4096  # an unfinished line longer than this is let out, but for its last _BEHIND
_BEHIND = 512


class StreamRedactor:
    """Masks a stream given piece by piece, holding back what could begin a secret.

    :meth:`feed` returns the masked text that is safe to show now; what it holds back (an
    unfinished line, the beginning of a secret value) comes with the next pieces or
    :meth:`flush`. Inside a private key block, nothing is let out until its END line; the block
    shows as one ``***`` however it was cut.
    """

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self.pending = ""
        self.in_key = False

    @property
    def behind(self) -> int:
        """How much of an overlong line is held back: enough for any secret's longest form."""
        longest = max((len(form) for form in self.redactor.forms), default=0)
        return max(_BEHIND, 2 * longest)

    def feed(self, text: str) -> str:
        """The masked text that ``text`` (after what was held) lets out now."""
        self.pending += text
        return self._drain(final=False)

    def flush(self) -> str:
        """Everything still held, masked: the stream ended."""
        return self._drain(final=True)

    def _drain(self, final: bool) -> str:
        out: list[str] = []
        while self.pending:
            if self.in_key:
                end = _END_KEY.search(self.pending)
                if end is None:
                    keep = 0 if final else min(len(self.pending), 80)
                    self.pending = self.pending[len(self.pending) - keep :]
                    break
                self.pending = self.pending[end.end() :]
                self.in_key = False
                continue
            begin = _BEGIN_KEY.search(self.pending)
            if begin is not None:
                out += [self.redactor.text(self.pending[: begin.start()]), MASK]
                self.pending = self.pending[begin.end() :]
                self.in_key = True
                continue
            cut = len(self.pending) if final else self._safe_cut()
            out.append(self.redactor.text(self.pending[:cut]))
            self.pending = self.pending[cut:]
            break
        return "".join(out)

    def _safe_cut(self) -> int:
        """Where the held text may be cut: no secret or shape reaches over it."""
        text = self.pending
        cut = max(text.rfind("\n"), text.rfind("\r")) + 1  # shapes stay within a line
        if len(text) - cut > _LINE:
            cut = len(text) - self.behind
        for form in self.redactor.forms:
            cut = min(cut, len(text) - _overlap(text, form))
        spans = []
        for form in self.redactor.forms:
            at = text.find(form)
            while at >= 0:
                spans.append((at, at + len(form)))
                at = text.find(form, at + 1)
        moved = True
        while moved:
            moved = False
            line = max(text.rfind("\n", 0, cut), text.rfind("\r", 0, cut)) + 1
            if line < cut:  # a cut inside a line: no shape of that line may reach over it
                spans += [(line + f.start, line + f.end) for f in find(text[line:])]
            for start, end in spans:
                if start < cut < end:
                    cut, moved = start, True
        return max(cut, 0)


def _overlap(text: str, form: str) -> int:
    """How many of ``text``'s last characters could begin ``form``."""
    window = text[-(len(form) - 1) :] if len(form) > 1 else ""
    start = window.find(form[0]) if window else -1
    while start >= 0:
        if form.startswith(window[start:]):
            return len(window) - start
        start = window.find(form[0], start + 1)
    return 0


class MaskedWriter(io.TextIOBase):
    """A text stream that masks each write before it reaches ``out`` (prompts, questions)."""

    def __init__(self, out: TextIO, redactor: Redactor) -> None:
        super().__init__()
        self.out = out
        self.redactor = redactor

    def write(self, text: str) -> int:
        """Write ``text`` masked; returns the length of ``text``."""
        self.out.write(self.redactor.text(text))
        return len(text)

    def flush(self) -> None:
        """Flush ``out``."""
        self.out.flush()

    def isatty(self) -> bool:
        """Whether ``out`` is a terminal."""
        return self.out.isatty()


def _mask_spans(text: str, spans: list[Found]) -> str:
    """``text`` with each span (overlapping ones merged) replaced by ``***``."""
    if not spans:
        return text
    merged: list[list[int]] = []
    for item in spans:
        if merged and item.start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], item.end)
        else:
            merged.append([item.start, item.end])
    parts, at = [], 0
    for start, end in merged:
        parts += [text[at:start], MASK]
        at = end
    return "".join([*parts, text[at:]])


def _cut_key(text: str) -> tuple[int, int] | None:
    """The end of a private key whose BEGIN line was cut off (a tail that starts inside it)."""
    end = _END_KEY.search(text)
    if end is None or _BEGIN_KEY.search(text, 0, end.start()):
        return None
    start = end.start()
    while start > 0:
        line_start = text.rfind("\n", 0, start - 1) + 1
        if not _KEY_LINE.fullmatch(text[line_start : start - 1].rstrip("\r")):
            break
        start = line_start
    return None if start == end.start() else (start, end.end())


def _placeholder(value: str) -> bool:
    """A value that only names where a secret goes (``${PASSWORD}``, ``***``, ``<token>``)."""
    stripped = value.strip("\"'")
    return (
        stripped.startswith(("$", "{{", "<", "%"))
        or stripped == MASK
        or set(stripped) <= {"*", "x", "X", "."}
    )
