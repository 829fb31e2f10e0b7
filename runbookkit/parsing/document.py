"""Walk markdown-it tokens and build the runbook's sections, subsections, steps and metadata.

The walk is one pass over the token stream. Headings open sections and subsections (an H4
nests under its H3), bold ``**Label:**`` paragraphs open subsections, code blocks become steps
or snippets, lists give tasks, dated items and links, and a ``<details>`` summary titles the
steps after it. Content before the first section goes into an implicit "Overview" section.
Every element takes its line from the token's line map.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Literal

from markdown_it import MarkdownIt
from markdown_it.token import Token

from runbookkit.errors import ParseError
from runbookkit.model import (
    Block,
    CodeBlock,
    DatedItem,
    Example,
    Link,
    Section,
    Subsection,
    Task,
)
from runbookkit.parsing import metadata, sections, steps
from runbookkit.parsing.fences import split_lines
from runbookkit.parsing.metadata import Entry

_IGNORE = re.compile(
    r"runbookkit:\s*ignore\s+([A-Z]+(?:-SC)?[0-9]*(?:[\s,]+[A-Z]+(?:-SC)?[0-9]*)*)"
)
_DATED = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:[-–—:]\s*)?(.*)$", re.DOTALL)
_EXAMPLE_LANGUAGES = {None, "text", "log", "plaintext", "txt"}
_STEP_SECTIONS = {"diagnosis", "fix"}
_OWNS_INLINE = {"paragraph_open", "heading_open"}
_SUMMARY = re.compile(r"<summary[^>]*>(.*?)</summary>", re.IGNORECASE | re.DOTALL)
IMPLICIT = "Overview"
"""The title of the section that holds what comes before the first heading of section level."""


@cache
def markdown() -> MarkdownIt:
    """The shared markdown-it parser: CommonMark, tables, strikethrough and front matter."""
    from mdit_py_plugins.front_matter import front_matter_plugin

    return (
        MarkdownIt("commonmark", {"html": True})
        .enable(["table", "strikethrough"])
        .use(front_matter_plugin)
    )


class Walker:
    """One pass over a document's tokens, collecting what the model needs."""

    def __init__(self, tokens: list[Token], lines: list[str], path: str) -> None:
        self.tokens = tokens
        self.lines = lines
        self.path = path
        self.sections: list[Section] = []
        self.header: list[Entry] = []
        self.footer: list[Entry] = []
        self.examples: list[Example] = []
        self.ignores: dict[str, list[int]] = {}
        self.heading_title: str | None = None
        self.title_line: int | None = None
        self.block: Block | None = None
        self.context = ""
        self._ids = sections.Ids()
        self._sub_ids = sections.Ids()
        self._quote_depth = 0
        self._parents: list[Subsection] = []
        self.section_level = 2
        self._footer_at = self._footer_paragraphs()

    # -- structure ---------------------------------------------------------------------------

    def walk(self, has_fm_title: bool) -> None:
        """Visit every token once."""
        title_at, section_level = self._outline(has_fm_title)
        self.section_level = section_level
        index = 0
        while index < len(self.tokens):
            token = self.tokens[index]
            kind = token.type
            if kind == "front_matter":
                self.header.extend(metadata.front_matter(token, self.path))
            elif kind == "heading_open":
                self._heading(index, title_at, section_level)
            elif kind == "paragraph_open":
                self._paragraph(index)
            elif kind in ("fence", "code_block"):
                self._code(token, task=None)
            elif kind in ("bullet_list_open", "ordered_list_open"):
                index = self._list(index)
                continue
            elif kind == "html_block":
                self._html(token.content, token)
            elif kind == "inline" and self.tokens[index - 1].type not in _OWNS_INLINE:
                self._links(token)  # table cells
            elif kind == "blockquote_open":
                self._quote_depth += 1
            elif kind == "blockquote_close":
                self._quote_depth -= 1
            index += 1

    def _outline(self, has_fm_title: bool) -> tuple[int | None, int]:
        """Which heading is the title, and which level makes sections.

        The section level is the body's shallowest, except that H1s which only come after the
        first heading of the next level are late top-level parts (``# References`` after the
        ``##`` sections): the next level makes sections then, and each such H1 one of its own.
        """
        headings = [
            (i, int(t.tag[1])) for i, t in enumerate(self.tokens) if t.type == "heading_open"
        ]
        if not headings:
            return None, 2
        first, first_level = headings[0]
        h1s = [i for i, level in headings if level == 1]
        title_at: int | None = None
        if first_level == 1:
            inline = sections.strip_attributes(self.tokens[first + 1].content)
            # In H1-only dialects the first H1 is a section when it is just a section's name
            # ("Overview"), not a title that mentions one ("Kafka Lag Troubleshooting").
            names_section = has_fm_title or sections.exact_id(inline) is not None
            if not (len(h1s) > 1 and names_section):
                title_at = first
        body = [(i, level) for i, level in headings if i != title_at]
        used = sorted({level for _, level in body})
        if len(used) > 1 and used[0] == 1:
            first_at = {level: min(i for i, lv in body if lv == level) for level in used[:2]}
            if first_at[1] > first_at[used[1]]:
                return title_at, used[1]
        return title_at, used[0] if used else 2

    def _heading(self, index: int, title_at: int | None, section_level: int) -> None:
        token, inline = self.tokens[index], self.tokens[index + 1]
        title = sections.strip_attributes(inline.content.strip())
        line = _line(token)
        if index == title_at:
            self.heading_title = title
            self.title_line = line
            return
        level = int(token.tag[1])
        if level <= section_level:
            self._open_section(title, line, level)
            return
        self._implicit(line)
        self._open_subsection(title, line, "heading", level)

    def _implicit(self, line: int) -> None:
        """Open the implicit overview section for content that comes before the first section."""
        if not self.sections:
            self._open_section(IMPLICIT, line, self.section_level, named=False)

    def _open_section(self, title: str, line: int, level: int, *, named: bool = True) -> None:
        canonical = sections.canonical_id(title) if named else None
        candidate = canonical if canonical and canonical not in self._ids else None
        ident = self._ids.unique(candidate or sections.slug(title) or "section")
        section = Section(id=ident, title=title, line=line, level=level)
        self.sections.append(section)
        self.block = section
        self._sub_ids = sections.Ids()
        self._parents = []
        self.context = title

    def _open_subsection(
        self, title: str, line: int, kind: Literal["heading", "label"], level: int
    ) -> None:
        section = self.sections[-1]
        own = sections.slug(title) or "part"
        parent = section.id
        if kind == "heading":  # an H4 nests under the H3 before it
            while self._parents and self._parents[-1].level >= level:
                self._parents.pop()
            parent = self._parents[-1].id if self._parents else section.id
        ident = self._sub_ids.unique(f"{parent}/{own}")
        rollback = sections.ROLLBACK.search(title) is not None
        sub = Subsection(
            id=ident, title=title, line=line, kind=kind, level=level, rollback=rollback
        )
        section.subsections.append(sub)
        if kind == "heading":
            self._parents.append(sub)
        self.block = sub
        self.context = title

    # -- paragraphs --------------------------------------------------------------------------

    def _paragraph(self, index: int) -> None:
        inline = self.tokens[index + 1]
        self._links(inline)
        self._inline_ignores(inline)
        if self._quote_depth == 0:
            entries = metadata.key_value_lines(inline)
            if entries is not None and index in self._footer_at:
                self.footer.extend(entries)
                return
            if entries is not None and not self.sections:
                self.header.extend(entries)
                return
            label = _label(inline)
            if label is not None and self.sections:
                title, rest = label
                self._open_subsection(title, _line(inline), "label", 0)
                if rest and self.block is not None:
                    self.block.text.append(rest)
                return
        self._implicit(_line(inline))
        if self.block is not None:
            self.block.text.append(inline.content)
            self.context = _first_line(inline) or self.context

    def _footer_paragraphs(self) -> set[int]:
        """Indices of the trailing ``**Key:** value`` paragraphs (the footer block).

        They are a footer only when one of their keys is a metadata key (Author, Runbook
        Version…): a last section that ends in ``**Escalation:** page the DBA`` keeps its text.
        """
        found: set[int] = set()
        known = False
        index = len(self.tokens) - 1
        while index >= 2:
            close, inline, opening = (
                self.tokens[index],
                self.tokens[index - 1],
                self.tokens[index - 2],
            )
            if close.type == "html_block":
                index -= 1
                continue
            if close.type != "paragraph_close" or opening.level != 0:
                break
            entries = metadata.key_value_lines(inline)
            if entries is None:
                break
            known = known or any(metadata.is_known(entry.key) for entry in entries)
            found.add(index - 2)
            index -= 3
        return found if known else set()

    # -- code ----------------------------------------------------------------------------

    def _code(self, token: Token, task: Task | None) -> None:
        line = _line(token)
        language = token.info.split()[0].lower() if token.info.strip() else None
        self._implicit(line)
        first = line + 1 if token.type == "fence" else line
        block = CodeBlock(language=language, text=token.content, line=first)
        self._code_ignores(token.content, first)
        if task is not None:
            task.code.append(block)
        if self.block is None:
            return
        section_id = self.sections[-1].id
        is_shell = language in steps.SHELL_LANGUAGES or (
            language is None and token.type == "fence" and section_id in _STEP_SECTIONS
        )
        console = language in steps.CONSOLE_LANGUAGES
        if is_shell or console:
            try:
                found, preamble = steps.shell_steps(
                    token.content, first, language, self.context, console=console
                )
            except ParseError as exc:
                exc.path = self.path
                raise
            self.block.steps.extend(found)
            self.block.text.extend(preamble)
        else:
            if task is None:
                self.block.snippets.append(block)
            if section_id == "symptoms" and language in _EXAMPLE_LANGUAGES:
                self.examples.append(Example(text=token.content.rstrip("\n"), line=first))

    # -- lists -------------------------------------------------------------------------------

    def _list(self, start: int) -> int:
        """Visit a whole (possibly nested) list; return the index after it."""
        opening = self.tokens[start]
        close_type = opening.type.replace("_open", "_close")
        self._implicit(_line(opening))
        stack: list[Task | None] = []
        index = start + 1
        first_inline = False
        while index < len(self.tokens):
            token = self.tokens[index]
            if token.type == close_type and token.level == opening.level:
                return index + 1
            if token.type == "list_item_open":
                stack.append(None)
                first_inline = True
            elif token.type == "list_item_close":
                stack.pop()
            elif token.type == "inline":
                self._links(token)
                self._inline_ignores(token)
                if first_inline and stack:
                    stack[-1] = self._item(token)
                elif self.block is not None:
                    self.block.text.append(token.content)
                first_inline = False
            elif token.type in ("fence", "code_block"):
                task = next((t for t in reversed(stack) if t is not None), None)
                self._code(token, task)
            index += 1
        return index

    def _item(self, inline: Token) -> Task | None:
        """Record a list item's text; return the task it opens, if it is a task."""
        text = inline.content.strip()
        line = _line(inline)
        if self.block is None:
            return None
        self.context = _first_line(inline) or self.context
        if text[:4].lower() in ("[ ] ", "[x] ") or text.lower() in ("[ ]", "[x]"):
            task = Task(text=text[4:].strip(), done=text[1].lower() == "x", line=line)
            self.block.tasks.append(task)
            self.context = self.context[4:].strip() or self.context
            return task
        self.block.text.append(f"- {text}")
        dated = _DATED.match(text)
        if dated:
            try:
                day = dt.date.fromisoformat(dated.group(1))
            except ValueError:
                return None
            self.block.dated.append(DatedItem(date=day, text=dated.group(2).strip(), line=line))
        return None

    # -- links and ignore comments -----------------------------------------------------------

    def _links(self, inline: Token) -> None:
        if self.block is None or not inline.children:
            return
        line = _line(inline)
        children = inline.children
        for i, child in enumerate(children):
            if child.type == "softbreak":
                line += 1
            if child.type == "link_open":
                text = []
                for inner in children[i + 1 :]:
                    if inner.type == "link_close":
                        break
                    text.append(inner.content)
                url = str(child.attrs.get("href", ""))
                self.block.links.append(Link(text="".join(text), url=url, line=line))

    def _html(self, content: str, token: Token) -> None:
        summary = _SUMMARY.search(content)
        if summary is not None:
            title = " ".join(re.sub(r"<[^>]*>", " ", summary.group(1)).split())
            self._implicit(_line(token))
            if title and self.block is not None:
                self.block.text.append(title)
                self.context = title
        found = _IGNORE.search(content)
        if not found:
            return
        assert token.map is not None
        line = 0 if not self.sections else self._next_line(token.map[1])
        self._ignore(found.group(1), line)

    def _inline_ignores(self, inline: Token) -> None:
        if "runbookkit" not in inline.content:
            return
        line = _line(inline)
        for child in inline.children or []:
            if child.type == "softbreak":
                line += 1
            elif child.type == "html_inline" and (found := _IGNORE.search(child.content)):
                self._ignore(found.group(1), line)

    def _code_ignores(self, text: str, first: int) -> None:
        if "runbookkit" not in text:
            return
        for offset, line in enumerate(split_lines(text)):
            if line.strip().startswith("#") and (found := _IGNORE.search(line)):
                self._ignore(found.group(1), first + offset + 1)

    def _ignore(self, codes: str, line: int) -> None:
        for code in re.split(r"[\s,]+", codes.strip()):
            self.ignores.setdefault(code, []).append(line)

    def _next_line(self, after: int) -> int:
        """The 1-based number of the first non-blank line at or after 0-based ``after``."""
        for index in range(after, len(self.lines)):
            if self.lines[index].strip():
                return index + 1
        return after + 1


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 0


def _first_line(inline: Token) -> str:
    """The first line of a paragraph as plain text (no ``**``, backticks or link syntax)."""
    parts: list[str] = []
    for child in inline.children or []:
        if child.type in ("softbreak", "hardbreak"):
            break
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
    return "".join(parts).strip().rstrip(":").strip()


def _label(inline: Token) -> tuple[str, str] | None:
    """``**Label:**`` alone on its first line → (label, the paragraph's remaining text)."""
    children = [c for c in inline.children or [] if c.type != "text" or c.content]
    if len(children) < 3 or children[0].type != "strong_open":
        return None
    close = next((i for i, c in enumerate(children) if c.type == "strong_close"), None)
    if close is None:
        return None
    after = children[close + 1 :]
    if after and after[0].type not in ("softbreak", "hardbreak"):
        return None
    title = "".join(c.content for c in children[1:close]).strip()
    if not title.endswith(":") or len(title) < 2:
        return None
    rest = inline.content.split("\n", 1)[1].strip() if "\n" in inline.content else ""
    return title[:-1].strip(), rest
