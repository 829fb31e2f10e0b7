"""The runbook page renderers, without MkDocs: card, commands, lint, insertion, repair."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest

from runbookkit.parsing import parse_file, parse_text
from runbookkit.publish import page
from runbookkit.publish.html import Slots
from tests.conftest import DATA, REDIS, SEED

PAYLOADS = ["<script>document.title='x'</script>", "<img src=x onerror=alert(1)>", "</table>"]
TODAY = dt.date(2025, 12, 1)


def test_header_card_has_every_field() -> None:
    card = page.header_card(parse_file(REDIS), TODAY)
    for text in ("rbk-sev-high", "3-5 minutes", "2025-11-24", "2025-12-24", "Claude Code"):
        assert text in card
    assert "<code>(?i)(ECONNREFUSED.*(redis|:6379)|" in card
    assert "overdue" not in card


def test_header_card_has_summary_tags_and_owner_from_front_matter() -> None:
    card = page.header_card(parse_file(DATA / "layouts" / "front-matter-review-in.md"), TODAY)
    for text in ("<dt>Summary</dt><dd>The reporting replica", "<dd>postgres, replica</dd>"):
        assert text in card
    assert "<dd>#db-oncall</dd>" in card and "2026-02-28" in card


@pytest.mark.parametrize(
    ("today", "overdue"),
    [(dt.date(2025, 12, 24), False), (dt.date(2025, 12, 25), True), (dt.date(2024, 1, 1), False)],
)
def test_next_review_is_marked_overdue_once_past(today: dt.date, overdue: bool) -> None:
    assert ("overdue" in page.header_card(parse_file(REDIS), today)) is overdue


@pytest.mark.parametrize("payload", PAYLOADS)
def test_metadata_is_escaped(payload: str) -> None:
    text = (
        f"# Title {payload}\n\n**Pattern:** `{payload}`\n**Author:** {payload}\n"
        f"**Owner:** {payload}\n\n## Fix\n\n```bash\necho hi\n```\n"
    )
    card = page.header_card(parse_text(text, runbook_id="x"), TODAY)
    assert payload not in card
    assert html.escape(payload) in card


def test_runnable_sections_of_the_redis_runbook() -> None:
    assert page.runnable_sections(parse_file(REDIS)) == ["diagnosis", "fix", "prevention"]


@pytest.mark.parametrize(
    ("runbook", "section", "expected"),
    [
        ("redis", "fix", "runbookkit run redis --section fix"),
        ("odd name", "fix", "runbookkit run 'odd name' --section fix"),
    ],
)
def test_run_command_is_shell_quoted(runbook: str, section: str, expected: str) -> None:
    assert page.run_command(runbook, section) == expected


def _page(text: str, **kwargs: object) -> str:
    runbook = parse_text(text, runbook_id="demo")
    return page.runbook_page(text, runbook, today=TODAY, **kwargs).html  # type: ignore[arg-type]


def test_commands_follow_their_section_heading_and_history_comes_last() -> None:
    text = "# Demo\n\n**Severity:** low\n\n## Fix\n\n```bash\necho fixed\n```\n\n## Notes\n\nX.\n"
    out = _page(text, history="<table></table>")
    command = "runbookkit run demo --section fix"
    assert re.search(
        rf'<h2 id="fix">Fix<a [^>]+>¶</a></h2>\n<div class="admonition [^"]*rbk-run-section">'
        rf".*<code>{command}</code>",
        out,
    )
    assert out.index("<h1") < out.index('class="rbk-card"') < out.index('<h2 id="fix"')
    assert out.endswith("Run history" + out.split("Run history", 2)[-1])
    assert out.rstrip().endswith("<table></table>")
    assert "--section notes" not in out


def test_header_lines_are_shown_once_in_the_card() -> None:
    out = _page(REDIS.read_text(encoding="utf-8"))
    assert out.count("3-5 minutes") == 1
    assert out.count("Claude Code") == 1  # the footer lines too
    assert "<strong>Severity:</strong>" not in out and "<strong>Author:</strong>" not in out
    assert "<strong>Common Triggers:</strong>" in out  # a label paragraph in a section stays


def test_github_markdown_renders_as_github_shows_it() -> None:
    text = (
        "# Demo\n\n## Fix\n\n**Common Triggers:**\n1. first\n2. second\n\n"
        "- [ ] enable it\n- [x] done\n  ```bash\n  systemctl enable x\n  ```\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "<details><summary>More</summary>\n\n**inside**\n\n</details>\n"
    )
    out = _page(text)
    assert "<p><strong>Common Triggers:</strong></p>\n<ol>\n<li>first</li>" in out
    assert out.count('type="checkbox"') == 2 and "checked" in out
    assert re.search(r"<li[^>]*>.*done<pre><code class=\"language-bash\">systemctl enable x", out)
    assert "<table>" in out and "<td>2</td>" in out
    assert "<details><summary>More</summary>\n<p><strong>inside</strong></p>" in out


def test_the_implicit_section_gets_its_command_before_its_code() -> None:
    out = _page("# Demo\n\n```bash\necho fixed\n```\n")
    command = "runbookkit run demo --section overview"
    assert re.search(
        rf"<code>{command}</code>.*</div>\n<pre><code class=\"language-bash\">echo fixed", out
    )


def test_control_characters_do_not_move_the_commands() -> None:
    # The page counts lines as the parser does, or the command lands two lines off here.
    out = _page("# Demo\n\nA\x0bB\x0cC\n\n## Fix\n\n```bash\necho fixed\n```\n")
    assert re.search(r'<h2 id="fix">Fix<a [^>]+>¶</a></h2>\n<div class="admonition', out)


def test_setext_heading_gets_its_command() -> None:
    out = _page("Demo\n====\n\nFix\n---\n\n```bash\necho fixed\n```\n")
    assert re.search(r'<h2 id="fix">Fix<a [^>]+>¶</a></h2>\n<div class="admonition', out)


def test_front_matter_is_kept_for_mkdocs_and_left_out_of_the_page() -> None:
    text = "---\ntitle: Demo\nseverity: high\n---\n\n## Fix\n\n```bash\necho fixed\n```\n"
    lines = page.display_lines(text)
    end = parse_text(text).front_matter_end
    assert page.front_matter(lines, end) == "---\ntitle: Demo\nseverity: high\n---\n"
    out = _page(text)
    assert "severity: high" not in out
    assert out.startswith(f'<h1 id="{page.TITLE_ID}">Demo</h1><div class="rbk-card">')


def test_the_title_is_the_one_the_parser_took() -> None:
    # A setext H1 is the title: the card follows it and no second title is added.
    setext = _page("Demo\n====\n\n**Severity:** low\n\n## Fix\n\n```bash\necho fixed\n```\n")
    assert setext.count("<h1") == 1
    assert setext.index("<h1") < setext.index('class="rbk-card"')
    # In an H1-only runbook whose front matter names the title, the first H1 is a section.
    h1_only = "---\ntitle: Disk full\n---\n\n# Overview\n\nText.\n\n# Fix\n\n```bash\ndf -h\n```\n"
    out = _page(h1_only)
    assert out.startswith(f'<h1 id="{page.TITLE_ID}">Disk full</h1><div class="rbk-card">')
    assert out.count("<h1") == 3


def test_without_front_matter_an_empty_one_is_given() -> None:
    # Otherwise MkDocs would read a first line like "Owner: ops" as page metadata.
    assert page.front_matter(["Owner: ops", "", "## Fix"], 0) == "---\n{}\n---\n"


def test_damaged_text_is_repaired_for_display() -> None:
    text = SEED.read_text(encoding="utf-8")
    out = page.runbook_page(text, parse_file(SEED), today=TODAY).html
    assert "📋 Symptoms" in out
    assert "ðŸ“‹" not in out


def test_run_box_names_the_values_and_the_steps_to_mind() -> None:
    text = (
        "# Demo\n\n**Secrets:** TOKEN\n\n## Fix\n\n```bash\n# Step 1: Restart the pod\n"
        "kubectl -n $NAMESPACE delete pod <pod-name>\n\n# Step 2: Call the API\n"
        'curl -H "Authorization: $TOKEN" http://127.0.0.1/\n```\n\n'
        "**Manual check:**\n- [ ] Ask the on-call to confirm\n"
    )
    runbook = parse_text(text, runbook_id="demo")
    run = page.section_run(runbook, "fix")
    assert [v.name for v in run.variables] == ["NAMESPACE", "POD_NAME", "TOKEN"]
    assert run.command == (
        "runbookkit run demo --section fix --var NAMESPACE=VALUE --var 'POD_NAME=<pod-name>' "
        "--secret TOKEN=VALUE"
    )
    assert run.destructive and run.destructive[0].startswith("1. Restart the pod")
    box = page.run_box(run)
    assert "1 destructive" in box and "&lt;pod-name&gt;" in box
    assert "<pod-name>" not in box


def test_lint_findings_become_an_escaped_admonition() -> None:
    findings = [page.Finding("RBK004", "error", 3, "pattern misses <b>example</b>")]
    out = page.lint_admonition(findings)
    assert 'class="admonition failure' in out
    assert "&lt;b&gt;example&lt;/b&gt;" in out
    assert "(line 3)" in out


def test_slots_replace_their_paragraph_only() -> None:
    slots = Slots()
    token = slots.add("<div>\\1 kept</div>").strip()
    assert slots.fill(f"<p>before</p>\n<p>{token}</p>") == "<p>before</p>\n<div>\\1 kept</div>"


def test_fleet_runs_show_their_host_count_and_failures() -> None:
    from runbookkit.publish.runs import fleet_summary, history_table, hosts_of, run_section
    from tests.publish.conftest import make_run

    steps = [
        {
            "host": host,
            "number": number,
            "status": "failed" if (host, number) == ("c2", 2) else "passed",
        }
        for host in ("c1", "c2", "c3")
        for number in (1, 2)
    ]
    fleet = make_run("01FLEET", steps=steps, status="failed")
    assert hosts_of(fleet) == {"c1": False, "c2": True, "c3": False}
    assert fleet_summary(hosts_of(fleet)) == "3 hosts, 1 failed (c2)"
    # The site reads the hosts apart from the steps, which its tables never load.
    fleet.steps = []
    hosts = {"01FLEET": {"c1": False, "c2": True, "c3": False}}
    assert "3 hosts, 1 failed (c2)" in history_table([fleet], lambda _: None, None, hosts)
    single = make_run("01SINGLE")
    assert "hosts" not in history_table([single], lambda _: None, None, hosts)
    assert "<dt>Hosts</dt><dd>3 hosts, 1 failed (c2)</dd>" in run_section(
        make_run("01FLEET", steps=steps, status="failed"), on_page=(), sha256=None
    )
    assert hosts_of(single) == {}
    assert "<dt>Hosts</dt>" not in run_section(single, on_page=(), sha256=None)
