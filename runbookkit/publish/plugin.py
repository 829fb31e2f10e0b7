"""The MkDocs plugin ``runbookkit``: runbook pages, runs pages and a catalog, from the sources.

The runbook files are added to the site where they are (no copy, no symlink) and their directory
is watched by ``mkdocs serve``. Runbooks and history are read once per build, in ``on_files``.
Each runbook with recorded runs gets one runs page, ``runs/NAME.html``, with a section per run.
Runs pages all share one shape, so MkDocs renders the first through the theme and the plugin
writes the others from that rendering (see :mod:`runbookkit.publish.runpages`): a site with
hundreds of runbooks builds at the cost of one extra page and a file per runbook.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import os
import posixpath
from collections.abc import Sequence
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mkdocs.config import base
from mkdocs.config import config_options as c
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.utils import get_relative_url

from runbookkit.cache import Alongside
from runbookkit.model import Runbook
from runbookkit.publish import catalog, kept, runpages, runs
from runbookkit.publish import incidents as site_incidents
from runbookkit.publish import page as page_lib
from runbookkit.publish.html import Slots, esc, safe_name
from runbookkit.publish.render import Heading, Link, Rendered
from runbookkit.publish.runpages import RunPages, RunsPage
from runbookkit.publish.sources import History, load_steps, read_history, read_runbooks

if TYPE_CHECKING:
    from runbookkit.lint.profile import Profile
    from runbookkit.settings import Settings

log = get_plugin_logger(__name__)

CSS = "assets/runbookkit.css"
JS = "assets/runbookkit.js"  # the catalog's sorting and filtering; opens a linked run
CATALOG_TITLE = "# Catalog\n"  # the site's name says whose ("Catalog - Runbooks")
# Wide tables: Material leaves out its side columns on the catalog and the runs pages.
WIDE = "---\nhide: [navigation, toc]\n---\n"


class RunbookConfig(base.Config):
    """Options of the ``runbookkit`` plugin in ``mkdocs.yml``."""

    runbooks_dir = c.Type(str, default="runbooks")
    """Directory of the runbooks, relative to mkdocs.yml."""
    history = c.Optional(c.Type(str))
    """The history store; else ``RUNBOOKKIT_HISTORY`` or ``[tool.runbookkit] history`` (where
    ``runbookkit run`` records), else ``.runbookkit/history.sqlite`` beside the runbooks."""
    max_runs = c.Type(int, default=20)
    """How many of the latest runs each runbook page lists (and its runs page shows)."""
    show_lint = c.Type(bool, default=True)
    """Show each runbook's lint findings as an admonition, checked against the format profile
    that ``runbookkit lint`` uses there (``RUNBOOKKIT_PROFILE``, else ``profile`` in the
    ``[tool.runbookkit]`` of the nearest pyproject.toml at or above mkdocs.yml)."""
    catalog = c.Optional(c.Type(str))
    """Page path of the catalog (``catalog.md``); no catalog when unset."""
    incidents = c.Type(str, default="incidents.md")
    """Page path of the Incidents page, made when the history holds incidents."""
    offline = c.Type(bool, default=True)
    """Keep every page free of requests to other hosts: the site is read during outages of the
    very network it would need. Turns off the theme's web fonts (Material's ``font``) and
    highlight.js from a CDN (the mkdocs and readthedocs themes' ``highlightjs``), and warns of
    ``extra_css`` or ``extra_javascript`` given as URLs."""


class RunbookPlugin(BasePlugin[RunbookConfig]):
    """Publish the runbooks directory, with run history and a catalog."""

    def on_config(self, config: Any) -> Any:
        """Resolve and check the options; add the stylesheet."""
        root = Path(config.config_file_path or ".").resolve().parent
        self.runbooks_dir = (root / self.config.runbooks_dir).resolve()
        if not self.runbooks_dir.is_dir():
            raise PluginError(
                f"runbookkit: runbooks_dir {self.config.runbooks_dir!r} is not a directory "
                f"(looked for {self.runbooks_dir}), expected the directory of the runbooks"
            )
        if self.config.max_runs < 0:
            raise PluginError(f"runbookkit: max_runs must be 0 or more, got {self.config.max_runs}")
        for option, name in (
            ("catalog", self.config.catalog),
            ("incidents", self.config.incidents),
        ):
            if name is not None and (not name.endswith(".md") or name.startswith(("/", "../"))):
                raise PluginError(
                    f"runbookkit: {option} must be a page path like {option}.md, not {name!r}"
                )
        settings = _settings(root)
        # Where `runbookkit run` records: the option, else RUNBOOKKIT_HISTORY or
        # [tool.runbookkit] history, else beside the runbooks directory.
        history = self.config.history or settings.history
        if isinstance(history, str) and "://" in history:
            store: Path | str = history  # a store URL (postgresql://…, sqlite:///…)
        else:
            located = dataclasses.replace(
                settings,
                runbooks_dir=self.runbooks_dir,
                history=root / history if history else None,
            )
            store = located.history_path.resolve()
        self.history_path = store
        self.profile_path = settings.profile if self.config.show_lint else None
        self.policy = settings.policy
        if self.config.offline:
            _offline(config)
        if CSS not in config.extra_css:
            config.extra_css.append(CSS)
        if JS not in config.extra_javascript:
            config.extra_javascript.append(JS)
        return config

    def on_files(self, files: Files, config: Any) -> Files:
        """Read the runbooks and the history once, and add their pages to the site.

        All of it lives as long as the build: no collection runs while it is read, and it is
        frozen then (see :meth:`_freeze`).
        """
        enabled = gc.isenabled()
        gc.disable()
        try:
            self.files = self._read_sources(files, config)
        finally:
            if enabled:
                gc.enable()
        self._freeze()
        return self.files

    def _read_sources(self, files: Files, config: Any) -> Files:
        self.now = dt.datetime.now(dt.UTC)
        self.history = History()

        def history() -> None:  # while a second process parses most of a large directory
            self.history = read_history(self.history_path, self.config.max_runs, self.now)

        found, errors = read_runbooks(self.runbooks_dir, self.policy, meanwhile=history)
        for error in errors:
            log.warning(str(error))
        self.lint_profile = _lint_profile(self.profile_path) if self.config.show_lint else None
        self.profile_key = (
            kept.profile_key(self.lint_profile.name, self.lint_profile.schema)
            if self.lint_profile is not None
            else ""
        )
        self.runbooks: dict[str, Runbook] = {}
        self.runbook_files: dict[str, File] = {}
        self.slots: dict[str, Slots] = {}
        self.tocs: dict[str, list[Heading]] = {}
        docs_dir = Path(config.docs_dir).resolve()
        for path, runbook in found:
            self._add_runbook(files, config, docs_dir, path.resolve(), runbook)
        self.runbook_of = {id(file): runbook_id for runbook_id, file in self.runbook_files.items()}
        self.keys: dict[str, tuple[str, str, str]] = {}  # runbook id → source, table, page key
        self.filled: frozenset[str] = frozenset()  # the pages a second process renders
        files.append(File.generated(config, CSS, content=_asset("runbookkit.css")))
        files.append(File.generated(config, JS, content=_asset("runbookkit.js")))
        if self.config.catalog:
            self._replace(files, self.config.catalog)
            files.append(File.generated(config, self.config.catalog, content=CATALOG_TITLE))
        self.incidents = site_incidents.Incidents(self.history.incidents, self.runbooks)
        self.incidents_file = self._add_incidents_page(files, config)
        return self._add_run_pages(files, config)

    def _freeze(self) -> None:
        """Keep what the build holds from here on (the theme, the runbooks, the history) out of
        the collections that rendering the pages sets off, until the build ends; not when the
        process froze objects of its own (it would thaw them too)."""
        self.frozen = gc.get_freeze_count() == 0
        if self.frozen:
            gc.freeze()

    def _thaw(self) -> None:
        if getattr(self, "frozen", False):
            self.frozen = False
            gc.unfreeze()

    def _add_incidents_page(self, files: Files, config: Any) -> File | None:
        name = self.config.incidents
        if not self.history.incidents:
            return None
        if files.get_file_from_path(name) is not None:
            log.warning(f"{name}: kept; set `incidents` to another page path for the incidents")
            return None
        file = File.generated(config, name, content="# Incidents\n")
        files.append(file)
        return file

    def _incident_href(self, from_url: str) -> site_incidents.IncidentHref:
        file = self.incidents_file
        base = get_relative_url(file.url, from_url) if file is not None else None

        def href(incident_id: str) -> str | None:
            return f"{base}#{site_incidents.anchor(incident_id)}" if base else None

        return href

    def _add_runbook(
        self, files: Files, config: Any, docs_dir: Path, path: Path, runbook: Runbook
    ) -> None:
        if path.is_relative_to(docs_dir):
            file = files.get_file_from_path(path.relative_to(docs_dir).as_posix())
        else:
            rel = PurePosixPath(self.runbooks_dir.name, path.relative_to(self.runbooks_dir))
            if files.get_file_from_path(str(rel)) is not None:
                raise PluginError(
                    f"runbookkit: docs/{rel} clashes with the runbook {path}; rename one of them"
                )
            file = File.generated(config, str(rel), abs_src_path=str(path))
            files.append(file)
        if file is None:
            return
        if runbook.id in self.runbooks:
            log.warning(f"{path}: runbook id {runbook.id!r} is used twice; the first one is shown")
            return
        self.runbooks[runbook.id] = runbook
        self.runbook_files[runbook.id] = file

    @staticmethod
    def _replace(files: Files, src_uri: str) -> None:
        existing = files.get_file_from_path(src_uri)
        if existing is not None:
            log.warning(f"{src_uri}: replaced by the runbook catalog (set another `catalog` path)")
            files.remove(existing)

    def _add_run_pages(self, files: Files, config: Any) -> Files:
        pages = [
            RunsPage(safe_name(runbook_id), f"Runs of {runbook.title or runbook_id}", runbook_id)
            for runbook_id, runbook in self.runbooks.items()
            if self.history.runs.get(runbook_id)
        ]
        self.page_names = {page.runbook_id: page.name for page in pages}
        self.run_pages: RunPages | None = None
        self.shell: File | None = None
        if not pages:
            return files
        self.run_pages = RunPages(pages, self._runs_html, self._load_steps)
        src = f"runs/{pages[0].name}.md"
        self._replace(files, src)
        written = {runpages.url(page.name) for page in pages}
        for file in [f for f in files if f.dest_uri in written]:
            log.warning(f"{file.src_uri}: replaced by a runs page ({file.dest_uri})")
            files.remove(file)
        hidden = InclusionLevel.NOT_IN_NAV  # runs pages are reached from the runbook pages
        self.shell = File.generated(config, src, content="", inclusion=hidden)
        self.shell.dest_uri = runpages.url(pages[0].name)  # a file per runbook, no directory
        # First in line, so the other runs pages are written while the rest is rendered.
        return Files([self.shell, *files])

    def _is_shell(self, page: Any) -> bool:
        return self.shell is not None and page.file is self.shell

    def on_nav(self, nav: Any, config: Any, files: Files) -> Any:
        """Keep the top of the navigation for runs pages (a whole nav on each costs too much);
        start rendering the later half of the runbook pages alongside (see :meth:`_fill`)."""
        from mkdocs.structure.nav import Navigation

        top = [item for item in nav.items if getattr(item, "is_page", False)]
        self.run_nav = Navigation(top, [p for p in nav.pages if p in top])
        self._fill(files)
        return nav

    def _fill(self, files: Files) -> None:
        """Render the later half of the runbook pages, in the order MkDocs reads them, into
        the page cache in a second process, while this one reads the first half; only those
        not kept already (a rebuild that renders a few pages forks nothing)."""
        pages = files.documentation_pages()
        order = [self.runbook_of[id(file)] for file in pages if id(file) in self.runbook_of]
        later = [
            runbook_id
            for runbook_id in order[len(order) // 2 :]
            if not kept.SHELF.has(self._keyed(runbook_id)[2])
        ]
        self.filling = Alongside(later, self._rendered)
        self.filled = frozenset(later) if self.filling.pid is not None else frozenset()

    def on_env(self, env: Any, config: Any, files: Files) -> Any:
        """Every page is read: the process rendering alongside is done (or is now)."""
        self._stop_filling(wait=True)
        return env

    def _stop_filling(self, *, wait: bool) -> None:
        filling = getattr(self, "filling", None)
        if filling is not None:
            if wait:
                filling.wait()
            else:
                filling.stop()
        self.filled = frozenset()

    @event_priority(-100)  # after the other plugins (search) took the real title and URL
    def on_page_context(self, context: Any, page: Any, config: Any, nav: Any) -> Any:
        """Give the runs page the short navigation, and tokens for its title and URL."""
        if self.run_pages is None or not self._is_shell(page):
            return context
        context["nav"] = self.run_nav
        self.shell_urls = (page.title, page.file.url, page.canonical_url, page.abs_url)
        real = page.file.url
        page.title = self.run_pages.title_token
        page.file.url = runpages.url(self.run_pages.name_token)
        # The canonical and absolute URLs end with the page's URL (themes show them in the head).
        if page.canonical_url:
            page.canonical_url = page.canonical_url.removesuffix(real) + page.file.url
        if page.abs_url:
            page.abs_url = page.abs_url.removesuffix(real) + page.file.url
        return context

    def on_page_read_source(self, page: Any, config: Any) -> str | None:
        """The Markdown of runbook pages, the catalog and the runs page rendered by MkDocs."""
        uri = page.file.src_uri
        slots = self.slots[uri] = Slots()
        runbook_id = self.runbook_of.get(id(page.file))
        if runbook_id is not None:
            return self._runbook_source(self.runbooks[runbook_id], page, slots)
        href = self._href(page.url)
        if uri == self.config.catalog:
            return WIDE + CATALOG_TITLE + slots.add(self._catalog_html(page.url, href))
        if self.incidents_file is not None and page.file is self.incidents_file:
            return WIDE + "# Incidents\n" + slots.add(self._incidents_html(page.url, href))
        if self.run_pages is not None and self._is_shell(page):
            page.title = esc(self.run_pages.shell.title)  # themes put page titles in as HTML
            return WIDE + slots.add(self.run_pages.body())
        del self.slots[uri]
        return None

    def _href(self, from_url: str) -> runs.Href:
        base = get_relative_url(runpages.url("x"), from_url)[: -len("x.html")]
        names = self.page_names

        def href(run: runs.RunLike) -> str | None:
            name = names.get(run.runbook_id)
            return f"{base}{name}.html#{runs.anchor(run.id)}" if name else None

        return href

    def _runbook_source(self, runbook: Runbook, page: Any, slots: Slots) -> str:
        if runbook.id in self.filled:
            self.filling.wait()  # the other half of the pages is kept by now
        source, rendered = self._rendered(runbook.id)
        self.tocs[page.file.src_uri] = rendered.headings
        if page.title is None:  # a title from the nav stays; the H1 is inside the kept HTML
            page.title = esc(runbook.title)  # themes put page titles in as HTML
        html = rendered.html
        if self.history.incidents:
            section = site_incidents.runbook_section(
                self.incidents.of_runbook(runbook.id),
                runbook.metadata.mttr,
                self._incident_href(page.url),
            )
            html += f'<h2 id="incidents">Incidents</h2>{section}'
        lines = page_lib.display_lines(source)
        return page_lib.front_matter(lines, runbook.front_matter_end) + slots.add(html)

    def _rendered(self, runbook_id: str) -> tuple[str, Rendered]:
        """The runbook's source, and its page as kept (else rendered, and kept)."""
        runbook = self.runbooks[runbook_id]
        source, table, name = self._keyed(runbook_id)
        today = self.now.date()

        def make(link: Link) -> tuple[list[page_lib.Finding], Rendered]:
            findings = []
            if self.lint_profile is not None:
                findings = lint_findings(runbook, self.lint_profile, today)
            return findings, page_html(source, runbook, today, findings, table, link)

        return source, kept.page(name, self._link(self.runbook_files[runbook_id]), make).rendered

    def _keyed(self, runbook_id: str) -> tuple[str, str, str]:
        """The runbook's source, its run history table and the key of its page (each made
        once a build: :meth:`_fill` asks for them first)."""
        found = self.keys.get(runbook_id)
        if found is None:
            runbook, file = self.runbooks[runbook_id], self.runbook_files[runbook_id]
            source = Path(file.abs_src_path or runbook.path).read_text(encoding="utf-8")
            table = runs.history_table(
                self.history.runs.get(runbook.id, []),
                self._href(file.url),
                runbook.sha256,
                self.history.hosts,
                self.history.reasons,
            )
            name = kept.key(
                source,
                runbook,
                policy=self.policy,
                profile=self.profile_key,
                today=self.now.date(),
                history=table,
            )
            found = self.keys[runbook_id] = (source, table, name)
        return found

    def _link(self, here: File) -> Link:
        """Links between pages as written (``other.md#fix``) → the URL of that page here."""
        files = self.files

        def link(href: str) -> str:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.endswith(".md"):
                return href
            if parts.path.startswith("/"):
                return href
            target = posixpath.normpath(posixpath.join(posixpath.dirname(here.src_uri), parts.path))
            file = files.get_file_from_path(target)
            if file is None:
                return href
            url = get_relative_url(file.url, here.url)
            return url + (f"#{parts.fragment}" if parts.fragment else "")

        return link

    def _incidents_html(self, from_url: str, href: runs.Href) -> str:
        shown = {run.id: run for found in self.history.runs.values() for run in found}

        def runbook_href(runbook_id: str) -> str | None:
            file = self.runbook_files.get(runbook_id)
            return get_relative_url(file.url, from_url) if file is not None else None

        def run_href(run_id: str) -> str | None:
            run = shown.get(run_id)
            return href(run) if run is not None else None

        return site_incidents.incidents_page(
            self.history.incidents,
            self.incidents.targets,
            runbook_href=runbook_href,
            run_href=run_href,
        )

    def _catalog_html(self, from_url: str, href: runs.Href) -> str:
        entries = [
            catalog.Entry(
                runbook=runbook,
                href=get_relative_url(self.runbook_files[runbook_id].url, from_url),
                last_run=next(iter(self.history.runs.get(runbook_id, [])), None),
                recent_runs=self.history.recent.get(runbook_id, 0),
                incidents=self.incidents.catalog(runbook_id, self.now),
            )
            for runbook_id, runbook in self.runbooks.items()
        ]
        return catalog.catalog_table(
            entries,
            today=self.now.date(),
            href=href,
            reasons=self.history.reasons,
            incidents=bool(self.history.incidents),
        )

    def _load_steps(self, pages: Sequence[RunsPage]) -> None:
        shown = [run for page in pages for run in self.history.runs[page.runbook_id]]
        load_steps(self.history_path, shown)

    def _runs_html(self, page: RunsPage, from_url: str) -> str:
        runbook = self.runbooks[page.runbook_id]
        back = get_relative_url(self.runbook_files[page.runbook_id].url, from_url)
        shown = self.history.runs.get(page.runbook_id, [])
        extra = self.incidents.run_rows(shown, self._incident_href(from_url))
        return runs.runs_page(
            runbook.title, runbook.id, shown, runbook_href=back, sha256=runbook.sha256, extra=extra
        )

    def on_page_content(self, html: str, page: Any, config: Any, files: Files) -> str:
        """Put the kept HTML in place of its placeholders."""
        slots = self.slots.pop(page.file.src_uri, None)
        if slots is None:
            return html
        headings = self.tocs.pop(page.file.src_uri, None)
        if headings is not None:
            page.toc = table_of_contents(headings)
        return slots.fill(html)

    def on_post_page(self, output: str, page: Any, config: Any) -> str:
        """Start writing every other runs page from the rendered shape of this one."""
        if self.run_pages is None or not self._is_shell(page):
            return output
        page.title, page.file.url, page.canonical_url, page.abs_url = self.shell_urls
        try:
            return self.run_pages.start(output, config.site_dir)
        except (OSError, ValueError) as exc:
            raise PluginError(f"runbookkit: runs pages: {exc}") from None

    def on_post_build(self, config: Any) -> None:
        """Wait until every runs page is written."""
        self._thaw()
        if self.run_pages is not None:
            try:
                self.run_pages.finish()
            except RuntimeError as exc:
                raise PluginError(f"runbookkit: {exc}") from None

    def on_build_error(self, error: Exception) -> None:
        """Reap the runs page writer of a failed build, and the pages renderer."""
        self._thaw()
        self._stop_filling(wait=False)
        run_pages = getattr(self, "run_pages", None)
        if run_pages is not None:
            with contextlib.suppress(RuntimeError):
                run_pages.finish()

    def on_serve(self, server: Any, config: Any, builder: Any) -> Any:
        """Rebuild when a runbook changes, or a run is recorded in the history store."""
        server.watch(os.fspath(self.runbooks_dir))
        # The store file itself, not its directory: reading the store touches its -shm and
        # -wal files there, and each rebuild would set off the next.
        if isinstance(self.history_path, str):
            from runbookkit.publish.watch import StorePoller

            if getattr(self, "poller", None) is None:
                self.poller = StorePoller(self.history_path)
                self.poller.start()
            server.watch(os.fspath(self.poller.directory))
        elif self.history_path.is_file():
            server.watch(os.fspath(self.history_path), recursive=False)
        else:
            log.info(f"{self.history_path}: no run history yet; restart to watch it once it exists")
        return server


def page_html(
    source: str,
    runbook: Runbook,
    today: dt.date,
    findings: list[page_lib.Finding],
    history: str,
    link: Link,
) -> Rendered:
    """The runbook page's HTML (see :func:`runbookkit.publish.page.runbook_page`)."""
    return page_lib.runbook_page(
        source, runbook, today=today, findings=findings, history=history, link=link
    )


def table_of_contents(headings: list[Heading]) -> Any:
    """MkDocs' table of contents of a page from its headings, nested by level."""
    from mkdocs.structure.toc import get_toc

    root: list[dict[str, Any]] = []
    stack: list[tuple[int, list[dict[str, Any]]]] = [(0, root)]
    for heading in headings:
        while stack[-1][0] >= heading.level:
            stack.pop()
        item: dict[str, Any] = {
            "level": heading.level,
            "id": heading.id,
            "name": heading.name,
            "children": [],
        }
        stack[-1][1].append(item)
        stack.append((heading.level, item["children"]))
    return get_toc(root)  # type: ignore[arg-type]


def lint_findings(runbook: Runbook, profile: Profile, today: dt.date) -> list[page_lib.Finding]:
    """The lint findings shown on a runbook's page, with the project's format profile."""
    from runbookkit.lint import lint_runbook

    return [
        page_lib.Finding(f.code, f.level.value, f.line, f.message)
        for f in lint_runbook(runbook, profile=profile, today=today)
    ]


def _settings(root: Path) -> Settings:
    """runbookkit's settings for the project of ``root``, as its commands read them there.

    ``RUNBOOKKIT_*`` variables, else the ``[tool.runbookkit]`` of the nearest pyproject.toml
    at or above ``root``.
    """
    from runbookkit import settings
    from runbookkit.errors import ConfigError

    try:
        return settings.load(start=root)
    except ConfigError as exc:
        raise PluginError(f"runbookkit: {exc}") from None


def _lint_profile(path: Path | None) -> Profile:
    """The format profile at ``path`` (the default one when None), compiled once per build."""
    from runbookkit.errors import ConfigError
    from runbookkit.lint import load_profile

    try:
        return load_profile(path)
    except ConfigError as exc:
        raise PluginError(f"runbookkit: {exc}") from None


def _offline(config: Any) -> None:
    """Theme settings that would load fonts or scripts from other hosts, turned off."""
    theme = config.theme
    if theme.name == "material" and theme.get("font") is not False:
        theme["font"] = False  # Material links Google Fonts unless font is false
    if theme.get("highlightjs"):
        theme["highlightjs"] = False  # the mkdocs and readthedocs themes load it from a CDN
    for item in [*config.extra_css, *config.extra_javascript]:
        path = str(getattr(item, "path", item))
        if urlsplit(path).netloc:
            log.warning(f"{path}: loaded from another host, so the site needs the network")


def _asset(name: str) -> str:
    return resources.files("runbookkit.publish").joinpath(name).read_text("utf-8")
