"""Sample output and the front-matter switch that makes it a check."""

from __future__ import annotations

import pytest

from runbookkit.errors import ParseError
from runbookkit.parsing import parse_text
from runbookkit.parsing.transcripts import checkable

DOC = """{front}# Disk full

## Diagnosis

```bash
$ df -h /
Filesystem  Size  Used Avail Use% Mounted on
/dev/sda1    50G   50G     0 100% /
$ redis-cli ping
PONG
# Expected: PONG
```

```console
$ kubectl get pods
NAME    READY
...
web-0   1/1
$ cat token
token: <redacted>
```
"""


def _commands(front: str) -> list:
    runbook = parse_text(DOC.format(front=front))
    return [c for s in runbook.sections for st in s.steps for c in st.commands]


def test_samples_are_no_checks_by_default() -> None:
    df, ping, pods, token = _commands("")
    assert df.sample is not None and df.sample.startswith("Filesystem")
    assert [c.expected for c in (df, ping, pods, token)] == [None, "PONG", None, None]


@pytest.mark.parametrize("switch", ["true", "yes"])
def test_transcript_checks_turn_samples_into_expected(switch: str) -> None:
    df, ping, pods, token = _commands(f"---\ntranscript_checks: {switch}\n---\n")
    assert df.expected == df.sample
    assert ping.expected == "PONG"
    assert pods.expected == "NAME    READY"  # the longest run between never-matching lines
    assert token.expected is None and token.sample == "token: <redacted>"


def test_transcript_checks_is_a_metadata_field() -> None:
    runbook = parse_text(DOC.format(front="---\ntranscript_checks: true\n---\n"))
    assert runbook.metadata.transcript_checks is True
    assert "transcript_checks" not in runbook.metadata.extra
    assert parse_text(DOC.format(front="")).metadata.transcript_checks is False


def test_transcript_checks_must_be_a_switch() -> None:
    with pytest.raises(ParseError, match="not a switch"):
        parse_text(DOC.format(front="---\ntranscript_checks: maybe\n---\n"))


@pytest.mark.parametrize(
    ("sample", "check"),
    [
        ("ok", "ok"),
        ("...", None),
        ("…", None),
        ("[...]", None),
        ("......", None),
        ("a\n...\nb c", "b c"),
        ("Listing queues ...\nq 1", "Listing queues ...\nq 1"),
        ("password: <REDACTED>", None),
        ("  count\n-------\n   200", "count\n-------\n   200"),
    ],
)
def test_checkable(sample: str, check: str | None) -> None:
    assert checkable(sample) == check
