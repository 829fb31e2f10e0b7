"""Alert labels become variables under both spellings; unsafe names never do."""

from __future__ import annotations

import pytest

from runbookkit.alerts.labels import variables
from runbookkit.execute.variables import changes_shell


def test_both_spellings() -> None:
    values, refused = variables({"namespace": "shop", "POD": "web-1", "pod_ip": "10.0.0.7"})
    assert values == {
        "NAMESPACE": "shop",
        "namespace": "shop",
        "POD": "web-1",
        "POD_IP": "10.0.0.7",
        "pod_ip": "10.0.0.7",
    }
    assert refused == []


def test_values_are_kept_as_data() -> None:
    values, _ = variables({"job": "$(rm -rf /); `id`\n'"})
    assert values["JOB"] == "$(rm -rf /); `id`\n'"


@pytest.mark.parametrize("label", ["1st", "a-b", "a.b", "", "ünïcode", "a b", "x;y"])
def test_names_that_are_not_shell_names_are_left_out(label: str) -> None:
    values, refused = variables({label: "v", "ok": "1"})
    assert values == {"OK": "1", "ok": "1"}
    assert refused == [f"label {label!r} is not a shell variable name: not passed"]


@pytest.mark.parametrize(
    "label",
    ["PATH", "path", "LD_PRELOAD", "ld_library_path", "BASH_ENV", "bash_func", "IFS", "ps4",
     "SHELLOPTS", "env", "home", "PYTHONPATH", "lc_all"],
)  # fmt: skip
def test_names_that_change_the_shell_are_refused(label: str) -> None:
    values, refused = variables({label: "x"})
    assert label.upper() not in values
    assert refused and "changes how commands run" in refused[0]
    # The lower-case spelling of a label is passed when it is harmless ($path is not $PATH).
    if label.islower() and not changes_shell(label):
        assert values == {label: "x"}


def test_annotations_are_not_labels() -> None:
    # The receiver passes only labels: nothing here reads annotations. This pins the contract.
    assert variables({}) == ({}, [])
