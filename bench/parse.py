"""Parser speed and command start-up, as ratios to baselines measured in the same run.

(a) Parse-to-model time (``parse_text``: damage check, markdown-it tokens, walk, validated
    model) over markdown-it-py's own ``parse()`` of the same text with the same configuration,
    for the repaired redis runbook and for 1,000 generated runbooks of realistic size.
    Goal: ≤ 2.0.
(b) Start-up of ``runbookkit parse --json runbooks/redis-connection-refused.md`` over
    ``python -c "import markdown_it, pydantic"``, medians of interleaved runs, with runbookkit's
    bytecode compiled as an installed package has it. Goal: ≤ 1.3.
(c) Parse time of a 15 KB code block left open (an unclosed quote, a long or unclosed heredoc,
    an open loop, a continued pipe) over that of an ordinary runbook of the same size, and of
    8,000 repeated ``## Fix`` headings over 8,000 distinct ones. Goals: each open block parses
    in ≤ 0.2 s; repeated headings ≤ 1.5× distinct ones (once minutes and 11 s: quadratic).

Run: ``.venv/bin/python bench/parse.py [--quick]``.
"""

from __future__ import annotations

import argparse
import compileall
import random
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from runbookkit.parsing import parse_text
from runbookkit.parsing.document import markdown

ROOT = Path(__file__).resolve().parent.parent
REDIS = ROOT / "runbooks" / "redis-connection-refused.md"

# -- generated runbooks ------------------------------------------------------------------------

SECTION_NAMES = [
    ("📋 Symptoms", "Meaning", "Overview", "Summary"),
    ("🔍 Diagnosis", "Investigation", "Troubleshooting", "🚨 Triage"),
    ("🛠️ Fix", "Mitigation", "Remediation", "Resolution"),
    ("🚫 Prevention", "Prevention"),
    ("📊 History", "History"),
    ("🔗 Related Resources", "References", "See also"),
]
SERVICES = ["redis", "postgres", "nginx", "kafka", "rabbitmq", "haproxy", "coredns", "celery"]
HOSTS = ["10.0.3.14", "db-1.internal", "edge-2.example.net", "worker-7", "lb-1"]
PROSE = [
    "When {svc} stops answering, clients retry with backoff and the queue behind them grows;\n"
    "the on-call engineer should first check whether the process is running at all, then look\n"
    "at the last deploy and at disk and memory pressure on the host.",
    "The dashboards for **{svc}** live in Grafana under *Platform / {svc}*. Compare the error\n"
    "rate with the same hour last week before you restart anything: a slow rise usually means\n"
    "a leak, a step change a deploy or a configuration push.",
    "Escalate to the owning team in `#{svc}-oncall` if the steps below do not help within\n"
    "fifteen minutes, and note every command you ran in the incident channel.",
]
COMMANDS = [
    "systemctl status {svc}",
    "journalctl -u {svc} --since '-15 min' | grep -i error | tail -20",
    "df -h /var/lib/{svc}",
    "ss -ltnp | grep {svc}",
    "curl -fsS http://{host}:8080/healthz",
    "kubectl -n {svc} get pods -o wide",
    "systemctl restart {svc}",
    "systemctl stop {svc}",
    "rm -rf /var/cache/{svc}/*",
]


def _command(rng: random.Random, svc: str) -> str:
    command = rng.choice(COMMANDS).format(svc=svc, host=rng.choice(HOSTS))
    style = rng.random()
    host = rng.choice(HOSTS)
    if style < 0.3:
        return f'ssh -i ~/.ssh/ops_ed25519 root@{host} "{command}"'
    if style < 0.45:
        return f"ssh -p 2222 -o ConnectTimeout=5 -l ops {host} '{command}'"
    if style < 0.55:
        return f"{command} \\\n  | tee /tmp/{svc}.log"
    return command


def _shell_block(rng: random.Random, svc: str, first: int) -> str:
    lines = [f"```{rng.choice(['bash', 'bash', 'sh', 'shell', ''])}"]
    for number in range(first, first + rng.randint(2, 5)):
        marker = rng.choice([f"# Step {number}: ", f"# {number}. ", f"# Step {number} - "])
        lines.append(f"{marker}{rng.choice(['Check', 'Restart', 'Verify', 'Inspect'])} {svc}")
        lines.append(_command(rng, svc))
        if rng.random() < 0.3:
            lines.append(f"# Expected: {rng.choice(['PONG', 'active (running)', 'ok'])}")
        if rng.random() < 0.1:
            lines.append("# Retry: 10 every 1s")
        lines.append("")
    return "\n".join([*lines[:-1], "```"])


def _console_block(rng: random.Random, svc: str) -> str:
    return "\n".join(
        [
            "```console",
            f"$ {svc}-cli ping",
            "PONG",
            f"$ systemctl is-active {svc}",
            "active",
            "```",
        ]
    )


def _section(rng: random.Random, index: int, svc: str) -> list[str]:
    title = rng.choice(SECTION_NAMES[index])
    out = [f"## {title}", ""]
    for _ in range(rng.randint(1, 3)):
        out += [rng.choice(PROSE).format(svc=svc), ""]
    if index in (1, 2):
        for label in rng.sample(["Immediate Actions", "Verification", "How to verify"], 2):
            out += [f"**{label}:**", _shell_block(rng, svc, 1), ""]
        if rng.random() < 0.5:
            out += ["### From a shell", "", _console_block(rng, svc), ""]
        if index == 2:
            out += ["**Rollback Plan (if fix fails):**", _shell_block(rng, svc, 1), ""]
    elif index == 0:
        out += ["**Examples:**", "```", f"Error: {svc} connection refused at 127.0.0.1", "```", ""]
        out += [f"- Symptom {n}: `{svc}` errors in the log" for n in range(4)] + [""]
    elif index == 3:
        for n in range(rng.randint(3, 6)):
            out += [f"- [{rng.choice([' ', 'x'])}] Prevention task {n} for {svc}"]
            if rng.random() < 0.4:
                out += ["  ```bash", f"  systemctl enable {svc}", "  ```"]
        out += [""]
    elif index == 4:
        out += [
            f"- 2025-{m:02d}-1{m % 9} - {svc} incident {m}, fixed by a restart" for m in range(1, 7)
        ]
        out += [""]
    else:
        out += [f"- [{svc} docs {n}](https://docs.example.com/{svc}/{n})" for n in range(4)] + [""]
    return out


def generate(count: int, seed: int = 7) -> list[str]:
    """``count`` runbooks of realistic size (a few KB) in a mix of dialects, reproducibly."""
    rng = random.Random(seed)
    texts = []
    for index in range(count):
        svc = rng.choice(SERVICES)
        if rng.random() < 0.4:
            head = [
                "---",
                f"title: {svc} incident {index}",
                "severity: high",
                f"tags: [{svc}]",
                "---",
            ]
        else:
            head = [f"# {svc.capitalize()} incident {index}", "", f"**Pattern:** `{svc}.*refused`"]
            head += ["**Severity:** High", "**MTTR Target:** 5-15 minutes"]
        body = [line for i in range(6) for line in _section(rng, i, svc)]
        texts.append("\n".join([*head, "", *body]))
    return texts


# -- measuring ---------------------------------------------------------------------------------


def _median_pair(
    first: Callable[[], object], second: Callable[[], object], rounds: int
) -> tuple[float, float]:
    """Medians of interleaved timings of two callables, so load affects both alike."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        for sink, func in ((a, first), (b, second)):
            start = time.perf_counter()
            func()
            sink.append(time.perf_counter() - start)
    return statistics.median(a), statistics.median(b)


def parse_ratio(texts: list[str], rounds: int) -> tuple[float, float]:
    """(markdown-it seconds, parse-to-model seconds) for parsing all ``texts`` once."""
    md = markdown()
    for text in texts[:3]:  # warm both paths
        md.parse(text)
        parse_text(text)

    def tokens() -> None:
        for text in texts:
            md.parse(text)

    def model() -> None:
        for text in texts:
            parse_text(text)

    return _median_pair(tokens, model, rounds)


def _run(argv: list[str]) -> None:
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)


def startup_ratio(rounds: int) -> tuple[float, float]:
    """(baseline seconds, ``runbookkit parse --json`` seconds), medians of fresh processes.

    runbookkit's bytecode is compiled first, as pip does when it installs a package: the
    baseline's markdown-it and pydantic come precompiled from site-packages, and an editable
    install run with ``PYTHONDONTWRITEBYTECODE`` set would otherwise compile our modules anew
    in every process.
    """
    import runbookkit

    compileall.compile_dir(Path(runbookkit.__file__).parent, quiet=1)
    script = Path(sys.executable).parent / "runbookkit"
    found = shutil.which("runbookkit")
    command = [str(script)] if script.exists() else [found] if found else None
    if command is None:
        command = [sys.executable, "-m", "runbookkit"]
    baseline = [sys.executable, "-c", "import markdown_it, pydantic"]
    ours = [*command, "parse", "--json", str(REDIS.relative_to(ROOT))]
    _run(baseline)
    _run(ours)
    return _median_pair(lambda: _run(baseline), lambda: _run(ours), rounds)


def _open_block(first: str, line: str, last: str = "", size: int = 15_000) -> str:
    lines = [first, *[line] * (size // (len(line) + 1)), last]
    return "# Open block\n\n## Fix\n\n```bash\n" + "\n".join(lines) + "\n```\n"


OPEN_BLOCKS = {
    "unclosed quote": _open_block("echo 'open", 'text $HOME ${X} <PW> "q'),
    "long heredoc": _open_block("cat <<EOF > /tmp/x", "line $HOME <TOKEN>", "EOF"),
    "unclosed heredoc": _open_block("cat <<'EOF'", "line of text here"),
    "open for loop": _open_block("for x in a b; do", "  echo $x <Z>"),
    "continued pipe": _open_block("echo a |", "grep b |", "cat"),
}


def stall_ratios(rounds: int) -> list[str]:
    """Lines of (c): each open block, and repeated headings, against their baselines."""
    ordinary = _open_block("# Step 1: check", "echo hello $HOME | grep x")
    parse_text(ordinary)
    out = []
    for label, text in OPEN_BLOCKS.items():
        base, ours = _median_pair(
            lambda: parse_text(ordinary), lambda t=text: parse_text(t), rounds
        )
        verdict = "meets" if ours <= 0.2 else "misses"
        out.append(
            f"(c) {label + ' / ordinary, 15 KB':<40} {base * 1e3:9.2f} ms → {ours * 1e3:9.2f} ms   "
            f"ratio {ours / base:4.2f} ({verdict} goal ≤ 0.2 s)"
        )
    repeated = "# T\n\n" + "".join("## Fix\n\ntext\n\n" for _ in range(8000))
    distinct = "# T\n\n" + "".join(f"## F{n:04}\n\ntext\n\n" for n in range(8000))
    pair = _median_pair(lambda: parse_text(distinct), lambda: parse_text(repeated), rounds)
    out.append(_line("(c) 8,000 `## Fix` / 8,000 distinct headings", *pair, 1.5))
    return out


def _line(label: str, base: float, ours: float, goal: float, unit: str = "ms") -> str:
    ratio = ours / base
    verdict = "meets" if ratio <= goal else "misses"
    return (
        f"{label:<44} {base * 1e3:9.2f} {unit} → {ours * 1e3:9.2f} {unit}   "
        f"ratio {ratio:4.2f} ({verdict} goal ≤ {goal})"
    )


def main() -> None:
    """Measure and print every ratio."""
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--quick", action="store_true", help="fewer rounds, for a smoke run")
    quick = options.parse_args().quick
    redis = REDIS.read_text(encoding="utf-8")
    generated = generate(1000)
    size = statistics.mean(len(t.encode()) for t in generated)
    print(f"generated: 1000 runbooks, mean {size / 1024:.1f} KB; redis {len(redis) / 1024:.1f} KB")
    print(
        _line(
            "(a) parse-to-model / markdown-it, redis",
            *parse_ratio([redis], 30 if quick else 300),
            2.0,
        )
    )
    print(
        _line(
            "(a) parse-to-model / markdown-it, 1,000 gen.",
            *parse_ratio(generated, 1 if quick else 5),
            2.0,
        )
    )
    print(
        _line(
            "(b) start-up parse --json / import baseline", *startup_ratio(5 if quick else 30), 1.3
        )
    )
    for line in stall_ratios(3 if quick else 11):
        print(line)


if __name__ == "__main__":
    main()
