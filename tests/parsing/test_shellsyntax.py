"""Template placeholders and variable use, read from the bash grammar."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runbookkit.parsing.shellsyntax import (
    STANDARD_NAMES,
    Quoting,
    analyse,
    find_placeholders,
    is_standard,
    rewrite,
)
from tests.conftest import EXAMPLE_BUDGET

ROOT = Path(__file__).resolve().parents[2]
W, D, S, A, H, Q = (
    Quoting.WORD,
    Quoting.DOUBLE,
    Quoting.SINGLE,
    Quoting.ANSI_C,
    Quoting.HEREDOC,
    Quoting.QUOTED_HEREDOC,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kubectl logs <pod-name>", [("<pod-name>", "POD_NAME", W)]),
        ("ssh <NODE> uptime", [("<NODE>", "NODE", W)]),
        ("login --token=<your_token>", [("<your_token>", "YOUR_TOKEN", W)]),
        ("kubectl -n <namespace> get pods", [("<namespace>", "NAMESPACE", W)]),
        ("ping <node.ip>", [("<node.ip>", "NODE_IP", W)]),
        ("echo <podName>", [("<podName>", "POD_NAME", W)]),
        ("kubectl delete [POD_NAME]", [("[POD_NAME]", "POD_NAME", W)]),
        ("helm -n {{ namespace }} ls", [("{{ namespace }}", "NAMESPACE", W)]),
        ("helm -n {{NAMESPACE}} ls", [("{{NAMESPACE}}", "NAMESPACE", W)]),
        ('echo "pod=<pod-name>!"', [("<pod-name>", "POD_NAME", D)]),
        ("echo 'pod=<pod-name>'", [("<pod-name>", "POD_NAME", S)]),
        ("echo $'a\\t<NODE>'", [("<NODE>", "NODE", A)]),
        ("cat <<EOF\nhost: <host-name>\nEOF", [("<host-name>", "HOST_NAME", H)]),
        ("cat <<'EOF'\nhost: <host-name>\nEOF", [("<host-name>", "HOST_NAME", Q)]),
        ('cat <<"EOF"\n{{ ns }}\nEOF', [("{{ ns }}", "NS", Q)]),
        ('echo "$(kubectl get pod <pod-name>)"', [("<pod-name>", "POD_NAME", W)]),
        ("echo $(( <count> + 1 ))", [("<count>", "COUNT", Quoting.ARITHMETIC)]),
        (
            "scp <user>@<host>:<path> .",
            [("<user>", "USER_VALUE", W), ("<host>", "HOST", W), ("<path>", "PATH_VALUE", W)],
        ),
        # Shell syntax and literal text that only look like placeholders.
        ('echo "<html>" \'<br>\' "<xml>"', []),
        ("cat <<EOF\n<html><body>\nEOF", []),
        ("cat <<EOF\nfoo\nEOF", []),
        ("diff <(ls a) <(ls b); cat < file; cat <<<word; cmd 2>err <&3", []),
        ("echo \\<name\\>", []),
        ('echo ${a[IDX]} "${a[IDX]}" arr[IDX]=1; declare -A m=([KEY]=v)', []),
        ("[ -f x ] && [[ $x == [AB] ]]; ls [AB]*", []),
        ("case $x in [AB]) echo ab;; esac", []),
        ("tr '[A-Z]' '[a-z]'; echo '[POD_NAME]'", []),
        ("kubectl get pods -o go-template='{{range .items}}{{.metadata.name}}{{end}}'", []),
        ("docker inspect -f '{{ json .State }}' x; echo '{{ else }}' ${{ matrix }}", []),
        ("ls  # then delete <pod-name>", []),
        ("kubectl get pods", []),
    ],
)
def test_find_placeholders(text: str, expected: list[tuple[str, str, Quoting]]) -> None:
    found = find_placeholders(text)
    assert [(f.text, f.name, f.quoting) for f in found] == expected
    assert all(text[f.start : f.end] == f.text for f in found)


def test_found_lines_and_fillable() -> None:
    text = "echo <a-b>\ncat <<'EOF'\n<c-d>\nEOF\necho <e-f>"
    found = find_placeholders(text)
    assert [(f.name, f.line, f.fillable) for f in found] == [
        ("A_B", 1, True),
        ("C_D", 3, False),
        ("E_F", 5, True),
    ]


@pytest.mark.parametrize(
    ("text", "rewritten"),
    [
        ("kubectl logs <pod-name>", 'kubectl logs "${POD_NAME}"'),
        ("kubectl logs pod/<name>", 'kubectl logs pod/"${NAME}"'),
        ("kubectl logs --pod=<name>.x", 'kubectl logs --pod="${NAME}".x'),
        ('echo "pod=<pod-name>!"', 'echo "pod=${POD_NAME}!"'),
        ("echo 'pod=<pod-name>'", "echo 'pod='\"${POD_NAME}\""),
        ("echo 'a <pod-name> b'", "echo 'a '\"${POD_NAME}\"' b'"),
        ("echo '<pod-name>'", 'echo "${POD_NAME}"'),
        ("echo '<a-b><c-d>'", 'echo "${A_B}"\'\'"${C_D}"'),
        ("echo $'x\\n<NODE>\\n'", "echo $'x\\n'\"${NODE}\"$'\\n'"),
        ("cat <<EOF\nn: <pod-name>\nEOF", "cat <<EOF\nn: ${POD_NAME}\nEOF"),
        ("cat <<'EOF'\nn: <pod-name>\nEOF", "cat <<'EOF'\nn: <pod-name>\nEOF"),
        ("echo {{ ns }} # <pod-name>", 'echo "${NS}" # <pod-name>'),
        ("X=<pod-name> cmd", 'X="${POD_NAME}" cmd'),
        ("plain text", "plain text"),
        # Text the grammar can't parse: the quoting comes from scanning the quotes.
        ('echo "unclosed <pod-name>', 'echo "unclosed ${POD_NAME}'),
        ("echo 'unclosed <pod-name>", "echo 'unclosed '\"${POD_NAME}\"'"),
        ("echo ( <pod-name> # <x-y>", 'echo ( "${POD_NAME}" # <x-y>'),
    ],
)
def test_rewrite(text: str, rewritten: str) -> None:
    assert rewrite(text)[0] == rewritten


def test_rewrite_lists_filled_placeholders_in_order() -> None:
    text = "cp <src-file> [DEST_DIR]; cat <<'E'\n<kept-as-is>\nE\necho '{{ ns }}'"
    assert rewrite(text)[1] == [
        ("<src-file>", "SRC_FILE"),
        ("[DEST_DIR]", "DEST_DIR"),
        ("{{ ns }}", "NS"),
    ]


def test_offsets_are_characters_in_non_ascii_text() -> None:
    text = "echo 'Привет 🙂' <pod-name> \"ёж <NODE>\" # 🙂 <x-y>\necho {{ ns }}"
    found = find_placeholders(text)
    assert [(text[f.start : f.end], f.quoting, f.line) for f in found] == [
        ("<pod-name>", W, 1),
        ("<NODE>", D, 1),
        ("{{ ns }}", W, 2),
    ]
    new, _ = rewrite(text)
    assert new == 'echo \'Привет 🙂\' "${POD_NAME}" "ёж ${NODE}" # 🙂 <x-y>\necho "${NS}"'


# (template with {} where the placeholder goes, what it prints around the value, bare word)
CONTEXTS = [
    ("printf '%s\\n' {}", "", "\n", True),
    ("printf '%s\\n' pod/{}.log", "pod/", ".log\n", True),
    ("printf '%s\\n' \"pod={}!\"", "pod=", "!\n", False),
    ("printf '%s\\n' 'pod={}'", "pod=", "\n", False),
    ("printf '%s\\n' '{}'", "", "\n", False),
    ("printf '%s\\n' 'it''s {} x'", "its ", " x\n", False),
    ("printf '%s\\n' $'tab\\t{}'", "tab\t", "\n", False),
    ("cat <<EOF\nname: {}\nEOF", "name: ", "\n", False),
    ("cat <<-EOF\n\tname: {} $((1 + 1))\n\tEOF", "name: ", " 2\n", False),
    ("X={}; printf '%s\\n' \"$X\"", "", "\n", True),
    ("printf '%s|' {} {}; echo", "", "|", True),
]
PLACEHOLDERS = {
    "<pod-name>": "POD_NAME",
    "<NODE>": "NODE",
    "[POD_NAME]": "POD_NAME",
    "{{ pod_name }}": "POD_NAME",
}
TRICKY = ["$(touch {canary})", "`touch {canary}`", "'", '"', "\\", "\n", " a  b ", "*", "$HOME"]
VALUES = st.one_of(
    st.sampled_from(TRICKY),
    st.lists(st.sampled_from(TRICKY), min_size=2, max_size=5).map("".join),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")),
)


@settings(max_examples=150, deadline=EXAMPLE_BUDGET, suppress_health_check=[HealthCheck.too_slow])
@given(
    context=st.sampled_from(CONTEXTS),
    placeholder=st.sampled_from(sorted(PLACEHOLDERS)),
    value=VALUES,
)
def test_filled_command_prints_the_value_and_never_runs_it(
    context: tuple[str, str, str, bool], placeholder: str, value: str
) -> None:
    template, before, after, bare = context
    if placeholder.startswith("[") and not bare:
        placeholder = "<pod-name>"  # `[POD_NAME]` is text inside quotes and heredocs
    with tempfile.TemporaryDirectory() as scratch:
        canary = Path(scratch) / "ran"
        value = value.replace("{canary}", str(canary))
        text, filled = rewrite(template.replace("{}", placeholder))
        assert {name for _, name in filled} == {PLACEHOLDERS[placeholder]}
        env = {"PATH": os.environ["PATH"], filled[0][1]: value}
        done = subprocess.run(["bash", "-c", text], env=env, capture_output=True, check=True)
        repeats = template.count("{}")
        assert done.stdout == ((before + value + after) * repeats + "\n" * (repeats > 1)).encode()
        assert not canary.exists()


def test_a_quoted_heredoc_keeps_its_placeholder_under_bash() -> None:
    text, _ = rewrite("cat <<'EOF'\n<pod-name> $HOME\nEOF")
    done = subprocess.run(["bash", "-c", text], capture_output=True, text=True, check=True)
    assert done.stdout == "<pod-name> $HOME\n"


def _reads(text: str) -> list[tuple[str, bool]]:
    return [(ref.name, ref.has_default) for ref in analyse(text).reads]


@pytest.mark.parametrize(
    ("text", "reads", "assigns"),
    [
        ("kubectl get pods", [], set()),
        ("kubectl -n $NAMESPACE get pod $POD", [("NAMESPACE", False), ("POD", False)], set()),
        ('echo "${HOME}"', [("HOME", False)], set()),
        ("echo '$NOPE'", [], set()),
        ("echo $'$NOPE'", [], set()),
        ('echo "$YES"', [("YES", False)], set()),
        ("echo ${REPLICAS:-3}", [("REPLICAS", True)], set()),
        ("echo ${X-d} ${Y:+alt} ${Z+alt}", [("X", True), ("Y", True), ("Z", True)], set()),
        ("echo ${X:=d}; echo $X", [("X", True)], {"X"}),
        ("echo ${X:-d}; echo $X", [("X", False)], set()),
        ("echo ${X:-$FALLBACK}", [("X", True), ("FALLBACK", True)], set()),
        ("echo ${#X} ${X:?unset}", [("X", False)], set()),
        ('[ -z "$X" ] && echo unset', [("X", False)], set()),
        ("echo ${!REF} ${!PREFIX*}", [("REF", False)], set()),
        ("echo ${ARR[@]} ${ARR[$I]}", [("ARR", False), ("I", False)], set()),
        ("echo ${X/$OLD/$NEW} ${X%.log}", [("X", False), ("OLD", False), ("NEW", False)], set()),
        ("echo $1 $@ $? $$ $! $# $- $0 $_ ${10} $*", [], set()),
        ("x=1; echo $x", [], {"x"}),
        ("echo $x; x=1", [("x", False)], {"x"}),
        ("X=1 cmd $X", [("X", False)], set()),
        ("A=1 B=$A", [], {"A", "B"}),
        ("PATH=$PATH:/opt/bin", [("PATH", False)], {"PATH"}),
        ("POD=$(kubectl get pod -o name); kubectl logs $POD", [], {"POD"}),
        ('for f in *.log; do echo "${f}"; done', [], {"f"}),
        ("for f in $FILES; do echo $f; done; echo $f", [("FILES", False)], {"f"}),
        ("for x; do echo $x; done", [], {"x"}),
        ("select X in a b; do echo $X; break; done", [], {"X"}),
        ("for ((i = 0; i < N; i++)); do echo $i; done", [("N", False)], {"i"}),
        ("export X=1 Y; echo $X $Y", [], {"X", "Y"}),
        ("declare -a Z=(1 2); typeset T=1; readonly R=2; local L", [], {"Z", "T", "R", "L"}),
        ("declare -p X; declare -f f", [], set()),
        ('read -r -p "name: " A B; echo "$A$B"', [], {"A", "B"}),
        ("read -rsp 'pw: ' PW", [], {"PW"}),
        ("read -a PARTS -t 5", [], {"PARTS"}),
        ("read; echo $REPLY", [], {"REPLY"}),
        ("mapfile -t LINES < f; readarray ROWS", [], {"LINES", "ROWS"}),
        ("mapfile < f", [], {"MAPFILE"}),
        ('while getopts "ab:" opt; do echo $opt $OPTARG; done', [], {"opt", "OPTARG", "OPTIND"}),
        ('printf -v NOW "%(%s)T" -1; echo $NOW', [], {"NOW"}),
        ("(( X = Y + 1 )); echo $X", [("Y", False)], {"X"}),
        ("echo $(( COUNT + 1 )) $((i++))", [("COUNT", False)], {"i"}),
        ("let X=1 Y+=X Z=W*2", [("W", False)], {"X", "Y", "Z"}),
        ("X+=more; arr[2]=x", [], {"X", "arr"}),
        ("cat <<'EOF'\n$X\nEOF", [], set()),
        ('cat <<"EOF"\n${X}\nEOF', [], set()),
        ("cat <<EOF\n$X ${Y:-d}\nEOF", [("X", False), ("Y", True)], set()),
        ("echo `echo $Q` $(echo $R)", [("Q", False), ("R", False)], set()),
        ("( S=1 ); echo $S", [("S", False)], set()),
        ("echo a | read Q; echo $Q", [("Q", False)], set()),
        ("V=$(X=1; echo $X); echo $X", [("X", False)], {"V"}),
        ("cmd | while read -r line; do echo $line; done", [], set()),
        ("f() { local L=1; G=2; echo $L $U; }; echo $G", [("U", False)], {"G"}),
        ("echo 'it''s' \"$X\" # $COMMENTED", [("X", False)], set()),
        ('echo "$ДА" 🙂 $X', [("X", False)], set()),
    ],
)
def test_analyse(text: str, reads: list[tuple[str, bool]], assigns: set[str]) -> None:
    usage = analyse(text)
    assert _reads(text) == reads
    assert usage.assigns == assigns


def test_needed_leaves_out_defaults_and_standard_names() -> None:
    usage = analyse('echo "$HOME" $LC_ALL ${R:-3} $NAMESPACE $POD')
    assert usage.needed == ["NAMESPACE", "POD"]


def test_functions_and_read_lines() -> None:
    usage = analyse("setup() {\n  :\n}\necho ok\necho $LATE")
    assert usage.functions == {"setup"}
    assert [(ref.name, ref.line) for ref in usage.reads] == [("LATE", 5)]


@pytest.mark.parametrize(
    ("name", "standard"),
    [
        ("HOME", True),
        ("PATH", True),
        ("LC_ALL", True),
        ("XDG_RUNTIME_DIR", True),
        ("SSH_AUTH_SOCK", True),
        ("BASH_VERSION", True),
        ("PS4", True),
        ("NAMESPACE", False),
        ("POD", False),
        ("LCD", False),
    ],
)
def test_is_standard(name: str, standard: bool) -> None:
    assert is_standard(name) is standard
    assert ("HOME" in STANDARD_NAMES) and ("NAMESPACE" not in STANDARD_NAMES)


def test_plain_text_does_not_load_tree_sitter() -> None:
    code = (
        "import sys\n"
        "from runbookkit.parsing import shellsyntax as s\n"
        "assert s.find_placeholders('kubectl get pods -A') == []\n"
        "assert s.rewrite('ls -la /tmp')[1] == []\n"
        "assert s.analyse('systemctl restart nginx').reads == []\n"
        "assert 'tree_sitter' not in sys.modules, 'loaded'\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def test_a_one_line_command_is_analysed_well_under_a_millisecond() -> None:
    text = 'kubectl -n "$NAMESPACE" logs deploy/web --since=${SINCE:-1h} | grep -i error'
    analyse(text)
    best = min(_seconds(lambda: analyse(text), 200) for _ in range(5))
    assert best < 1e-3


def test_long_texts_take_linear_time() -> None:
    line = 'X=$(echo "$Y" <pod-name>); for f in *; do echo "$f $X"; done\n'
    small, large = line * 200, line * 800
    rewrite(small)
    small_time = min(_seconds(lambda: (analyse(small), rewrite(small)), 1) for _ in range(3))
    large_time = min(_seconds(lambda: (analyse(large), rewrite(large)), 1) for _ in range(3))
    assert large_time < small_time * 4 * 2.5


def _seconds(call: object, times: int) -> float:
    assert callable(call)
    start = time.perf_counter()
    for _ in range(times):
        call()
    return (time.perf_counter() - start) / times


def test_undecodable_text_and_odd_names() -> None:
    text = "echo \udcff <pod-name> {{ _1st }}"
    assert [(f.text, f.name) for f in find_placeholders(text)] == [
        ("<pod-name>", "POD_NAME"),
        ("{{ _1st }}", "V1ST"),
    ]
    assert analyse("echo \udcff $X").needed == ["X"]
