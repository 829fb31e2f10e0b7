"""``runbookkit incidents``, ``ack``, ``resolve`` and ``run --incident`` through the real command
line, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from runbookkit.alerts.event import AlertEvent, AlertSource, AlertState
from runbookkit.history import open_store
from runbookkit.history.incidents import Incident, get_incident, record_alert, resolve
from tests.conftest import ROOT, run_cli

RUNBOOK = """# Cache down

**Pattern:** `cache down`
**MTTR Target:** 3-5 minutes

## Diagnosis

```bash
# Step 1: Look
echo looking
```

## Fix

```bash
# Step 1: Mend
echo mended
# Expected: mended
```
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store of each backend: an SQLite file, or a new database of the test cluster."""
    if request.param == "sqlite":
        return str(tmp_path / "history.sqlite")
    cluster = request.getfixturevalue("pg_cluster")
    return str(cluster.create_database(f"inc{len(cluster.databases)}"))


@pytest.fixture
def books(tmp_path: Path) -> Path:
    """A runbooks directory with ``cache-down`` (MTTR Target 3-5 minutes)."""
    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "cache-down.md").write_text(RUNBOOK, encoding="utf-8")
    return folder


def fire(location: str, key: str, *, ago: float, runbook: str | None = "cache-down") -> Incident:
    """An incident of alert ``key`` whose impact began ``ago`` minutes ago."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    event = AlertEvent(
        source=AlertSource.alertmanager,
        state=AlertState.firing,
        key=key,
        name="CacheDown",
        received_at=now - dt.timedelta(minutes=ago) + dt.timedelta(seconds=30),
        starts_at=now - dt.timedelta(minutes=ago),
        labels={"instance": "cache-1"},
    )
    with open_store(location, readonly=False) as store:
        return record_alert(store, event, runbook)


def close(location: str, incident: Incident, after: float) -> None:
    with open_store(location, readonly=False) as store:
        resolve(store, incident.id, "ops", at=incident.started_at + dt.timedelta(minutes=after))


def rbk(location: str, books: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, "--history", location, "--runbooks-dir", str(books))


@pytest.fixture
def filled(store_location: str) -> dict[str, Incident]:
    """Three resolved incidents of cache-down (3, 4 and 12 minutes), one open, one unrouted,
    and one of 40 days ago."""
    made = {}
    for key, ago, took in (("a", 100, 3), ("b", 90, 4), ("c", 80, 12), ("old", 40 * 1440, 2)):
        made[key] = fire(store_location, key, ago=ago)
        close(store_location, made[key], took)
    made["open"] = fire(store_location, "open", ago=10)
    made["lost"] = fire(store_location, "lost", ago=5, runbook=None)
    return made


def test_list_json_has_mtta_mttr_and_target(
    store_location: str, books: Path, filled: dict[str, Incident]
) -> None:
    done = rbk(store_location, books, "incidents", "--json")
    assert done.returncode == 0, done.stderr
    rows = {row["key"]: row for row in json.loads(done.stdout)}
    assert [row["key"] for row in json.loads(done.stdout)] == ["lost", "open", "c", "b", "a", "old"]
    assert rows["a"]["mttr"] == 180.0 and rows["a"]["within_target"] is True
    assert rows["c"]["mttr"] == 720.0 and rows["c"]["within_target"] is False
    assert rows["open"]["mttr"] is None and rows["open"]["status"] == "open"
    assert rows["a"]["mttr_target"] == "3-5 minutes" and rows["lost"]["mttr_target"] is None
    assert rows["a"]["labels"] == {"instance": "cache-1"}


@pytest.mark.parametrize(
    ("args", "keys"),
    [
        (("--open",), ["lost", "open"]),
        (("--since", "30d"), ["lost", "open", "c", "b", "a"]),
        (("--since", "2h", "--runbook", "cache-down"), ["open", "c", "b", "a"]),
        (("list", "--limit", "2"), ["lost", "open"]),
    ],
)
def test_list_filters(
    store_location: str, books: Path, filled: dict[str, Incident], args: tuple[str, ...], keys
) -> None:
    done = rbk(store_location, books, "incidents", *args, "--json")
    assert done.returncode == 0, done.stderr
    assert [row["key"] for row in json.loads(done.stdout)] == keys


def test_list_as_a_table(store_location: str, books: Path, filled: dict[str, Incident]) -> None:
    done = rbk(store_location, books, "incidents", "--since", "1d")
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if filled["c"].id in line)
    assert "12 min 00 s (over)" in row and "3-5 minutes" in row and "resolved" in row
    assert "(unrouted)" in done.stdout


def test_stats_give_medians_p90_and_share_within_target(
    store_location: str, books: Path, filled: dict[str, Incident]
) -> None:
    done = rbk(store_location, books, "incidents", "stats", "--since", "30d", "--json")
    assert done.returncode == 0, done.stderr
    cache, unrouted = json.loads(done.stdout)
    assert (cache["runbook_id"], cache["incidents"], cache["open"], cache["resolved"]) == (
        "cache-down",
        4,
        1,
        3,
    )
    assert cache["mttr_median"] == 240.0 and cache["mttr_p90"] == pytest.approx(624.0)
    assert cache["mttr_target"] == "3-5 minutes" and cache["mttr_target_max_seconds"] == 300
    assert (cache["within_target"], cache["within_target_share"]) == (2, pytest.approx(2 / 3))
    assert cache["mtta_median"] is None  # nobody acknowledged
    assert unrouted["runbook_id"] is None and unrouted["within_target"] is None
    table = rbk(store_location, books, "incidents", "stats")
    assert "3 of 4 (75%)" in table.stdout  # with the old one: 2, 3, 4 minutes within, 12 over


def test_nothing_recorded_says_so(tmp_path: Path, books: Path) -> None:
    where = str(tmp_path / "none.sqlite")
    for args in (("incidents",), ("incidents", "stats")):
        done = rbk(where, books, *args)
        assert done.returncode == 0 and "no incidents recorded" in done.stdout
    assert json.loads(rbk(where, books, "incidents", "--json").stdout) == []
    done = rbk(where, books, "ack", "01ABC")
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert not Path(where).exists()


def test_ack_and_resolve(store_location: str, books: Path) -> None:
    incident = fire(store_location, "x", ago=10)
    done = rbk(store_location, books, "ack", incident.id[:-1], "--operator", "alice")
    assert done.returncode == 0, done.stderr
    assert f"incident {incident.id} (CacheDown) acknowledged; MTTA 10 min" in done.stdout
    again = rbk(store_location, books, "ack", incident.id)
    assert (
        again.returncode == 0 and "acknowledged already" in again.stdout and "alice" in again.stdout
    )
    done = rbk(store_location, books, "resolve", incident.id)
    assert done.returncode == 0 and "resolved; MTTR 10 min" in done.stdout
    with open_store(store_location) as store:
        now = get_incident(store, incident.id)
    assert now.acknowledged_by == "alice" and now.status == "resolved"
    assert 600 <= (now.mttr or 0) < 660


@pytest.mark.parametrize("command", ["ack", "resolve"])
def test_unknown_or_ambiguous_ids_exit_2_with_one_line(
    store_location: str, books: Path, command: str
) -> None:
    first = fire(store_location, "k1", ago=1)
    second = fire(store_location, "k2", ago=1)
    common = next(first.id[:n] for n in range(26) if first.id[n] != second.id[n])
    for given, message in (("NOPE", "no incident 'NOPE'"), (common, "is ambiguous")):
        done = rbk(store_location, books, command, given)
        assert done.returncode == 2, done.stdout
        assert len(done.stderr.splitlines()) == 1 and message in done.stderr
        assert "Traceback" not in done.stderr


def test_a_bad_since_is_a_usage_error(tmp_path: Path, books: Path) -> None:
    done = rbk(str(tmp_path / "h.sqlite"), books, "incidents", "--since", "soon")
    assert done.returncode == 2 and "neither a duration" in done.stderr


def test_run_with_incident_acknowledges_and_a_passing_fix_mitigates(
    store_location: str, books: Path
) -> None:
    incident = fire(store_location, "x", ago=10)
    bad = rbk(store_location, books, "run", "cache-down", "-s", "fix", "--incident", "NOPE")
    assert bad.returncode == 2 and "no incident 'NOPE'" in bad.stderr and "mended" not in bad.stdout
    done = rbk(store_location, books, "run", "cache-down", "-s", "fix", "--incident", incident.id)
    assert done.returncode == 0, done.stderr
    assert (
        f"note: incident {incident.id} (CacheDown" in done.stderr and "acknowledged" in done.stderr
    )
    with open_store(store_location) as store:
        now = get_incident(store, incident.id)
        (run,) = store.list_runs()
    assert now.status == "mitigated" and now.mitigated_by == run.id
    assert now.acknowledged_by == f"run {run.id} by {run.operator}"
    assert [(r.run_id, r.role) for r in now.runs] == [(run.id, "operator")]


def test_an_unattended_run_acknowledges_nothing(store_location: str, books: Path) -> None:
    incident = fire(store_location, "x", ago=10)
    done = rbk(store_location, books, "run", "cache-down", "-s", "diagnosis")
    assert done.returncode == 0, done.stderr
    assert "note: incident" not in done.stderr
    with open_store(store_location) as store:
        assert get_incident(store, incident.id).acknowledged_at is None


def test_a_person_at_a_terminal_acknowledges_the_open_incident(
    store_location: str, books: Path
) -> None:
    incident = fire(store_location, "x", ago=10)
    fire(store_location, "elsewhere", ago=10, runbook="another-runbook")
    controller, terminal = pty.openpty()
    try:
        env = {**os.environ, "NO_COLOR": "1"}
        env.pop("RUNBOOKKIT_DEBUG", None)
        args = ["run", "cache-down", "-s", "diagnosis", "--history", store_location]
        done = subprocess.run(
            [sys.executable, "-m", "runbookkit", *args, "--runbooks-dir", str(books)],
            cwd=ROOT,
            env=env,
            stdin=terminal,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        os.close(controller)
        os.close(terminal)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("note: incident") == 1 and incident.id in done.stderr
    with open_store(store_location) as store:
        now = get_incident(store, incident.id)
    assert now.status == "acknowledged" and now.mitigated_at is None  # a diagnosis mends nothing


@pytest.mark.parametrize("args", [("incidents",), ("incidents", "stats"), ("ack", "01ABC")])
def test_a_server_away_is_one_line(books: Path, args: tuple[str, ...]) -> None:
    done = rbk("postgresql://ops@127.0.0.1:1/nowhere?connect_timeout=2", books, *args)
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1, done.stderr
    assert "cannot connect to the PostgreSQL history" in done.stderr
