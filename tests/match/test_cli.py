"""``runbookkit match`` on the command line: output, options and grep-like exit status."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from tests.conftest import RUNBOOKS
from tests.support.runbooks import write_runbook

REDIS_ERROR = "Error: connect ECONNREFUSED 127.0.0.1:6379"
LOG = f"boot\nGET / 200\n{REDIS_ERROR}\n  at TCPConnectWrap.afterConnect (net.js:1144:16)\nok\n"


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "app.log"
    path.write_text(LOG)
    return path


def test_message_routes_to_redis(cli) -> None:
    result = cli("match", REDIS_ERROR)
    assert result.returncode == 0, result.stderr
    head, where = result.stdout.splitlines()
    assert head == (
        "redis-connection-refused (high, MTTR 3-5 minutes) Redis Connection Refused - Runbook"
    )
    assert where == f"  message:1: {REDIS_ERROR}"


def test_unrelated_message_exits_1(cli) -> None:
    result = cli("match", "GET /health 200")
    assert (result.returncode, result.stdout, result.stderr) == (1, "", "")


def test_file_match_names_file_and_line(cli, log: Path) -> None:
    result = cli("match", "--file", str(log))
    assert result.returncode == 0
    assert f"  {log}:3: {REDIS_ERROR}" in result.stdout.splitlines()


def test_matched_text_is_highlighted_in_color(cli, log: Path) -> None:
    result = cli("match", "--color", "always", "--file", str(log))
    assert "\x1b[31m\x1b[1mECONNREFUSED 127.0.0.1:6379\x1b[0m" in result.stdout


def test_json_has_one_object_per_match_with_trace(cli, log: Path) -> None:
    result = cli("match", "--json", "--file", str(log))
    (line,) = result.stdout.splitlines()
    body = json.loads(line)
    assert body["runbook"] == "redis-connection-refused"
    assert (body["file"], body["line"], body["severity"]) == (str(log), 3, "high")
    assert body["match"]["text"] == "ECONNREFUSED 127.0.0.1:6379"
    assert body["continuation"] == ["  at TCPConnectWrap.afterConnect (net.js:1144:16)"]
    assert body["pattern_line"] == 3 and body["runbook_path"].endswith(
        "redis-connection-refused.md"
    )


def test_count_first_and_runbook_filter(cli, runbooks_dir: Path, tmp_path: Path) -> None:
    write_runbook(
        runbooks_dir,
        name="disk",
        pattern="(?i)no space left",
        severity="Critical",
    )
    write_runbook(runbooks_dir, name="timeout", pattern="timed out", severity="Low")
    log = tmp_path / "app.log"
    log.write_text("No space left\nok\nread timed out\nno space left, timed out\n")
    base = ("match", "--runbooks-dir", str(runbooks_dir), "--file", str(log))
    counted = cli(*base, "--count")
    assert counted.stdout.splitlines() == [
        "        2  disk  (critical) Disk",
        "        2  timeout  (low) Timeout",
        "        3  lines matched",
    ]
    first = cli(*base, "--first", "--json")
    assert [json.loads(x)["line"] for x in first.stdout.splitlines()] == [1]
    only = cli(*base, "--runbook", "timeout", "--json")
    assert [json.loads(x)["line"] for x in only.stdout.splitlines()] == [3, 4]
    ordered = cli(*base, "--json")
    assert [json.loads(x)["runbook"] for x in ordered.stdout.splitlines()][-2:] == [
        "disk",
        "timeout",
    ]
    unknown = cli(*base, "--runbook", "nope")
    assert unknown.returncode == 2 and "no runbook with a Pattern named 'nope'" in unknown.stderr


@pytest.mark.parametrize(
    ("make", "code", "message"),
    [
        (lambda d: d / "missing.log", 2, "no such file"),
        (lambda d: d, 2, "is a directory"),
        (lambda d: d / "empty.log", 1, None),
    ],
    ids=["missing", "directory", "empty"],
)
def test_file_errors(cli, tmp_path: Path, log: Path, make, code: int, message: str | None) -> None:
    target = make(tmp_path)
    if target.name == "empty.log":
        target.write_bytes(b"")
    result = cli("match", "--file", str(target))
    assert result.returncode == code
    if message:
        assert result.stderr == f"{target}: {message}" + (
            ", expected a log file\n" if "directory" in message else "\n"
        )
    both = cli("match", "--file", str(target), "--file", str(log))
    assert both.returncode == (code if code == 2 else 0)
    assert REDIS_ERROR in both.stdout


def _fifo(directory: Path) -> Path:
    path = directory / "pipe.log"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    ("make", "kind"),
    [(_fifo, "a named pipe (FIFO)"), (lambda _: Path("/dev/zero"), "a character device")],
    ids=["fifo", "dev-zero"],
)
@pytest.mark.parametrize("count", [False, True], ids=["scan", "count"])
def test_special_file_is_refused(cli, tmp_path: Path, log: Path, make, kind: str, count) -> None:
    target = make(tmp_path)
    flags = ["--count"] if count else []
    # A process of its own: a blocked or endless read is killed at the timeout.
    args = ("match", *flags, "--file", str(target), "--file", str(log))
    result = cli(*args, timeout=20, subprocess=True)
    assert result.returncode == 2
    assert result.stderr == f"{target}: is {kind}, expected a regular file\n"
    assert REDIS_ERROR in result.stdout or "1  lines matched" in result.stdout


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file(cli, log: Path) -> None:
    log.chmod(0)
    result = cli("match", "--file", str(log))
    assert (result.returncode, result.stderr) == (2, f"{log}: permission denied\n")


def test_invalid_pattern_is_named_and_exits_2(cli, runbooks_dir: Path) -> None:
    write_runbook(runbooks_dir, name="good", pattern="disk full")
    bad = write_runbook(runbooks_dir, name="bad", pattern="(unclosed")
    result = cli("match", "--runbooks-dir", str(runbooks_dir), "disk full")
    assert result.returncode == 2
    assert result.stderr.startswith(f"{bad}:3: ")
    assert "Pattern" in result.stderr
    assert "good" in result.stdout  # the other runbooks still route


def test_fallback_pattern_warns_with_runbook_name(cli, runbooks_dir: Path) -> None:
    odd = write_runbook(runbooks_dir, name="odd", pattern=r"(\w+) \1")
    result = cli("match", "--runbooks-dir", str(runbooks_dir), "again again")
    assert result.returncode == 0
    assert result.stderr.startswith(f"{odd}:3: warning: runbook 'odd': RE2 cannot run")


def test_invalid_utf8_file_keeps_line_numbers(cli, tmp_path: Path) -> None:
    log = tmp_path / "bin.log"
    log.write_bytes(b"\xff\xfe\n\xc3(\n" + REDIS_ERROR.encode() + b" \xe9\n")
    result = cli("match", "--json", "--file", str(log))
    body = json.loads(result.stdout)
    assert (body["line"], body["text"]) == (3, REDIS_ERROR + " \ufffd")


def test_stdin_dash_reads_the_stream(cli) -> None:
    result = cli("match", "-", "--count", input=LOG * 3)
    assert result.stdout.splitlines()[-1] == "        3  lines matched"


def test_match_uses_runbooks_dir_setting(cli) -> None:
    result = cli("match", REDIS_ERROR, env={"RUNBOOKKIT_DIR": str(RUNBOOKS)}, cwd=Path("/"))
    assert result.returncode == 0, result.stderr


def test_catastrophic_pattern_in_a_runbook_cannot_freeze_routing(
    cli, runbooks_dir: Path, tmp_path: Path
) -> None:
    write_runbook(runbooks_dir, name="careless", pattern="(a+)+$")
    log = tmp_path / "a.log"
    log.write_text("a" * 50 + "!\n" + "x" * 10_000_000 + " aaa\n")
    started = time.monotonic()
    result = cli("match", "--runbooks-dir", str(runbooks_dir), "--json", "--file", str(log))
    assert time.monotonic() - started < 20  # Python's re would need 2**50 steps on line 1
    assert [json.loads(x)["line"] for x in result.stdout.splitlines()] == [2]


def _has_hyperscan() -> bool:
    from runbookkit.match.hyper import wanted

    return wanted()


@pytest.mark.parametrize("engine", ["auto", "re2"])
def test_json_and_verbose_say_which_engine_ran(
    cli, runbooks_dir: Path, cache_dir: Path, engine: str
) -> None:
    if engine == "auto" and not _has_hyperscan():
        pytest.skip("hyperscan is not installed")
    write_runbook(
        runbooks_dir,
        name="disk",
        pattern="(?i)no space left",
        severity="Critical",
    )
    write_runbook(runbooks_dir, name="lazy", pattern="(?i)disk.+full: naïve", severity="Low")
    write_runbook(runbooks_dir, name="refs", pattern=r"(\w+) again \1", severity="Low")
    env = {"RUNBOOKKIT_MATCH_ENGINE": engine}
    base = ("match", "--runbooks-dir", str(runbooks_dir))
    log = "No space left\ndisk is full: naïve\nboom again boom\n"
    found = cli(*base, "-", "--json", "--verbose", input=log, env=env)
    assert found.returncode == 0, found.stderr
    fast = "hyperscan" if engine == "auto" else "re2"
    engines = [
        (json.loads(x)["runbook"], json.loads(x)["engine"]) for x in found.stdout.split("\n")[:-1]
    ]
    assert engines == [("disk", fast), ("lazy", "re2"), ("refs", "re")]
    stderr = found.stderr
    assert "engine: Python re (time-limited worker) for 1: refs" in stderr
    assert "warning: runbook 'refs': RE2 cannot run its Pattern" in stderr
    if engine == "auto":
        assert "engine: hyperscan for 1 Pattern, RE2 confirms" in stderr
        assert "engine: RE2 for 1: lazy" in stderr
        assert "note: runbook 'lazy': Hyperscan cannot compile its Pattern" in stderr
        assert len(list(cache_dir.glob("hyperscan-*.db"))) == 1
    else:
        assert "engine: Hyperscan not used" in stderr and "engine: RE2 for 2: disk, lazy" in stderr
        assert not list(cache_dir.glob("hyperscan-*.db"))
    counted = cli(*base, "-", "--count", "--json", input=log, env=env)
    body = json.loads(counted.stdout)
    assert body["lines"] == 3
    assert body["engines"] == (
        {"hyperscan": 1, "re2": 1, "re": 1} if engine == "auto" else {"re2": 2, "re": 1}
    )


def test_match_with_a_warm_cache_parses_no_runbook_and_imports_no_model(
    runbooks_dir: Path, tmp_path: Path
) -> None:
    write_runbook(
        runbooks_dir,
        name="disk",
        pattern="(?i)no space left",
        severity="Critical",
    )
    log = tmp_path / "app.log"
    log.write_text("ok\nNo space left\n")
    script = (
        "import sys\nfrom runbookkit.cli import main\n"
        f"try:\n    main(['match', '--runbooks-dir', {str(runbooks_dir)!r}, '--count', "
        f"'--file', {str(log)!r}])\nexcept SystemExit as exit:\n    assert exit.code == 0\n"
        "heavy = ('pydantic', 'markdown_it', 'runbookkit.model', 'runbookkit.parsing', 'rich')\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    import subprocess
    import sys

    cold = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert cold.returncode == 0, cold.stderr
    assert "runbookkit.parsing" in cold.stdout  # the first run parses the runbook
    warm = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert warm.returncode == 0, warm.stderr
    assert warm.stdout.splitlines()[-1] == "[]"
