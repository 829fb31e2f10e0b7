"""Real ``mkdocs build`` runs of the plugin: the repo's own site, both themes, bad options."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REDIS, ROOT, RUNBOOKS
from tests.publish.conftest import mkdocs_build, text_of, write_site

pytestmark = pytest.mark.slow


def test_repo_site_builds_strict(tmp_path: Path) -> None:
    # Material prints an end-of-life notice on every build; it must not fail --strict.
    env = {k: v for k, v in os.environ.items() if k != "NO_MKDOCS_2_WARNING"}
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    redis = (site / "runbooks" / "redis-connection-refused" / "index.html").read_text()
    assert 'class="rbk-card"' in redis
    assert "runbookkit run redis-connection-refused --section fix" in text_of(redis)
    assert ">Run history<" in redis
    assert "redis-connection-refused" in (site / "catalog" / "index.html").read_text()
    assert (site / "assets" / "runbookkit.css").is_file()
    assert not (ROOT / "docs" / "runbooks").exists()  # served in place, not copied


@pytest.mark.parametrize("theme", ["mkdocs", "readthedocs", "material"])
def test_themes(tmp_path: Path, theme: str) -> None:
    config = write_site(tmp_path, RUNBOOKS, theme=theme, catalog="catalog.md")
    done = mkdocs_build(config, "--strict")
    assert done.returncode == 0, done.stderr
    redis = (tmp_path / "site" / "runbooks" / "redis-connection-refused" / "index.html").read_text()
    assert 'rbk-badge rbk-sev-high">high<' in redis
    assert "runbookkit run redis-connection-refused --section fix" in redis
    assert "No recorded runs yet." in redis
    assert "assets/runbookkit.css" in redis


def test_catalog_is_sorted_by_severity(tmp_path: Path) -> None:
    books = tmp_path / "books"
    books.mkdir()
    for name, severity in [("a-low", "low"), ("b-critical", "critical"), ("c-none", None)]:
        line = f"**Severity:** {severity}\n" if severity else ""
        body = f"# {name}\n\n{line}\n## Fix\n\n```bash\necho {name}\n```\n"
        (books / f"{name}.md").write_text(body, encoding="utf-8")
    shutil.copy(REDIS, books / "redis.md")
    config = write_site(tmp_path / "site-root", books, catalog="catalog.md")
    done = mkdocs_build(config, "--strict")
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "site-root" / "site" / "catalog" / "index.html").read_text()
    names = ("b-critical", "redis", "a-low", "c-none")
    order = [page.index(f"<code>{name}</code>") for name in names]
    assert order == sorted(order)
    assert "4 runbooks, 1 with an overdue review." in page


def test_runbooks_inside_docs_are_used_in_place(tmp_path: Path) -> None:
    books = tmp_path / "docs" / "runbooks"
    books.mkdir(parents=True)
    shutil.copy(REDIS, books)
    done = mkdocs_build(write_site(tmp_path, books), "--strict")
    assert done.returncode == 0, done.stderr
    page = tmp_path / "site" / "runbooks" / "redis-connection-refused" / "index.html"
    assert 'class="rbk-card"' in page.read_text()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"runbooks_dir": "missing"}, "runbooks_dir 'missing' is not a directory"),
        ({"max_runs": -1}, "max_runs must be 0 or more, got -1"),
        ({"max_runs": "many"}, "max_runs"),
        ({"catalog": "../catalog.md"}, "catalog must be a page path"),
        ({"show_lint": "sometimes"}, "show_lint"),
        ({"unknown_option": 1}, "unknown_option"),
    ],
)
def test_bad_options_are_one_clear_error(tmp_path: Path, options: dict, message: str) -> None:
    rest = {k: v for k, v in options.items() if k != "runbooks_dir"}
    config = write_site(tmp_path, Path(options.get("runbooks_dir", RUNBOOKS)), **rest)
    done = mkdocs_build(config, "--strict")
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_unparseable_runbook_is_a_warning_that_fails_strict(tmp_path: Path) -> None:
    books = tmp_path / "books"
    books.mkdir()
    shutil.copy(REDIS, books)
    (books / "empty.md").write_text("   \n", encoding="utf-8")
    config = write_site(tmp_path, books)
    done = mkdocs_build(config, "--strict")
    assert done.returncode != 0
    assert f"{books / 'empty.md'}:1: file is empty" in done.stderr
    assert mkdocs_build(config).returncode == 0


def test_clash_with_a_docs_page_is_refused(tmp_path: Path) -> None:
    (tmp_path / "docs" / "runbooks").mkdir(parents=True)
    (tmp_path / "docs" / "runbooks" / "redis-connection-refused.md").write_text("# Other\n")
    done = mkdocs_build(write_site(tmp_path, RUNBOOKS))
    assert done.returncode != 0
    assert "clashes with the runbook" in done.stderr


@pytest.mark.parametrize("show_lint", [True, False])
def test_lint_findings_as_an_admonition(tmp_path: Path, show_lint: bool) -> None:
    # The redis runbook's Next Review (2025-12-24) has passed: the linter reports RBK006.
    done = mkdocs_build(write_site(tmp_path, RUNBOOKS, show_lint=show_lint), "--strict")
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "site" / "runbooks" / "redis-connection-refused" / "index.html").read_text()
    assert ('class="admonition warning rbk-lint"' in page) is show_lint
    assert ("<code>RBK006</code> warning (line 219): Next Review 2025-12-24" in page) is show_lint


TEAM_PROFILE = {
    "properties": {
        "metadata": {
            "properties": {
                "severity": {"enum": ["critical"], "x-message": "team: critical runbooks only"}
            }
        }
    }
}


@pytest.mark.parametrize("where", ["pyproject", "env", "none"])
def test_lint_findings_use_the_project_profile(tmp_path: Path, where: str) -> None:
    # The settings are looked up from mkdocs.yml, wherever mkdocs is started from.
    (tmp_path / "team.json").write_text(json.dumps(TEAM_PROFILE), encoding="utf-8")
    if where == "pyproject":
        table = '[tool.runbookkit]\nprofile = "team.json"\n'
        (tmp_path / "pyproject.toml").write_text(table, encoding="utf-8")
    env = {"RUNBOOKKIT_PROFILE": str(tmp_path / "team.json")} if where == "env" else {}
    config = write_site(tmp_path / "site-root", RUNBOOKS)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = mkdocs_build(config, "--strict", env=env, cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    page = tmp_path / "site-root" / "site" / "runbooks" / "redis-connection-refused" / "index.html"
    text = page.read_text()
    assert ("<code>RBK001</code> error (line 4): team: critical runbooks only" in text) is (
        where != "none"
    )
    assert "<code>RBK006</code>" in text  # the rules outside the profile still run


@pytest.mark.parametrize(
    ("table", "message", "without_lint"),
    [
        # A profile that can't be read matters only to the lint findings...
        ('profile = "missing.json"', "cannot read the profile", 0),
        # ...but settings of the wrong type are refused as every runbookkit command refuses them
        # (the site reads the history setting from the same table).
        ("profile = 3", "profile", 1),
    ],
)
def test_bad_profile_setting_is_one_clear_error(
    tmp_path: Path, table: str, message: str, without_lint: int
) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.runbookkit]\n{table}\n", encoding="utf-8")
    done = mkdocs_build(write_site(tmp_path, RUNBOOKS))
    assert done.returncode != 0
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    done = mkdocs_build(write_site(tmp_path, RUNBOOKS, show_lint=False))
    assert done.returncode == without_lint, done.stderr
    assert "Traceback" not in done.stderr
