"""The documented table of destructive commands, and what stays off it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runbookkit.parsing import safety
from runbookkit.parsing.safety import Policy, _reason, destructive_reason, marker
from tests.conftest import EXAMPLE_BUDGET

# command → a fragment of the reason it must give.
DESTRUCTIVE = {
    # files
    "rm -rf /var/lib/redis": "rm -rf",
    "rm -f dump.rdb": "rm -f",
    "rm -r old/": "rm -r",
    "rm -R old/": "rm -R",
    "rm --recursive old/": "rm --recursive",
    "sudo rm -fv /tmp/x": "rm -fv",
    "/bin/rm -rf x": "rm -rf",
    "rm \\\n  -rf /srv/data": "rm -rf",
    "find . -name '*.tmp' | xargs rm -f": "rm -f",
    "find /var/log/app -mtime +7 -delete": "find -delete",
    "find /tmp -name '*.core' -exec rm -f {} \\;": "rm -f",
    "truncate -s 0 /var/log/app.log": "shell truncation of a file",
    ": > /var/log/app.log": "> /var/log/app.log (truncates the file)",
    "> /var/log/app.log": "truncates the file",
    "true > app.log && echo done": "truncates the file",
    "shred -u secrets.txt": "shred",
    # disks and processes
    "mkfs.ext4 /dev/sdb1": "mkfs.ext4",
    "mkfs -t xfs /dev/sdc": "mkfs",
    "dd if=/dev/zero of=/dev/sdb bs=1M": "dd of=",
    "dd if=backup.img of=disk.img": "dd of=",
    "kill -9 1234": "kill -9",
    "sudo pkill -9 -f 'celery worker'": "pkill -9",
    "killall -KILL node": "killall -9",
    "kill -s KILL 42": "kill -9",
    "kill -s SIGKILL 42": "kill -9",
    "shutdown -h now": "shutdown",
    "sudo reboot": "reboot",
    "poweroff": "poweroff",
    "systemctl stop redis-server": "systemctl stop",
    "sudo systemctl disable --now nginx": "systemctl disable",
    "systemctl mask kubelet": "systemctl mask",
    "service haproxy stop": "service stop",
    "systemctl status x && systemctl stop x": "systemctl stop",
    "sudo gitlab-ctl stop": "gitlab-ctl stop",
    "patronictl -c /etc/patroni.yml reinit pg-cluster pg-2 --force": "patronictl reinit",
    "patronictl remove pg-cluster": "patronictl remove",
    # databases
    "redis-cli FLUSHALL": "redis-cli FLUSHALL",
    "redis-cli -h 10.0.0.5 -n 2 flushdb": "redis-cli FLUSHDB",
    "psql -c 'DROP TABLE users'": "SQL DROP",
    'mysql -e "drop database shop"': "SQL DROP",
    "psql -c 'TRUNCATE audit_log'": "SQL TRUNCATE",
    "psql -c 'DELETE FROM sessions'": "SQL DELETE without WHERE",
    "psql -c 'DELETE FROM a WHERE id = 1; DELETE FROM b'": "SQL DELETE without WHERE",
    'sudo -u postgres psql -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"': (
        "SQL pg_terminate_backend"
    ),
    "psql -d app <<'SQL'\nDELETE FROM audit_log;\nSQL": "SQL DELETE without WHERE",
    "echo 'DROP TABLE x;' | psql -d app": "SQL DROP",
    "psql <<< 'truncate t'": "SQL TRUNCATE",
    "dropdb shop": "dropdb",
    # kubernetes
    "kubectl delete pvc data-redis-0": "kubectl delete",
    "kubectl delete pv pvc-1234": "kubectl delete",
    "kubectl -n prod delete ns staging": "kubectl delete",
    "kubectl delete namespace staging": "kubectl delete",
    "kubectl delete statefulset redis -n cache": "kubectl delete",
    "kubectl delete deployment web": "kubectl delete",
    "kubectl delete pod web-0 --force --grace-period=0": "kubectl delete --force --grace-period=0",
    "kubectl delete pod x --dry-run=none": "kubectl delete",
    "kubectl drain node-3 --ignore-daemonsets": "kubectl drain",
    "kubectl scale deploy/web --replicas=0": "kubectl scale --replicas=0",
    "kubectl scale statefulset db --replicas 0": "kubectl scale --replicas=0",
    "kubectl get pods -o name | xargs kubectl delete pod": "kubectl delete",
    "kubectl get pods -o name | xargs -I{} kubectl delete {}": "kubectl delete",
    "oc delete pod web-1": "oc delete",
    "oc adm drain worker-2 --delete-emptydir-data": "oc adm drain",
    "kubectl exec redis-0 -- redis-cli FLUSHALL": "redis-cli FLUSHALL",
    "helm uninstall web -n prod": "helm uninstall",
    "helm delete web": "helm delete",
    # infrastructure and containers
    "terraform destroy -auto-approve": "terraform destroy",
    "terraform apply -auto-approve": "terraform apply -auto-approve",
    "terraform -chdir=infra apply -auto-approve tfplan": "terraform apply -auto-approve",
    "docker rm -f web": "docker rm -f",
    "docker container rm --force web": "docker container rm --force",
    "docker system prune -a": "docker system prune -a",
    "docker system prune --all --force": "docker system prune --all",
    "docker volume prune -f": "docker volume prune",
    "docker exec db psql -c 'drop table t'": "SQL DROP",
    "docker compose down -v": "docker compose down -v",
    "iptables -F": "iptables -F",
    "sudo iptables -t nat --flush": "iptables -F",
    "git reset --hard origin/main": "git reset --hard",
    "git clean -fdx": "git clean -fdx",
    "git -C /srv/app clean --force": "git clean --force",
    # clouds and HTTP
    "aws ec2 delete-snapshot --snapshot-id snap-1": "aws ec2 delete-snapshot",
    "aws --region eu-west-1 rds delete-db-instance --db-instance-identifier x": (
        "aws rds delete-db-instance"
    ),
    "aws s3 rm s3://bucket/logs --recursive": "aws s3 rm --recursive",
    "aws s3 rb s3://bucket --force": "aws s3 rb",
    "gcloud compute instances delete web-1 --zone europe-west1-b": (
        "gcloud compute instances delete"
    ),
    "gcloud projects delete my-project": "gcloud projects delete",
    "az group delete -n rg-test --yes": "az group delete",
    "az vm delete --name web --resource-group rg": "az vm delete",
    "curl -X DELETE https://es:9200/logs-2025.11.20": "curl -X DELETE",
    "curl -s --request DELETE http://api/v1/items/3": "curl -X DELETE",
    "curl -XDELETE localhost:9200/idx": "curl -X DELETE",
    # wrappers and nested commands
    "bash -c 'rm -rf /tmp/cache'": "rm -rf",
    'sh -c "kubectl delete pod x"': "kubectl delete",
    'ssh root@h "systemctl stop redis-server && rm -f /var/lib/redis/dump.rdb"': "systemctl stop",
    "ssh -p 2222 ops@db kubectl delete pvc data": "kubectl delete",
    "FOO=1 nohup rm -rf x": "rm -rf",
    "env KUBECONFIG=/tmp/k kubectl delete pod x": "kubectl delete",
    "timeout 30 kubectl drain node-1": "kubectl drain",
    "nice -n 10 time rm -rf /srv/cache": "rm -rf",
    "exec doas rm -rf /x": "rm -rf",
    "sudo -u postgres -H bash -lc 'dropdb shop'": "dropdb",
    "echo $(kubectl delete pod x)": "kubectl delete",
    "(cd /srv && rm -rf build)": "rm -rf",
    "for p in $(cat pods); do kubectl delete pod $p; done": "kubectl delete",
    "if true; then git reset --hard; fi": "git reset --hard",
    "su - postgres -c 'psql -c \"DROP DATABASE x\"'": "SQL DROP",
    "eval 'rm -rf /tmp/x'": "rm -rf",
}

SAFE = [
    "rm file.txt",
    "rm -i file.txt",
    "rm -rf",
    "rm -f ''",
    "ls -rf",
    "echo rm -rf /",
    "grep -r 'rm -rf' .",
    "grep WARNING app.log",
    'echo "WARNING: x"',
    "echo 'DROP TABLE x' > notes.txt",
    "redis-cli ping",
    "redis-cli GET FLUSHALL_COUNT",
    "psql -c 'DELETE FROM sessions WHERE expires < now()'",
    "psql -c 'select * from drops'",
    "dd if=/dev/sda bs=1M count=1",
    "dd if=/dev/zero of=/dev/null bs=1M count=100",
    "kill 1234",
    "kill -15 1234",
    "kill -19 1234",
    "systemctl start redis-server",
    "systemctl restart nginx",
    "systemctl status kubelet",
    "service haproxy reload",
    "grep shutdown /var/log/syslog",
    "git rm --cached x",
    "git reset --soft HEAD~1",
    "git clean -n",
    "git clean -fn",
    "rm 'unclosed",
    "kubectl get pods",
    "kubectl describe pvc data",
    "kubectl delete pod x --dry-run=client",
    "kubectl delete pod x --dry-run=server -o yaml",
    "kubectl scale deploy/web --replicas=3",
    "kubectl logs -f web | grep delete",
    "helm list",
    "helm uninstall web --dry-run",
    "terraform plan -destroy",
    "terraform apply tfplan",
    "docker rm web",
    "docker ps -a",
    "docker system prune",
    "docker compose down",
    "iptables -L -n",
    "aws s3 ls s3://bucket",
    "aws s3 rm s3://bucket/one-object.txt --dryrun --quiet --no-recursive",
    "aws ec2 describe-snapshots",
    "gcloud compute instances list",
    "az vm list",
    "curl -X GET http://api/v1/items",
    "curl http://api/delete-me",
    "find . -name '*.log' -print",
    "find /tmp -exec ls -l {} \\;",
    "truncate -s +1G disk.img",
    "cat app.log > copy.log",
    "echo hi >> app.log",
    "command > /dev/null 2>&1",
    ": > /dev/null",
    "exec > >(tee -a /var/log/fix.log) 2>&1",
    "exec >/tmp/fix.log",
    "patronictl list",
    "gitlab-ctl status",
    "ssh web-1 uptime",
    "xargs echo < list.txt",
]


@pytest.mark.parametrize("command", sorted(DESTRUCTIVE))
def test_destructive(command: str) -> None:
    reason = destructive_reason(command)
    assert reason is not None, command
    assert DESTRUCTIVE[command] in reason


@pytest.mark.parametrize("command", SAFE)
def test_not_destructive(command: str) -> None:
    assert destructive_reason(command) is None


def test_the_table_is_large_and_in_both_directions() -> None:
    assert len(DESTRUCTIVE) >= 40 and len(SAFE) >= 40


def test_shell_truncate_is_not_called_sql() -> None:
    reason = destructive_reason("truncate -s 0 /var/log/syslog")
    assert reason is not None and "SQL" not in reason


def test_the_docstring_shows_the_table_as_it_is() -> None:
    assert safety.__doc__ is not None
    assert safety.table() in safety.__doc__


def test_team_entries_add_commands_and_flags() -> None:
    policy = Policy.from_entries(["mycli purge", "pg_ctl stop -m immediate"], [])
    assert "mycli purge" in (destructive_reason("mycli purge --all", policy) or "")
    assert "mycli purge" in (destructive_reason("sudo mycli -v purge cache", policy) or "")
    assert destructive_reason("mycli status", policy) is None
    assert destructive_reason("mycli purge") is None  # only with the team's list
    assert destructive_reason("pg_ctl stop -D /data -m immediate", policy)
    assert destructive_reason("pg_ctl stop -m fast", policy) is None


def test_team_safe_entries_override_the_table() -> None:
    policy = Policy.from_entries([], ["systemctl stop myapp-canary", "rm -rf"])
    assert destructive_reason("systemctl stop myapp-canary", policy) is None
    assert destructive_reason("systemctl stop redis", policy) == "systemctl stop"
    assert destructive_reason("rm -rf /tmp/build", policy) is None
    # What a safe command runs is still checked.
    assert destructive_reason("ssh web 'systemctl stop redis'", Policy.from_entries([], ["ssh"]))


@pytest.mark.parametrize("entry", ["", "  ", "--force", "mycli 'purge"])
def test_bad_team_entries_are_refused(entry: str) -> None:
    with pytest.raises(ValueError, match="entry"):
        Policy.from_entries([entry], [])


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("clear Redis data (WARNING: loses all cache)", "WARNING"),
        ("Danger: this drops the replica", "DANGER"),
        ("caution - data loss", "CAUTION"),
        ("Purge the queue (use with caution)", "CAUTION"),
        ("Warnings are shown in yellow", None),
        ("Check the cautionary tale", None),
        ("Restart the service", None),
    ],
)
def test_marker(text: str, word: str | None) -> None:
    assert marker(text) == word


command_text = st.lists(
    st.sampled_from(
        [
            *DESTRUCTIVE,
            *SAFE,
            "sudo",
            "ssh h",
            "xargs",
            "'",
            '"',
            " ",
            ";",
            "|",
            ">",
            "-9",
            "KILL",
            "stop",
            "of=/dev/x",
            "where",
            "\\\n",
            "rm",
            "dd",
            "systemctl",
            "service",
            "x",
        ]
    ),
    max_size=6,
).map(" ".join)


@settings(max_examples=400, deadline=EXAMPLE_BUDGET)
@given(command_text)
def test_prefilter_never_hides_a_destructive_command(command: str) -> None:
    assert destructive_reason(command) == _reason(command)


def _steps(text: str, policy: Policy = safety.DEFAULT) -> dict[str, list[str]]:
    from runbookkit.parsing import parse_text

    runbook = parse_text(text, policy=policy)
    return {
        step.title: step.destructive_reasons
        for section in runbook.sections
        for block in section.blocks()
        for step in block.steps
    }


def test_a_prompted_transcript_command_is_checked_without_its_prompt() -> None:
    text = (
        '# R\n\n## Fix\n\n```console\n$ oc delete pod web-1\npod "web-1" deleted\n```\n\n'
        "```bash\n# Step 1: Clean\n$ sudo kubectl delete pvc data\n```\n"
    )
    reasons = list(_steps(text).values())
    assert reasons == [["oc delete"], ["kubectl delete"]]


def test_a_warning_heading_marks_the_steps_under_it() -> None:
    text = (
        "# R\n\n## Fix (use with caution)\n\n```bash\necho one\n```\n\n"
        "### Rebuild\n\n```bash\necho two\n```\n\n"
        "## Prevention\n\n### Danger zone\n\n```bash\necho three\n```\n\n"
        "### Routine\n\n```bash\necho four\n```\n"
    )
    assert _steps(text) == {
        "Fix (use with caution)": ["marked CAUTION"],
        "Rebuild": ["marked CAUTION"],
        "Danger zone": ["marked DANGER"],
        "Routine": [],
    }


def test_a_comment_marks_its_step_but_quoted_words_do_not() -> None:
    text = (
        "# R\n\n## Fix\n\n```bash\n# Step 1: Purge\n# Warning: the queue is emptied\n"
        'mycli purge\n\n# Step 2: Look\ngrep WARNING app.log\necho "WARNING: x"\n```\n'
    )
    assert _steps(text) == {"Purge": ["marked WARNING"], "Look": []}


def test_the_team_policy_reaches_the_parser() -> None:
    text = "# R\n\n## Fix\n\n```bash\n# Step 1: Purge\nmycli purge --all\n```\n"
    assert _steps(text) == {"Purge": []}
    policy = Policy.from_entries(["mycli purge"], [])
    assert _steps(text, policy) == {"Purge": ["mycli purge (team list)"]}


def test_a_comment_before_the_first_step_marker_warns_about_every_step_of_the_block() -> None:
    text = (
        "# R\n\n## Fix\n\n```bash\n# DANGER: both steps lose data\n\n"
        "# Step 1: Flush\nredis-cli FLUSHALL\n\n# Step 2: Restart\nsystemctl restart redis\n```\n"
        "\n```bash\n# Step 3: Check\nredis-cli ping\n```\n"
    )
    assert _steps(text) == {
        "Flush": ["redis-cli FLUSHALL", "marked DANGER"],
        "Restart": ["marked DANGER"],
        "Check": [],
    }
