"""Nothing a reader sees is dropped: every heading, paragraph and code block is in the model.

The check walks the markdown-it tokens of a document (after the parser's own repairs) and looks
each heading up among the titles, each paragraph among the texts, metadata and labels, and each
code block among the steps, snippets and task code by line. It runs over every runbook of the
project's test data and over generated documents.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runbookkit.model import Runbook, changed
from runbookkit.parsing import damage, fences, metadata, parse_text, read_text
from runbookkit.parsing.document import markdown
from runbookkit.parsing.sections import strip_attributes
from tests.conftest import DATA, EXAMPLE_BUDGET, RUNBOOKS

SETTINGS = settings(
    max_examples=int(os.environ.get("RUNBOOKKIT_PROPERTY_EXAMPLES", "300")),
    deadline=EXAMPLE_BUDGET,
    suppress_health_check=[HealthCheck.too_slow],
)
DOCUMENTS = sorted(
    path
    for folder in (DATA, DATA / "dialects", DATA / "layouts", RUNBOOKS)
    for path in folder.glob("*.md")
)


def dropped(text: str, runbook: Runbook) -> list[str]:
    """What the document shows that the model does not hold (empty when nothing is dropped)."""
    lines = fences.split_lines(text)
    if damage.has_damage(text):
        lines, _ = damage.repair(lines)
    lines, tokens, _ = fences.repair(lines, markdown().parse)
    blocks = [b for s in runbook.sections for b in s.blocks()]
    titles = {runbook.title, *(b.title for b in blocks)}
    texts = {t for b in blocks for t in b.text}
    texts |= {t[2:] for t in texts if t.startswith("- ")}
    texts |= {task.text for b in blocks for task in b.tasks}
    labels = {b.line for b in blocks if getattr(b, "kind", "") == "label"}
    anchors: set[int] = set()
    for block in blocks:
        anchors |= {c.line for c in block.snippets}
        anchors |= {c.line for task in block.tasks for c in task.code}
        for step in block.steps:
            anchors |= {step.line, *(c.line for c in step.commands)}
    anchors |= {e.line for e in runbook.examples}
    headings = [t for t in tokens if t.type == "heading_open"]
    if headings and headings[0].tag == "h1" and "title" in runbook.metadata.lines:
        # a title H1 under a front matter title: the runbook's title is the front matter's
        titles.add(strip_attributes(tokens[tokens.index(headings[0]) + 1].content.strip()))
    missing: list[str] = []
    for index, token in enumerate(tokens):
        assert token.map is not None or token.type not in ("heading_open", "fence")
        if token.type == "heading_open":
            title = strip_attributes(tokens[index + 1].content.strip())
            if title not in titles:
                missing.append(f"heading {title!r} at line {token.map[0] + 1}")
        elif token.type == "paragraph_open":
            inline = tokens[index + 1]
            content = inline.content
            line = token.map[0] + 1
            meta = metadata.key_value_lines(inline)
            held = (
                content in texts
                or content[4:].strip() in texts  # a task item's paragraph
                or line in labels
                or (meta is not None and all(_in_metadata(e.key, runbook) for e in meta))
            )
            if content.strip() and not held:
                missing.append(f"paragraph {content[:40]!r} at line {line}")
        elif token.type in ("fence", "code_block") and token.content.strip():
            first, last = token.map[0] + 1, token.map[1]
            if not any(first <= line <= last for line in anchors):
                missing.append(f"code block at line {first}")
    return missing


def _in_metadata(key: str, runbook: Runbook) -> bool:
    name = metadata.ALIASES.get(metadata.normalise_key(key), metadata.normalise_key(key))
    return name in runbook.metadata.lines or name == "title" or name in runbook.metadata.extra


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_nothing_is_dropped_from_the_test_runbooks(path: Path) -> None:
    text, _ = read_text(path)
    runbook = parse_text(text, path=str(path))
    assert dropped(text, runbook) == []


def test_the_check_finds_what_the_old_parser_dropped() -> None:
    """The check itself: a model missing a section is reported."""
    text = "# T\n\n## Fix\n\ntext\n\n```bash\necho hi\n```\n"
    runbook = parse_text(text)
    emptied = changed(runbook, sections=[])
    assert dropped(text, emptied) == [
        "heading 'Fix' at line 3",
        "paragraph 'text' at line 5",
        "code block at line 7",
    ]


_word = st.sampled_from(
    ["disk", "restart", "the", "queue", "check", "pods", "Overview", "Fix", "Steps", "logs"]
)
_words = st.lists(_word, min_size=1, max_size=5).map(" ".join)
_names = st.sampled_from(
    [
        "Symptoms", "Diagnosis", "Fix", "Mitigation", "Escalation", "References", "Solution",
        "Workarounds", "Recovery", "Debugging", "Troubleshoot", "Verification", "Rollback",
        "Steps {#steps}", "Possible Resolutions", "Recent changes", "Notes", "AWS",
    ]
)  # fmt: skip
_command = st.sampled_from(
    ["echo hi", "systemctl restart app", "kubectl get pods", "df -h", "# 1. Look", "ls /tmp"]
)


@st.composite
def _block(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["heading", "paragraph", "fence", "list", "quote", "details"]))
    if kind == "heading":
        return f"{'#' * draw(st.integers(1, 5))} {draw(st.one_of(_names, _words))}"
    if kind == "paragraph":
        return draw(_words).capitalize() + "."
    code = "\n".join(draw(st.lists(_command, min_size=1, max_size=3)))
    fence = f"```{draw(st.sampled_from(['bash', 'sh', '', 'yaml', 'console']))}\n{code}\n"
    if draw(st.booleans()):
        fence += draw(st.sampled_from(["```", "``", "~~~"]))
    if kind == "fence":
        return fence
    if kind == "list":
        item = draw(_words)
        indented = "\n".join(f"   {line}" if line else line for line in fence.split("\n"))
        return f"1. {item}\n\n{indented}" if draw(st.booleans()) else f"- [ ] {item}"
    if kind == "quote":
        return "\n".join(f"> {line}" for line in fence.split("\n"))
    return f"<details>\n<summary>{draw(_words)}</summary>\n\n{fence}\n\n</details>"


@SETTINGS
@given(
    front=st.booleans(),
    title=st.booleans(),
    blocks=st.lists(_block(), max_size=14),
    separator=st.sampled_from(["\n\n", "\n\n\x0b\n", "\r\n\r\n"]),
)
def test_nothing_is_dropped_from_generated_documents(
    front: bool, title: bool, blocks: list[str], separator: str
) -> None:
    parts = (["---\ntitle: Generated\nowner: ops\n---"] if front else []) + (
        ["# Generated runbook"] if title else []
    )
    text = separator.join([*parts, *blocks]) + "\n"
    if not text.strip():
        return
    runbook = parse_text(text)
    assert dropped(text, runbook) == []
