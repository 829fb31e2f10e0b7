"""Runbook pages rendered as GitHub shows them, with markdown-it (the parser's own reader).

Runbooks are written for GitHub: a list may follow a paragraph line with no blank line between
(``**Common Triggers:**`` then ``1. …``), tasks are ``- [ ]`` items, code fences sit inside
list items and ``<details>`` blocks hold Markdown. Python-Markdown reads all of these otherwise;
markdown-it follows CommonMark, as GitHub does, and is what :mod:`runbookkit.parsing` reads the
runbook with, so the page shows the very blocks that are run. The GFM plugin adds tables, task
lists, strikethrough, autolinks, alerts and footnotes.

The page's additions are raw HTML blocks put into the token stream at source lines: no Markdown
ever reads them, and the lines the parser reported stay the lines of the tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from runbookkit.publish.html import esc

Link = Callable[[str], str]  # a link's href as written → the href on the site


@dataclass(frozen=True)
class Heading:
    """A heading of the page, for the table of contents."""

    level: int
    id: str
    name: str  # its text, escaped


@dataclass(frozen=True)
class Rendered:
    """A page's HTML and its headings in order."""

    html: str
    headings: list[Heading]


@cache
def markdown() -> MarkdownIt:
    """CommonMark with raw HTML, GitHub's extensions and front matter (left out of the page)."""
    from mdit_py_plugins.gfm import gfm_plugin

    md = MarkdownIt("commonmark", {"html": True})
    md.use(gfm_plugin, front_matter=True)
    return md


def html_block(content: str) -> Token:
    """A raw HTML block token holding ``content`` (already escaped HTML)."""
    token = Token("html_block", "", 0, block=True)
    token.content = content if content.endswith("\n") else content + "\n"
    return token


def render(
    text: str,
    *,
    drop: Callable[[Token, Token], bool] | None = None,
    insert: Mapping[int, Sequence[str]] | None = None,
    link: Link | None = None,
    ids: Collection[str] = (),
) -> Rendered:
    """``text`` as HTML, with headings given ids (and a permalink), changed as asked.

    Args:
        text: the Markdown.
        drop: whether a top-level paragraph (its open token and its inline token) is left out.
        insert: HTML blocks by 1-based source line: after the heading that starts there, or
            else before the block that starts there (at the end when no block does).
        link: rewrites each link's and image's target.
        ids: ids the page already uses (a heading does not take one of them).
    """
    md = markdown()
    env: dict[str, object] = {}
    tokens = md.parse(text, env)
    tokens = _edit(tokens, drop, insert or {})
    taken = set(ids)
    headings: list[Heading] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            inline = tokens[index + 1]
            heading = _anchor(token, inline, taken)
            headings.append(heading)
        elif link is not None and token.type == "inline":
            for child in token.children or []:
                attr = {"link_open": "href", "image": "src"}.get(child.type)
                value = child.attrGet(attr) if attr else None
                if attr and isinstance(value, str):
                    child.attrSet(attr, link(value))
    return Rendered(md.renderer.render(tokens, md.options, env), headings)


def _edit(
    tokens: list[Token],
    drop: Callable[[Token, Token], bool] | None,
    insert: Mapping[int, Sequence[str]],
) -> list[Token]:
    out: list[Token] = []
    pending = dict(insert)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        start = token.map[0] + 1 if token.map and token.level == 0 and token.nesting >= 0 else None
        if token.type == "heading_open" and start is not None:
            close = index + 2
            out += tokens[index : close + 1]
            out += [html_block(fragment) for fragment in pending.pop(start, ())]
            index = close + 1
            continue
        if start is not None:
            for line in sorted(n for n in pending if n <= start):
                out += [html_block(fragment) for fragment in pending.pop(line)]
        paragraph = token.type == "paragraph_open" and token.level == 0
        if paragraph and drop is not None and drop(token, tokens[index + 1]):
            index += 3
            continue
        out.append(token)
        index += 1
    for line in sorted(pending):
        out += [html_block(fragment) for fragment in pending[line]]
    return out


def _anchor(opening: Token, inline: Token, taken: set[str]) -> Heading:
    from markdown.extensions.toc import slugify, unique  # type: ignore[import-untyped]

    name = "".join(
        child.content for child in inline.children or [] if child.type in ("text", "code_inline")
    )
    slug = unique(slugify(name, "-") or "section", taken)
    opening.attrSet("id", slug)
    permalink = Token("html_inline", "", 0)
    permalink.content = f'<a class="headerlink" href="#{esc(slug)}" title="Permanent link">¶</a>'
    if inline.children is not None:
        inline.children.append(permalink)
    return Heading(int(opening.tag[1]), slug, esc(name.strip()))
