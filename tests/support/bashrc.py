"""A ``~/.bashrc`` that costs what a real one does, for benchmarks against a realistic login.

Servers' rc files set up tools (pyenv, conda, nvm, completion) before their interactivity guard,
and Debian's bash sources ``~/.bashrc`` for every command sshd runs, interactive or not. The file
written here does the same: shell work (PATH edits, function definitions, a loop over generated
settings, two command substitutions) sized by measurement to take about ``ms`` milliseconds of CPU
on this machine, then the usual ``case $- in *i*`` guard and the interactive part.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
from pathlib import Path

_HEAD = """\
# Tool set-up, as pyenv/conda/nvm installers add it: before the guard, so every shell pays it.
__rc_path_add() { case ":$PATH:" in *":$1:"*) ;; *) PATH="$1:$PATH" ;; esac; }
__rc_os=$(uname -s)
__rc_shell=$(basename "$BASH")
__rc_i=0
while [ "$__rc_i" -lt {loops} ]; do
    __rc_path_add "/opt/tool$((__rc_i % 5))/shims"
    eval "__rc_setting_$((__rc_i % 50))=\\"$__rc_os-$__rc_shell-$__rc_i\\""
    __rc_i=$((__rc_i + 1))
done
export PATH
unset __rc_i

# If not running interactively, don't do anything more.
case $- in
    *i*) ;;
    *) return ;;
esac

HISTCONTROL=ignoreboth
PS1='\\u@\\h:\\w\\$ '
alias ll='ls -l'
"""


def bashrc_text(loops: int) -> str:
    """The rc file's text with ``loops`` rounds of set-up work."""
    return _HEAD.replace("{loops}", str(loops))


def source_time(home: Path, rounds: int = 9) -> float:
    """Median CPU seconds a non-interactive bash spends more with ``home/.bashrc`` than without.

    CPU time rather than wall time, so that other work on shared cores doesn't skew the sizing.
    """
    rc = str(home / ".bashrc")

    def once(script: str) -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(["bash", "--noprofile", "--norc", "-c", script], check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime

    times = [once(f'. "{rc}"; true') - once("true") for _ in range(rounds)]
    return max(statistics.median(times), 0.0)


def write_bashrc(home: Path, ms: float) -> float:
    """Write ``home/.bashrc`` sized to cost about ``ms`` milliseconds; return its measured cost."""
    home.mkdir(parents=True, exist_ok=True)
    rc = home / ".bashrc"
    rc.write_text(bashrc_text(0))
    fixed = source_time(home)
    probe = 2000
    rc.write_text(bashrc_text(probe))
    per_loop = max((source_time(home) - fixed) / probe, 1e-7)
    loops = max(int((ms / 1000 - fixed) / per_loop), 0)
    rc.write_text(bashrc_text(loops))
    cost = source_time(home)
    if loops and cost > fixed:  # one correction: the probe's per-loop figure is noisy
        loops = max(int(loops * (ms / 1000 - fixed) / (cost - fixed)), 0)
        rc.write_text(bashrc_text(loops))
        cost = source_time(home)
    return cost
