"""No secret reaches the store's bytes: given values and common shapes are masked first."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from runbookkit.execute.events import StepFinished
from runbookkit.history import HistoryRecorder, open_store
from runbookkit.secrets import Redactor
from tests.history.conftest import result, run_events, started

SECRET = "Zq8-opensesame-41x"


def store_bytes(path: Path) -> bytes:
    """The store file and its WAL and shared-memory files, as stored on disk."""
    return b"".join(
        Path(f"{path}{suffix}").read_bytes()
        for suffix in ("", "-wal", "-shm")
        if Path(f"{path}{suffix}").exists()
    )


@pytest.mark.parametrize("masked", [True, False])
def test_an_echoed_secret_is_in_neither_the_file_nor_its_wal(
    store_path: Path, masked: bool
) -> None:
    store = open_store(store_path, readonly=False)
    keeper = sqlite3.connect(store_path)  # keeps the WAL file from being folded back and removed
    keeper.execute("SELECT count(*) FROM runs").fetchone()
    recorder = HistoryRecorder(store, redactor=Redactor([SECRET] if masked else []), heartbeat=0)
    events = run_events("r1", steps=1)
    events[0] = started("r1", targets=[f"redis://admin:{SECRET}@db:6379"], steps=1)
    events[1] = StepFinished(
        "r1",
        result(
            1,
            commands=[f"echo {SECRET}"],
            stdout=f"{SECRET}\n",
            stderr=f"auth failed for {SECRET}",
            error=f"expected PONG, got {SECRET}",
        ),
    )
    for event in events:
        recorder(event)
    assert Path(f"{store_path}-wal").stat().st_size > 0
    on_disk = store_bytes(store_path)
    keeper.close()
    store.close()
    # Without the value given, only the URL password shape is masked: the test can tell.
    assert (SECRET.encode() in on_disk) is not masked
    run = open_store(store_path).get_run("r1")
    assert run.targets == ["redis://admin:***@db:6379"]
    if masked:
        assert run.steps[0].commands == ["echo ***"] and run.steps[0].stdout == "***\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mysql --password=hunter2xyz -e 1", "mysql --password=*** -e 1"),
        ("curl -H 'Authorization: Bearer abcdefgh12345678'", "curl -H 'Authorization: Bearer ***'"),
        ("AKIAIOSFODNN7EXAMPLE in env", "*** in env"),
        ("plain output", "plain output"),
    ],
)
def test_common_shapes_are_masked_without_being_given(text: str, expected: str) -> None:
    assert Redactor().text(text) == expected


KEY_LINE = "A" * 64  # what base64 makes of zeros: the key's body is not in the runbook


def test_a_real_run_stores_no_secret_in_any_form_nor_a_key_cut_by_the_tail(
    cli, tmp_path: Path, store_path: Path
) -> None:
    from tests.support.runbooks import write_runbook

    body = (
        "# Step 1: Print\n"
        "printf '%s' \"${PW:0:7}\"; sleep 0.2; printf '%s\\n' \"${PW:7}\"\n"
        'set -x; : "$PW"; set +x\n'
        "echo '-----BEGIN OPENSSH PRIVATE KEY-----'\n"
        "head -c 9000 /dev/zero | base64 -w 64\n"
        "echo '-----END OPENSSH PRIVATE KEY-----'; echo after"
    )
    path = write_runbook(tmp_path, body)
    env = {"PW": "it's \\ Zq8-x"}
    done = cli(
        "run", str(path), "-s", "fix", "--secret-env", "PW", "--history", str(store_path), env=env
    )
    assert done.returncode == 0, done.stderr
    on_disk = store_bytes(store_path)
    assert b"Zq8" not in on_disk
    assert KEY_LINE.encode() not in on_disk
    store = open_store(store_path)
    step = store.get_run(store.list_runs()[0].id).steps[0]
    store.close()
    assert step.stdout.startswith("***\n***") and step.stdout.endswith("***\nafter\n")
    assert "***" in step.stderr  # set -x wrote the value shell-quoted: 'it'\''s \ Zq8-x'
