"""Decide which commands are destructive, from one documented table.

Each command text is read with the bash grammar (:mod:`runbookkit.parsing.simplecommands`) and
every simple command in it is checked: those of pipelines, ``&&``/``;`` lists, subshells, loops
and ``$( … )``, after the wrappers ``sudo -u USER``, ``doas``, ``env VAR=x``, ``nohup``,
``exec``, ``time``, ``timeout N``, ``nice``, ``ionice``, ``stdbuf``, ``command`` and ``xargs``
(so ``… | xargs kubectl delete pod`` is seen). Commands that run another command are looked
into: ``bash -c '…'`` (``sh``, ``zsh``, ``dash``, ``ksh``), ``su -c``, ``eval``, ``watch``,
``ssh host '…'`` or ``ssh host cmd …``, ``kubectl exec POD -- cmd`` (also ``oc``), ``docker exec
CTR cmd`` (also ``podman``) and ``find … -exec cmd ;``. ``$ `` prompts of transcripts are removed
by the parser before a command gets here.

A rule (a :class:`Rule` of :data:`RULES`, one line below) matches a command by its name, its
leading sub-command words (options and their values skipped; ``*`` is any word, ``a|b`` either,
``**`` any group words before it, as in ``gcloud compute instances delete``) and its flags:
"with one of" them, "with" each of them, "without" any of them. A short flag also counts inside
a cluster (``-f`` in ``-fdx``); ``-X=V`` is ``-X V``, ``-XV`` or ``-X=V``; ``of=*`` is an
operand. "An operand" rules need something to act on (``rm -rf`` alone, or ``rm -f ""``,
removes nothing; under ``xargs`` the operands come from its input). The first rule that
matches gives the reason: ``{command}`` is the name as run, ``{flag}`` the flag as written,
``{words}`` the sub-command words.

.. table-start

- ``rm`` with one of ``-r`` ``-R`` ``-f`` ``--recursive`` ``--force`` and an operand: **rm
  {flag}** (files and folders)
- ``shred`` and an operand: **shred** (file contents)
- ``truncate`` with one of ``-s=*`` ``--size=*`` without ``-s=+*`` or ``--size=+*`` and an
  operand: **truncate -s (shell truncation of a file)** (a file's contents)
- ``find`` with ``-delete``: **find -delete** (the files found)
- ``dd`` with ``of=*`` without ``of=/dev/null``: **dd of=** (the device or file written)
- ``mkfs`` (also ``mkfs.*``): **{command}** (the filesystem on the device)
- ``wipefs`` with one of ``-a`` ``--all``: **wipefs -a** (filesystem signatures)
- ``kill`` (also ``pkill``, ``killall``) with one of ``-9`` ``-KILL`` ``-SIGKILL`` ``-s=KILL``
  ``-s=SIGKILL`` ``-s=9`` ``--signal=KILL`` ``--signal=SIGKILL``: **{command} -9** (the process,
  without a chance to clean up)
- ``shutdown`` without ``-c``: **shutdown** (the host's service)
- ``reboot`` (also ``halt``, ``poweroff``): **{command}** (the host's service)
- ``systemctl stop|disable|mask|kill``: **systemctl {words}** (the service)
- ``systemctl reboot|poweroff|halt``: **systemctl {words}** (the host's service)
- ``service * stop``: **service stop** (the service)
- ``gitlab-ctl stop|kill``: **gitlab-ctl {words}** (GitLab's services)
- ``patronictl reinit|remove``: **patronictl {words}** (a member's data or the cluster)
- ``redis-cli flushall``: **redis-cli FLUSHALL** (every key of every database)
- ``redis-cli flushdb``: **redis-cli FLUSHDB** (every key of the database)
- ``dropdb``: **dropdb** (the database)
- ``kubectl delete`` (also ``oc``) with ``--force`` and ``--grace-period=0`` without
  ``--dry-run``: **{command} delete --force --grace-period=0** (pods, killed without a graceful
  stop)
- ``kubectl delete`` (also ``oc``) without ``--dry-run``: **{command} delete** (the resources)
- ``kubectl drain`` (also ``oc``) without ``--dry-run``: **{command} drain** (the node's pods)
- ``oc adm drain`` without ``--dry-run``: **oc adm drain** (the node's pods)
- ``kubectl scale`` (also ``oc``) with ``--replicas=0`` without ``--dry-run``: **{command} scale
  --replicas=0** (every replica of the workload)
- ``helm uninstall|delete|del|un`` without ``--dry-run``: **helm {words}** (the release)
- ``terraform destroy`` (also ``tofu``): **{command} destroy** (the infrastructure)
- ``terraform apply`` (also ``tofu``) with one of ``-auto-approve`` ``--auto-approve``:
  **{command} apply -auto-approve** (infrastructure, changed without review)
- ``terraform apply`` (also ``tofu``) with ``-destroy``: **{command} apply -destroy** (the
  infrastructure)
- ``docker rm`` (also ``podman``) with one of ``-f`` ``--force`` ``-v`` ``--volumes``:
  **{command} rm {flag}** (a container or its volumes)
- ``docker container rm`` (also ``podman``) with one of ``-f`` ``--force`` ``-v`` ``--volumes``:
  **{command} container rm {flag}** (a container or its volumes)
- ``docker system prune`` (also ``podman``) with one of ``-a`` ``--all`` ``--volumes``:
  **{command} system prune {flag}** (every unused image, or every volume)
- ``docker volume prune|rm`` (also ``podman``): **{command} {words}** (volumes)
- ``docker compose down`` (also ``podman``) with one of ``-v`` ``--volumes``: **{command}
  compose down {flag}** (the project's volumes)
- ``docker-compose down`` with one of ``-v`` ``--volumes``: **docker-compose down {flag}**
  (volumes)
- ``iptables`` (also ``ip6tables``) with one of ``-F`` ``--flush``: **{command} -F** (every
  firewall rule)
- ``nft flush``: **nft flush** (firewall rules)
- ``git reset`` with ``--hard``: **git reset --hard** (uncommitted changes)
- ``git clean`` with one of ``-f`` ``--force`` without ``-n`` or ``--dry-run``: **git clean
  {flag}** (untracked files)
- ``aws * delete-*``: **aws {words}** (the cloud resource)
- ``aws * terminate-*``: **aws {words}** (the cloud resource)
- ``aws s3 rm`` with ``--recursive``: **aws s3 rm --recursive** (every object under the prefix)
- ``aws s3 rb``: **aws s3 rb** (the bucket)
- ``gcloud ** delete``: **gcloud {words}** (the cloud resource)
- ``az ** delete``: **az {words}** (the cloud resource)
- ``curl`` with one of ``-X=DELETE`` ``--request=DELETE``: **curl -X DELETE** (the HTTP
  resource)
- ``wget`` with ``--method=DELETE``: **wget --method=DELETE** (the HTTP resource)
- ``http DELETE`` (also ``https``): **http DELETE** (the HTTP resource)

.. table-end

Not on the list: ``kubectl delete --dry-run=client|server`` (nothing is deleted; ``=none`` is
a real delete), ``git reset --soft``/``--mixed``, ``git clean -n``, ``docker rm`` of a stopped
container without ``-f``/``-v`` (its volumes stay; the container had to be stopped first, which
is the step that matters), ``dd of=/dev/null``, plain ``rm file``, ``helm … --dry-run``.

SQL, in the arguments of ``psql``, ``mysql``, ``mariadb``, ``sqlite3``, ``clickhouse-client``,
``cqlsh`` and ``cockroach`` (``-c``, ``-e``…), their heredocs and here-strings, and the output
piped into them (``echo "…" | psql``):

=========================================================  =================================
SQL                                                        reason
=========================================================  =================================
``DROP TABLE|DATABASE|SCHEMA|INDEX|VIEW|USER|ROLE|…``      SQL DROP
``TRUNCATE``                                               SQL TRUNCATE
``DELETE FROM`` without ``WHERE``                          SQL DELETE without WHERE
``pg_terminate_backend(…)``                                SQL pg_terminate_backend
=========================================================  =================================

A bare redirection that empties a file (``> file``, ``: > file``, ``true > file``, ``cat
/dev/null > file``; not ``>>`` nor ``/dev/…``) is ``> FILE (truncates the file)``.

A team adds its own entries, and marks commands safe, in ``pyproject.toml`` (see
:class:`Policy`)::

    [tool.runbookkit]
    destructive = ["mycli purge", "vault kv destroy", "pg_ctl stop -m immediate"]
    safe = ["systemctl stop myapp-canary"]

A step is also destructive when its title, a comment in it (or before the first step marker of
its code block), or the heading of its subsection or section says WARNING, DANGER or CAUTION
(any case: "(use with caution)" too). Words in a command's arguments are never markers.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from runbookkit.parsing import shellwords, simplecommands
from runbookkit.parsing.simplecommands import Simple, positional, unwrap

if TYPE_CHECKING:
    from runbookkit.model import Command, Runbook, Step

MARKER = re.compile(r"\b(WARNING|DANGER|CAUTION)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Rule:
    """One row of the table: which command, sub-command and flags, and the reason given."""

    commands: tuple[str, ...]
    reason: str
    lost: str = ""
    words: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    operand: bool = False


def _r(
    commands: str,
    words: str,
    flags: str,
    reason: str,
    lost: str,
    *,
    requires: tuple[str, ...] = (),
    unless: tuple[str, ...] = (),
    operand: bool = False,
) -> Rule:
    """A row of :data:`RULES`, its lists written as space-separated words."""
    split = tuple(commands.split()), tuple(words.split()), tuple(flags.split())
    return Rule(split[0], reason, lost, split[1], split[2], requires, unless, operand)


_DRY_RUN = ("--dry-run",)
_DOCKER_RM = "-f --force -v --volumes"
_GIT_DRY = ("-n", "--dry-run")
RULES: tuple[Rule, ...] = (
    _r("rm", "", "-r -R -f --recursive --force", "rm {flag}", "files and folders", operand=True),
    _r("shred", "", "", "shred", "file contents", operand=True),
    _r(
        "truncate",
        "",
        "-s=* --size=*",
        "truncate -s (shell truncation of a file)",
        "a file's contents",
        unless=("-s=+*", "--size=+*"),
        operand=True,
    ),
    _r("find", "", "-delete", "find -delete", "the files found"),
    _r("dd", "", "of=*", "dd of=", "the device or file written", unless=("of=/dev/null",)),
    _r("mkfs mkfs.*", "", "", "{command}", "the filesystem on the device"),
    _r("wipefs", "", "-a --all", "wipefs -a", "filesystem signatures"),
    _r(
        "kill pkill killall",
        "",
        "-9 -KILL -SIGKILL -s=KILL -s=SIGKILL -s=9 --signal=KILL --signal=SIGKILL",
        "{command} -9",
        "the process, without a chance to clean up",
    ),
    _r("shutdown", "", "", "shutdown", "the host's service", unless=("-c",)),
    _r("reboot halt poweroff", "", "", "{command}", "the host's service"),
    _r("systemctl", "stop|disable|mask|kill", "", "systemctl {words}", "the service"),
    _r("systemctl", "reboot|poweroff|halt", "", "systemctl {words}", "the host's service"),
    _r("service", "* stop", "", "service stop", "the service"),
    _r("gitlab-ctl", "stop|kill", "", "gitlab-ctl {words}", "GitLab's services"),
    _r("patronictl", "reinit|remove", "", "patronictl {words}", "a member's data or the cluster"),
    _r("redis-cli", "flushall", "", "redis-cli FLUSHALL", "every key of every database"),
    _r("redis-cli", "flushdb", "", "redis-cli FLUSHDB", "every key of the database"),
    _r("dropdb", "", "", "dropdb", "the database"),
    _r(
        "kubectl oc",
        "delete",
        "",
        "{command} delete --force --grace-period=0",
        "pods, killed without a graceful stop",
        requires=("--force", "--grace-period=0"),
        unless=_DRY_RUN,
    ),
    _r("kubectl oc", "delete", "", "{command} delete", "the resources", unless=_DRY_RUN),
    _r("kubectl oc", "drain", "", "{command} drain", "the node's pods", unless=_DRY_RUN),
    _r("oc", "adm drain", "", "oc adm drain", "the node's pods", unless=_DRY_RUN),
    _r(
        "kubectl oc",
        "scale",
        "--replicas=0",
        "{command} scale --replicas=0",
        "every replica of the workload",
        unless=_DRY_RUN,
    ),
    _r("helm", "uninstall|delete|del|un", "", "helm {words}", "the release", unless=_DRY_RUN),
    _r("terraform tofu", "destroy", "", "{command} destroy", "the infrastructure"),
    _r(
        "terraform tofu",
        "apply",
        "-auto-approve --auto-approve",
        "{command} apply -auto-approve",
        "infrastructure, changed without review",
    ),
    _r("terraform tofu", "apply", "-destroy", "{command} apply -destroy", "the infrastructure"),
    _r("docker podman", "rm", _DOCKER_RM, "{command} rm {flag}", "a container or its volumes"),
    _r(
        "docker podman",
        "container rm",
        _DOCKER_RM,
        "{command} container rm {flag}",
        "a container or its volumes",
    ),
    _r(
        "docker podman",
        "system prune",
        "-a --all --volumes",
        "{command} system prune {flag}",
        "every unused image, or every volume",
    ),
    _r("docker podman", "volume prune|rm", "", "{command} {words}", "volumes"),
    _r(
        "docker podman",
        "compose down",
        "-v --volumes",
        "{command} compose down {flag}",
        "the project's volumes",
    ),
    _r("docker-compose", "down", "-v --volumes", "docker-compose down {flag}", "volumes"),
    _r("iptables ip6tables", "", "-F --flush", "{command} -F", "every firewall rule"),
    _r("nft", "flush", "", "nft flush", "firewall rules"),
    _r("git", "reset", "--hard", "git reset --hard", "uncommitted changes"),
    _r("git", "clean", "-f --force", "git clean {flag}", "untracked files", unless=_GIT_DRY),
    _r("aws", "* delete-*", "", "aws {words}", "the cloud resource"),
    _r("aws", "* terminate-*", "", "aws {words}", "the cloud resource"),
    _r("aws", "s3 rm", "--recursive", "aws s3 rm --recursive", "every object under the prefix"),
    _r("aws", "s3 rb", "", "aws s3 rb", "the bucket"),
    _r("gcloud", "** delete", "", "gcloud {words}", "the cloud resource"),
    _r("az", "** delete", "", "az {words}", "the cloud resource"),
    _r("curl", "", "-X=DELETE --request=DELETE", "curl -X DELETE", "the HTTP resource"),
    _r("wget", "", "--method=DELETE", "wget --method=DELETE", "the HTTP resource"),
    _r("http https", "DELETE", "", "http DELETE", "the HTTP resource"),
)

# Options that take a value, per command, so that sub-command words are found after them.
_VALUES: dict[str, frozenset[str]] = {
    "kubectl": simplecommands.KUBECTL_VALUES | {"-l", "--selector", "-o", "--output"},
    "oc": simplecommands.KUBECTL_VALUES | {"-l", "--selector", "-o", "--output"},
    "docker": simplecommands.DOCKER_VALUES,
    "podman": simplecommands.DOCKER_VALUES,
    "redis-cli": simplecommands.REDIS_VALUES,
    "systemctl": frozenset({"-H", "--host", "-M", "--machine", "-t", "--type", "-p", "-s"}),
    "git": frozenset({"-C", "-c", "--git-dir", "--work-tree", "--namespace"}),
    "aws": frozenset({"--region", "--profile", "--output", "--endpoint-url", "--query"}),
    "gcloud": frozenset({"--project", "--zone", "--region", "--format", "--account"}),
    "az": frozenset({"-g", "--resource-group", "-n", "--name", "--subscription", "-o"}),
    "patronictl": frozenset({"-c", "--config-file", "-d", "--dcs-url", "--dcs"}),
    "helm": frozenset({"-n", "--namespace", "--kube-context", "--kubeconfig"}),
    "curl": frozenset({"-X", "--request", "-H", "--header", "-d", "--data", "-u", "-o"}),
}
_SHELLS = frozenset({"bash", "sh", "zsh", "dash", "ksh", "ash"})
_SQL_CLIENTS = frozenset(
    {"psql", "mysql", "mariadb", "sqlite3", "clickhouse-client", "cqlsh", "cockroach"}
)
_SQL_DROP = re.compile(
    r"\bDROP\s+(?:TABLE|DATABASE|SCHEMA|INDEX|VIEW|USER|ROLE|TABLESPACE|MATERIALIZED\s+VIEW"
    r"|COLLECTION|KEYSPACE|OWNED)\b",
    re.IGNORECASE,
)
_SQL_TRUNCATE = re.compile(r"\bTRUNCATE\b", re.IGNORECASE)
_SQL_DELETE = re.compile(r"\bDELETE\s+FROM\b([^;]*)", re.IGNORECASE)
_SQL_TERMINATE = re.compile(r"\bpg_terminate_backend\s*\(", re.IGNORECASE)
_EMPTYING = frozenset({":", "true"})
_TRUNCATING = frozenset({">", ">|", "&>"})
_MAX_DEPTH = 8
_NEGATIVE = ("=false", "=none", "=0")


@dataclass(frozen=True, slots=True)
class Policy:
    """The team's additions to the table: destructive entries first, then safe ones.

    An entry is a command with its leading sub-command words and, optionally, flags that must
    all be given, written as on the command line: ``"mycli purge"``, ``"vault kv destroy"``,
    ``"pg_ctl stop -m immediate"`` (``-m=immediate`` also matches ``-m immediate``). A command
    that matches a ``safe`` entry is not destructive by its own rule (a command it runs, as in
    ``bash -c``, is still checked).
    """

    destructive: tuple[Rule, ...] = ()
    safe: tuple[Rule, ...] = ()

    @classmethod
    def from_entries(cls, destructive: list[str], safe: list[str]) -> Policy:
        """The policy of ``[tool.runbookkit]`` entries.

        Raises:
            ValueError: an entry is empty or its quoting is unclosed (the message names it).
        """
        return cls(
            tuple(entry(e, "destructive") for e in destructive),
            tuple(entry(e, "safe") for e in safe),
        )


DEFAULT = Policy()


def entry(text: str, kind: str) -> Rule:
    """The rule of one ``destructive`` or ``safe`` entry.

    Raises:
        ValueError: the entry is empty or its quoting is unclosed.
    """
    kind = f"{kind} entry" if kind else "entry"
    try:
        words = shellwords.split(text)
    except ValueError:
        raise ValueError(f"{kind} {text!r} has an unclosed quote") from None
    if not words or words[0].startswith("-"):
        raise ValueError(f"{kind} {text!r} must start with a command name")
    subs: list[str] = []
    flags: list[str] = []
    for index, word in enumerate(words[1:], 1):
        if word.startswith("-"):
            value = words[index + 1] if index + 1 < len(words) else None
            flags.append(word if value is None or value.startswith("-") else f"{word}={value}")
        elif not flags:
            subs.append(word)
    reason = f"{' '.join(words)} (team list)"
    return Rule((words[0],), reason, "", tuple(subs), requires=tuple(flags))


def marker(text: str) -> str | None:
    """The WARNING/DANGER/CAUTION word in ``text``, upper-cased, if there is one."""
    found = MARKER.search(text)
    return found.group(1).upper() if found else None


def destructive_reason(command: str, policy: Policy = DEFAULT) -> str | None:
    """Why ``command`` is destructive, or None when nothing in it is on the table."""
    if not _might(command, policy):
        return None  # none of the listed words appears: no need to parse
    return _reason(command, policy)


def _names(policy: Policy) -> re.Pattern[str]:
    names = {n.split(".")[0] for rule in (*RULES, *policy.destructive) for n in rule.commands}
    names |= _SQL_CLIENTS | {"DROP", "TRUNCATE", "DELETE", "pg_terminate_backend"}
    alternatives = "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))
    return re.compile(rf">|(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


_TRIGGERS: dict[Policy, re.Pattern[str]] = {}


def _might(command: str, policy: Policy) -> bool:
    trigger = _TRIGGERS.get(policy)
    if trigger is None:
        trigger = _TRIGGERS[policy] = _names(policy)
    return trigger.search(command) is not None


def _reason(command: str, policy: Policy = DEFAULT, depth: int = 0) -> str | None:
    """The reason for ``command`` without the cheap pre-check (see :func:`destructive_reason`)."""
    if depth > _MAX_DEPTH or not command.strip():
        return None
    from runbookkit.parsing.shellsyntax import parse

    root = parse(command.encode("utf-8", "surrogatepass"))
    for pipeline in simplecommands.pipelines(root):
        feeds_sql = len(pipeline) > 1 and any(_sql_client(s.words) for s in pipeline)
        for simple in pipeline:
            found = _simple(simple, policy, depth)
            if found is None and feeds_sql and not _sql_client(simple.words):
                found = _sql(unwrap(simple.words)[1:] + simple.inputs)
            if found:
                return found
    return None


def _sql_client(words: list[str]) -> bool:
    command = unwrap(words)
    return bool(command) and command[0].rsplit("/", 1)[-1] in _SQL_CLIENTS


def _simple(simple: Simple, policy: Policy, depth: int, fed: bool = False) -> str | None:
    """The reason for one simple command; ``fed`` when ``xargs`` gives it operands."""
    words = simple.words
    while True:
        words = unwrap(words, keep=frozenset({"xargs"}))
        if words[:1] != ["xargs"]:
            break
        fed, words = True, simplecommands.skip_options(words[1:], simplecommands.WRAPPERS["xargs"])
    if not words:  # only a redirection (``> file``), or wrappers alone (``exec > log``)
        return None if simple.words else _truncation(simple, None)
    name, args = words[0].rsplit("/", 1)[-1], words[1:]
    safe_rules, rules = _candidates(policy, name)
    if not any(_matches(rule, name, args, fed) for rule in safe_rules):
        for rule in rules:
            found = _matches(rule, name, args, fed)
            if found is not None:
                return found
        if name in _SQL_CLIENTS:
            sql = _sql([*args, *simple.inputs])
            if sql:
                return sql
    nested = _nested(name, args, simple, policy, depth)
    return nested or _truncation(simple, name if not args or args == ["/dev/null"] else "")


@functools.lru_cache(maxsize=4096)
def _candidates(policy: Policy, name: str) -> tuple[tuple[Rule, ...], tuple[Rule, ...]]:
    """The safe entries, then the destructive rules, whose command patterns match ``name``."""

    def matching(rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        return tuple(r for r in rules if any(fnmatch.fnmatchcase(name, c) for c in r.commands))

    return matching(policy.safe), matching((*policy.destructive, *RULES))


def _truncation(simple: Simple, name: str | None) -> str | None:
    """``> file`` alone, ``: > file``, ``true > file`` or ``cat /dev/null > file``."""
    if name is not None and name not in _EMPTYING and name != "cat":
        return None
    for operator, target in simple.redirects:
        if operator in _TRUNCATING and target and not target.startswith(("/dev/", ">(", "<(")):
            return f"> {target} (truncates the file)"
    return None


def _nested(name: str, args: list[str], simple: Simple, policy: Policy, depth: int) -> str | None:
    """The reason for a command that ``name`` runs: ``bash -c``, ``ssh host cmd``, ``-exec``…"""
    deeper = depth + 1
    if name in _SHELLS or name == "su":
        script = _option_value(args, "c", "--command")
        return _reason(script, policy, deeper) if script is not None else None
    if name in ("eval", "watch"):
        rest = simplecommands.skip_options(args, frozenset({"-n", "--interval"}))
        return _reason(" ".join(rest), policy, deeper) if rest else None
    if name == "ssh":
        rest = positional(args, simplecommands.SSH_VALUES)
        return _reason(" ".join(rest[1:]), policy, deeper) if len(rest) > 1 else None
    if name in ("kubectl", "oc") and "--" in args and _sub(name, args)[:1] == ["exec"]:
        inner = args[args.index("--") + 1 :]
        return _simple(Simple(inner, simple.inputs), policy, deeper)
    if name in ("docker", "podman") and _sub(name, args)[:1] == ["exec"]:
        after = simplecommands.skip_options(args, _VALUES[name])[1:]
        rest = simplecommands.skip_options(after, frozenset({"-e", "--env", "-u", "--user", "-w"}))
        return _simple(Simple(rest[1:], simple.inputs), policy, deeper) if len(rest) > 1 else None
    if name == "find":
        return _find_exec(args, policy, deeper)
    return None


def _find_exec(args: list[str], policy: Policy, depth: int) -> str | None:
    for index, arg in enumerate(args):
        if arg in ("-exec", "-execdir", "-ok", "-okdir"):
            inner: list[str] = []
            for word in args[index + 1 :]:
                if word in (";", "+"):
                    break
                inner.append(word)
            found = _simple(Simple(inner), policy, depth)
            if found:
                return found
    return None


def _option_value(args: list[str], letter: str, long: str) -> str | None:
    """The value of ``-c SCRIPT`` (also in a cluster such as ``-lc``) or ``--command=SCRIPT``."""
    for index, arg in enumerate(args):
        if arg == long and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(long + "="):
            return arg.split("=", 1)[1]
        if re.fullmatch(rf"-[A-Za-z]*{letter}[A-Za-z]*", arg) and index + 1 < len(args):
            return args[index + 1]
    return None


def _sub(name: str, args: list[str]) -> list[str]:
    return positional(args, _VALUES.get(name, frozenset()))


def _matches(rule: Rule, name: str, args: list[str], fed: bool) -> str | None:
    """The reason ``rule`` gives for ``name args``, or None when it doesn't match."""
    if not any(fnmatch.fnmatchcase(name, pattern) for pattern in rule.commands):
        return None
    subs = _sub(name, args)
    words = _words(rule.words, subs)
    if words is None:
        return None
    if rule.operand and not fed and not [w for w in subs[len(words) :] if w]:
        return None
    flag = ""
    if rule.flags:
        flag = next((f for spec in rule.flags if (f := _flag(args, spec))), "")
        if not flag:
            return None
    if not all(_flag(args, spec) for spec in rule.requires):
        return None
    if any(_flag(args, spec) for spec in rule.unless):
        return None
    return rule.reason.format(command=name, flag=flag, words=" ".join([name, *words][1:]))


def _words(patterns: tuple[str, ...], subs: list[str]) -> list[str] | None:
    """The sub-command words ``patterns`` match at the start of ``subs``, or None."""
    if patterns[:1] == ("**",):
        rest = patterns[1:]
        for start in range(min(len(subs), 4) + 1):
            head = subs[:start]
            if not all(re.fullmatch(r"[a-z][a-z0-9-]*", w) for w in head):
                break
            found = _words(rest, subs[start:])
            if found is not None:
                return head + found
        return None
    if len(subs) < len(patterns):
        return None
    for pattern, word in zip(patterns, subs, strict=False):
        if not any(fnmatch.fnmatch(word.lower(), p.lower()) for p in pattern.split("|")):
            return None
    return subs[: len(patterns)]


def _flag(args: list[str], spec: str) -> str:
    """The argument (as written) that ``spec`` finds in ``args``, or ``""``."""
    if not spec.startswith("-"):  # an operand such as ``of=*``
        return next((a for a in args if fnmatch.fnmatchcase(a, spec)), "")
    if "=" in spec:
        option, value = spec.split("=", 1)
        for index, arg in enumerate(args):
            following = args[index + 1] if index + 1 < len(args) else None
            if arg == option and following is not None and _value(following, value):
                return f"{arg} {following}"
            if arg.startswith(option + "=") and _value(arg[len(option) + 1 :], value):
                return arg
            short = len(option) == 2 and arg.startswith(option) and len(arg) > 2
            if short and not arg.startswith("--") and _value(arg[2:], value):
                return arg
        return ""
    letter = spec[1:]
    for arg in args:
        if arg == spec or (arg.startswith(spec + "=") and not arg.endswith(_NEGATIVE)):
            return arg
        single = len(letter) == 1 and letter.isalpha() and not arg.startswith("--")
        if single and re.fullmatch(r"-[A-Za-z]+", arg) and letter in arg[1:]:
            return arg
    return ""


def _value(written: str, pattern: str) -> bool:
    return fnmatch.fnmatch(written.upper(), pattern.upper())


def _sql(texts: list[str]) -> str | None:
    """The SQL reason for statements in ``texts``, or None."""
    for text in texts:
        if _SQL_DROP.search(text):
            return "SQL DROP"
        if _SQL_TRUNCATE.search(text):
            return "SQL TRUNCATE"
        if _SQL_TERMINATE.search(text):
            return "SQL pg_terminate_backend"
        for delete in _SQL_DELETE.finditer(text):
            if not re.search(r"\bWHERE\b", delete.group(1), re.IGNORECASE):
                return "SQL DELETE without WHERE"
    return None


def with_marker(reasons: list[str], word: str) -> list[str]:
    """``reasons`` with ``marked WORD`` added, unless a marker is already among them."""
    return reasons if warned(reasons) else [*reasons, f"marked {word}"]


def warned(reasons: list[str]) -> bool:
    """Whether a step's reasons include a marker: the runbook warns about the step."""
    return any(reason.startswith("marked ") for reason in reasons)


def step_reasons(commands: list[Command], texts: list[str]) -> list[str]:
    """A step's reasons: those of its commands, then the first marker in ``texts``."""
    reasons = [c.destructive for c in commands if c.destructive]
    for text in texts:
        word = marker(text)
        if word:
            reasons.append(f"marked {word}")
            break
    return list(dict.fromkeys(reasons))


def mark(runbook: Runbook, policy: Policy = DEFAULT) -> None:
    """Set every step's ``destructive`` from its commands and the markers around it.

    A WARNING/DANGER/CAUTION in a section heading marks every step of the section (its
    subsections' too); in a subsection heading, that subsection's steps; a marker the step
    already has (a comment before its code block's first step marker) is kept. With a policy
    other than the default, each command's reason is found again under it.
    """
    for section in runbook.sections:
        for block in (section, *section.subsections):
            headings = [section.title] if block is section else [block.title, section.title]
            for step in block.steps:
                _mark_step(step, headings, policy)


def _mark_step(step: Step, headings: list[str], policy: Policy) -> None:
    if policy != DEFAULT:
        for command in step.commands:
            command.destructive = destructive_reason(command.text, policy)
    reasons = step_reasons(step.commands, [step.title, *step.notes, *headings])
    marked = [r for r in step.destructive_reasons if r.startswith("marked ")]
    if marked:  # a comment before the block's first step marker (see steps.shell_steps)
        reasons = with_marker(reasons, marked[0].removeprefix("marked "))
    step.destructive = bool(reasons)
    step.destructive_reasons = reasons


def table() -> str:
    """The rule table as it is written in this module's docstring: one line per rule."""
    import textwrap

    lines: list[str] = []
    for rule in RULES:
        parts = [f"``{' '.join((rule.commands[0], *rule.words))}``"]
        if rule.commands[1:]:
            parts.append("(also " + ", ".join(f"``{n}``" for n in rule.commands[1:]) + ")")
        if rule.flags:
            one = "with one of " if len(rule.flags) > 1 else "with "
            parts.append(one + " ".join(f"``{f}``" for f in rule.flags))
        if rule.requires:
            parts.append("with " + " and ".join(f"``{f}``" for f in rule.requires))
        if rule.unless:
            parts.append("without " + " or ".join(f"``{f}``" for f in rule.unless))
        if rule.operand:
            parts.append("and an operand")
        text = " ".join(parts) + f": **{rule.reason}** ({rule.lost})"
        lines += textwrap.wrap(
            text, 96, initial_indent="- ", subsequent_indent="  ", break_on_hyphens=False
        )
    return "\n".join(lines)
