"""Tell which commands need a terminal or never end, from a documented table.

runbookkit runs steps unattended, so these commands are manual actions unless a terminal is
given. Each simple command of a pipeline or list is looked at, after the wrappers ``sudo``,
``doas``, ``env``, ``nohup``, ``nice``, ``ionice``, ``stdbuf``, ``command``, ``exec``, ``time``
and ``VAR=x`` prefixes (``timeout`` ends any command, so nothing under it is flagged). Words
inside quotes are arguments, never commands (``grep less file``, ``echo "watch x"``), except the
remote command of an ``ssh`` call.

==========================================================  =======================================
command                                                     reason
==========================================================  =======================================
``vi``, ``vim``, ``nvim``, ``nano``, ``emacs``, ``visudo``  opens an editor
``kubectl edit``, ``oc edit``, ``crontab -e``,              opens an editor
``systemctl edit``
``less``, ``more``, ``most``, ``man``                       opens a pager
``tail -f``/``-F``/``--follow``                             follows output until stopped
``journalctl -f``/``--follow``                              follows output until stopped
``kubectl logs -f``/``--follow`` (also ``oc``)              follows output until stopped
``docker logs -f``, ``docker compose logs -f``              follows output until stopped
``pm2 logs`` without ``--nostream``, ``stern``              follows output until stopped
``kubectl get -w``/``--watch`` (also ``oc``)                watches until stopped
``redis-cli monitor``/``subscribe``, ``--stat``             follows output until stopped
``docker stats`` without ``--no-stream``                    takes over the screen
``watch``, ``top`` (not ``-b -n N``), ``htop``, ``btop``,   takes over the screen
``atop``, ``iotop``, ``iftop``, ``nmon``, ``pm2 monit``
``kubectl port-forward``, ``kubectl proxy`` (also ``oc``)   runs until stopped
``kubectl exec -it`` (``-ti``, ``-i -t``), ``kubectl        needs a terminal
attach``, ``kubectl run -it``, ``oc rsh``, ``oc debug``
``docker exec -it``, ``docker run -it``, ``docker attach``  needs a terminal
``ssh HOST`` with no remote command                         opens an ssh session
``sudo -i``, ``sudo -s``, ``su`` with no command            opens a root shell
``mysql`` without ``-e``, ``psql`` without ``-c``/``-f``/   opens a prompt
``-l``, ``redis-cli`` with no command, ``mongo``/
``mongosh`` without ``--eval``/a script, ``sqlite3``
with no SQL
``python``, ``python3``, ``node``, ``irb``, ``ipython``     opens a prompt
with no script, ``-c``/``-m`` or ``-e``
``read`` (not in a ``while read`` loop or from a file)      waits for input
``tmux``, ``tmux attach``/``new``, ``screen``,              attaches a terminal multiplexer
``screen -r``/``-x``
==========================================================  =======================================

A prompt (``psql``, ``mysql``, ``python``…) whose standard input comes from a file, a heredoc or
a pipe reads that input and ends, so it is not flagged. ``ssh host "tail -f x"`` is flagged
through its remote command.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from runbookkit.parsing import shellwords, simplecommands

# Every rule needs one of these words; a command without any is not looked at further.
_TRIGGER = re.compile(
    r"(?<![\w.-])(?:n?vim?|nano|emacs|visudo|kubectl|oc|docker|docker-compose|podman|crontab|"
    r"systemctl|less|more|most|man|tail|journalctl|pm2|stern|watch|b?top|htop|atop|iotop|iftop|"
    r"nmon|ssh|sudo|su|mysql|mariadb|psql|redis-cli|mongo|mongosh|sqlite3|read|python[0-9.]*|"
    r"node|irb|ipython|tmux|screen)(?![\w.-])"
)
_SEPARATORS = frozenset({"|", "||", "&&", ";", "&", "(", ")", "\n", "|&", ";;", ";&", "{", "}"})
_KEYWORDS = frozenset({"if", "then", "else", "elif", "do", "!", "while", "until"})
# Wrappers whose meaning here is their own: ``timeout`` ends anything, ``sudo -i`` is a shell.
_KEPT = frozenset({"timeout", "sudo", "doas", "xargs"})
_KUBE_VALUES = simplecommands.KUBECTL_VALUES
_DOCKER_VALUES = simplecommands.DOCKER_VALUES
_REDIS_VALUES = simplecommands.REDIS_VALUES
_REDIS_BATCH = {"--scan", "--bigkeys", "--memkeys", "--hotkeys", "--rdb", "--pipe", "--eval", "-x"}
_EDITORS = frozenset({"vi", "vim", "nvim", "nano", "emacs", "visudo", "vipw"})
_SCREENS = frozenset({"watch", "htop", "btop", "atop", "iotop", "iftop", "nmon"})
_PROMPTS = ("mysql", "mariadb", "psql", "redis-cli", "mongo", "mongosh", "sqlite3")
_TMUX_ATTACH = frozenset({"attach", "attach-session", "a", "at", "new", "new-session"})
_FOLLOWS = "follows output until stopped"
_TERMINAL = "needs a terminal"


def reason(text: str) -> str | None:
    """Why ``text`` needs a terminal or never ends, or None when nothing in it does."""
    if not _TRIGGER.search(text):
        return None  # none of the listed commands appears: no need to tokenise
    return _reason(text)


def _reason(text: str) -> str | None:
    if "<<" in text.replace("<<<", ""):
        text = text.split("\n", 1)[0]  # a heredoc's body is input, not commands
    try:
        words = shellwords.split(text, comments=True, newlines=True)
    except ValueError:
        return None
    simple: list[str] = []
    piped = looping = False
    for word in [*words, ";"]:
        if word not in _SEPARATORS:
            simple.append(word)
            continue
        if simple and simple[0] in ("while", "until"):
            looping = True
        found = _simple(simple, piped, looping)
        if found:
            return found
        looping = looping and word not in ("\n", ";", "&&", "||", "&")
        piped, simple = word in ("|", "|&"), []
    return None


def _simple(words: list[str], piped: bool, looping: bool) -> str | None:
    """The reason for one simple command (its words, redirections included)."""
    while words and words[0] in _KEYWORDS:
        words = words[1:]
    args: list[str] = []
    redirected = piped
    skip = False
    for index, word in enumerate(words):
        if skip:
            skip = False
        elif word and set(word) <= shellwords.PUNCTUATION:  # a redirection: drop its target
            redirected = redirected or "<" in word
            skip = index + 1 < len(words)
        else:
            args.append(word)
    command = _unwrap(args)
    if not command:
        return None
    name = command[0].rsplit("/", 1)[-1]
    rule = _RULES.get(name) or (_python if re.fullmatch(r"python[0-9.]*", name) else None)
    if rule is None:
        return None
    return rule(name, command[1:], redirected or looping)


def _unwrap(words: list[str]) -> list[str] | None:
    """``words`` without wrappers and assignments; None under ``timeout``, which ends anything."""
    while words:
        words = simplecommands.unwrap(words, keep=_KEPT)
        head = words[0] if words else ""
        if head == "timeout":
            return None
        if head not in ("sudo", "doas"):
            return words
        if _root_shell(words[1:]):
            return ["sudo", "-i"]
        words = _skip_flags(words[1:], simplecommands.WRAPPERS[head])
    return words


def _root_shell(args: list[str]) -> bool:
    return bool({"-i", "-s", "--login", "--shell"} & set(args)) and not _positional(
        args, simplecommands.WRAPPERS["sudo"]
    )


_skip_flags = simplecommands.skip_options
_positional = simplecommands.positional


def _short(args: list[str], letters: str, *long: str) -> bool:
    """Whether ``args`` has one of the short flags ``letters`` (also in a cluster) or ``long``."""
    for arg in args:
        if arg.startswith("--"):
            if arg.split("=", 1)[0] in long and not arg.endswith("=false"):
                return True
        elif arg.startswith("-") and set(re.split(r"\d", arg[1:], maxsplit=1)[0]) & set(letters):
            return True
    return False


def _tty(args: list[str]) -> bool:
    """``-it``, ``-ti``, ``-i -t`` or ``--stdin``/``--interactive`` with ``--tty``, not detached."""
    flags = {a.split("=", 1)[0] for a in args if a.startswith("-") and not a.endswith("=false")}
    if flags & {"-d", "--detach"}:
        return False
    return bool(flags & {"-it", "-ti"}) or (
        bool(flags & {"-i", "--stdin", "--interactive"}) and bool(flags & {"-t", "--tty"})
    )


def _flag(args: list[str], *flags: str) -> bool:
    """Whether one of ``flags`` is in ``args`` as written (``--watch``, ``--watch=true``)."""
    return any(a.split("=", 1)[0] in flags and not a.endswith("=false") for a in args)


def _starts(args: list[str], short: str, *long: str) -> bool:
    """A short option of ``short`` (its value may be glued on: ``-eSQL``) or a ``long`` one."""
    return any(
        (a[:2] in {f"-{c}" for c in short} and not a.startswith("--")) or a.split("=")[0] in long
        for a in args
    )


def _editor(name: str, args: list[str], redirected: bool) -> str | None:
    return f"{name} opens an editor"


def _pager(name: str, args: list[str], redirected: bool) -> str | None:
    return f"{name} opens a pager"  # even on piped input: a pager reads keys from the terminal


def _screen(name: str, args: list[str], redirected: bool) -> str | None:
    if name == "top" and "-b" in args and _short(args, "n"):
        return None  # batch mode with a count ends
    return f"{name} takes over the screen until stopped"


def _tail(name: str, args: list[str], redirected: bool) -> str | None:
    letters = "fF" if name == "tail" else "f"
    return f"{name} -f {_FOLLOWS}" if _short(args, letters, "--follow") else None


def _kubectl(name: str, args: list[str], redirected: bool) -> str | None:
    rest = _skip_flags(args, _KUBE_VALUES)
    sub, sub_args = (rest[0], rest[1:]) if rest else ("", [])
    if sub == "edit":
        return f"{name} edit opens an editor"
    if sub == "logs" and _flag(sub_args, "-f", "--follow"):
        return f"{name} logs -f {_FOLLOWS}"
    if sub == "get" and _flag(sub_args, "-w", "--watch", "--watch-only"):
        return f"{name} get --watch watches until stopped"
    if sub in ("port-forward", "proxy"):
        return f"{name} {sub} runs until stopped"
    if sub == "attach" or (sub in ("exec", "run") and _tty(sub_args)):
        return f"{name} {sub} -it {_TERMINAL}"
    if name == "oc" and sub in ("rsh", "debug"):
        return f"oc {sub} {_TERMINAL}"
    return None


def _docker(name: str, args: list[str], redirected: bool) -> str | None:
    rest = _skip_flags(args, _DOCKER_VALUES)
    if rest[:1] == ["compose"]:
        rest = _skip_flags(rest[1:], {"-f", "--file", "-p", "--project-name", "--env-file"})
        if rest[:1] == ["logs"] and _short(rest[1:], "f", "--follow"):
            return f"{name} compose logs -f {_FOLLOWS}"
        return None
    sub, sub_args = (rest[0], rest[1:]) if rest else ("", [])
    if sub == "logs" and _short(sub_args, "f", "--follow"):
        return f"{name} logs -f {_FOLLOWS}"
    if sub == "stats" and "--no-stream" not in sub_args:
        return f"{name} stats takes over the screen until stopped"
    if sub == "attach" or (sub in ("exec", "run") and _tty(sub_args)):
        return f"{name} {sub} -it {_TERMINAL}"
    return None


def _compose(name: str, args: list[str], redirected: bool) -> str | None:
    return _docker(name, ["compose", *args], redirected)


def _pm2(name: str, args: list[str], redirected: bool) -> str | None:
    if args[:1] == ["logs"] and "--nostream" not in args:
        return f"pm2 logs {_FOLLOWS} (add --nostream)"
    return "pm2 monit takes over the screen until stopped" if args[:1] == ["monit"] else None


def _stern(name: str, args: list[str], redirected: bool) -> str | None:
    return f"stern {_FOLLOWS}"


def _crontab(name: str, args: list[str], redirected: bool) -> str | None:
    return "crontab -e opens an editor" if "-e" in args else None


def _systemctl(name: str, args: list[str], redirected: bool) -> str | None:
    return "systemctl edit opens an editor" if "edit" in args else None


def _ssh(name: str, args: list[str], redirected: bool) -> str | None:
    rest = _positional(args, simplecommands.SSH_VALUES)
    if len(rest) == 1:
        return "ssh with no remote command opens an ssh session"
    return _reason(" ".join(rest[1:])) if len(rest) > 1 else None


def _root(name: str, args: list[str], redirected: bool) -> str | None:
    if name == "su" and _starts(args, "c", "--command"):
        return None
    return f"{name} opens a root shell" if not redirected else None


def _prompt(name: str, args: list[str], redirected: bool) -> str | None:
    if redirected:
        return None
    if name in ("mysql", "mariadb"):
        done = _starts(args, "eV", "--execute", "--version")
    elif name == "psql":
        done = _starts(args, "cflV", "--command", "--file", "--list", "--version")
    elif name == "redis-cli":
        return _redis(args)
    elif name == "sqlite3":
        done = len(_positional(args, {"-cmd", "-separator", "-newline", "-nullvalue"})) > 1
    else:  # mongo, mongosh
        done = _starts(args, "f", "--eval", "--file", "--version") or any(
            a.endswith(".js") for a in args
        )
    return None if done else f"{name} without a command opens a prompt"


def _redis(args: list[str]) -> str | None:
    command = _positional(args, _REDIS_VALUES)
    if command and command[0].upper() in ("MONITOR", "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE"):
        return f"redis-cli {command[0].upper()} {_FOLLOWS}"
    if {"--stat", "--latency", "--latency-history", "--latency-dist"} & set(args):
        return f"redis-cli --stat {_FOLLOWS}"
    if command or _REDIS_BATCH & set(args) or "--cluster" in args:
        return None
    return "redis-cli without a command opens a prompt"


def _python(name: str, args: list[str], redirected: bool) -> str | None:
    if redirected or _positional(args, {"-W", "-X", "-r", "--require"}):
        return None
    short = "cmVh" if name.startswith("python") else "epcvh"
    if _starts(args, short, "--eval", "--print", "--version", "--help"):
        return None
    return f"{name} with no script opens a prompt"


def _read(name: str, args: list[str], redirected: bool) -> str | None:
    return None if redirected else "read waits for input"


def _multiplexer(name: str, args: list[str], redirected: bool) -> str | None:
    if name == "tmux":
        rest = _skip_flags(args, {"-L", "-S", "-f", "-c"})
        attach = not rest or rest[0] in (
            "attach",
            "attach-session",
            "a",
            "at",
            "new",
            "new-session",
        )
        attach = attach and "-d" not in rest
    else:
        attach = not args or bool({"-r", "-x", "-R", "-RR"} & set(args))
    return f"{name} attaches a terminal multiplexer" if attach else None


_Rule = Callable[[str, list[str], bool], str | None]
_RULES: dict[str, _Rule] = {
    **dict.fromkeys(_EDITORS, _editor),
    **dict.fromkeys(("less", "more", "most", "man"), _pager),
    **dict.fromkeys((*_SCREENS, "top"), _screen),
    "tail": _tail,
    "journalctl": _tail,
    "kubectl": _kubectl,
    "oc": _kubectl,
    "docker": _docker,
    "podman": _docker,
    "docker-compose": _compose,
    "pm2": _pm2,
    "stern": _stern,
    "crontab": _crontab,
    "systemctl": _systemctl,
    "ssh": _ssh,
    "sudo": _root,
    "su": _root,
    **dict.fromkeys(
        ("mysql", "mariadb", "psql", "redis-cli", "mongo", "mongosh", "sqlite3"), _prompt
    ),
    **dict.fromkeys(("node", "irb", "ipython"), _python),
    "read": _read,
    "tmux": _multiplexer,
    "screen": _multiplexer,
}
