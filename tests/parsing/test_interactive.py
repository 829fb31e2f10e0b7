"""Commands that need a terminal or never end, and look-alikes that don't."""

from __future__ import annotations

import pytest

from runbookkit.parsing.interactive import reason
from runbookkit.parsing.steps import shell_steps

# command → a word the reason must contain (None: not interactive)
TABLE: list[tuple[str, str | None]] = [
    ("vim /etc/nginx/nginx.conf", "editor"),
    ("sudo vi /etc/hosts", "editor"),
    ("nano x", "editor"),
    ("EDITOR=vim kubectl edit deploy/web", "editor"),
    ("oc edit dc/web", "editor"),
    ("crontab -e", "editor"),
    ("sudo systemctl edit nginx", "editor"),
    ("sudo visudo", "editor"),
    ("emacs x", "editor"),
    ("less /var/log/syslog", "pager"),
    ("journalctl -u x | less", "pager"),
    ("more README", "pager"),
    ("man ssh", "pager"),
    ("tail -f /var/log/x.log", "follows"),
    ("tail -F x", "follows"),
    ("tail --follow=name x", "follows"),
    ("tail -fn 100 x | grep error", "follows"),
    ("journalctl -fu nginx", "follows"),
    ("sudo journalctl --follow -u x", "follows"),
    ("kubectl logs -f deploy/web", "follows"),
    ("kubectl -n prod logs --follow pod/x", "follows"),
    ("oc logs -f dc/web", "follows"),
    ("docker logs -f web", "follows"),
    ("docker compose logs -f api", "follows"),
    ("docker-compose logs --follow", "follows"),
    ("pm2 logs app", "follows"),
    ("stern web", "follows"),
    ("kubectl get pods -w", "watches"),
    ("kubectl get pods --watch", "watches"),
    ("watch -n 1 'kubectl get pods'", "screen"),
    ("top", "screen"),
    ("sudo htop", "screen"),
    ("iotop -o", "screen"),
    ("iftop -i eth0", "screen"),
    ("nmon", "screen"),
    ("docker stats", "screen"),
    ("kubectl port-forward svc/web 8080:80", "until stopped"),
    ("kubectl proxy", "until stopped"),
    ("kubectl exec -it web-0 -- sh", "terminal"),
    ("kubectl exec -ti web-0 -- bash", "terminal"),
    ("kubectl exec -i -t web-0 -- bash", "terminal"),
    ("kubectl attach web-0", "terminal"),
    ("docker exec -it web sh", "terminal"),
    ("docker attach web", "terminal"),
    ("docker run -it --rm alpine sh", "terminal"),
    ("oc debug node/worker-1", "terminal"),
    ("oc rsh web-0", "terminal"),
    ("ssh ops@bastion", "ssh session"),
    ("ssh -i key -p 2222 ops@bastion", "ssh session"),
    ('ssh host "tail -f /var/log/x"', "follows"),
    ("ssh -J jump host 'journalctl -f'", "follows"),
    ("psql -h db -U app", "prompt"),
    ("mysql -u root -p", "prompt"),
    ("redis-cli -h cache -p 6380", "prompt"),
    ("redis-cli monitor", "follows"),
    ("mongosh mongodb://db/app", "prompt"),
    ("mongo", "prompt"),
    ("sqlite3 app.db", "prompt"),
    ("python3", "prompt"),
    ("python", "prompt"),
    ("node", "prompt"),
    ("irb", "prompt"),
    ("read -p 'Continue? ' answer", "input"),
    ("read answer", "input"),
    ("tmux attach -t ops", "multiplexer"),
    ("tmux", "multiplexer"),
    ("screen -r", "multiplexer"),
    ("sudo -i", "root shell"),
    ("env TERM=xterm nohup time tail -f x", "follows"),
    # No false alarms:
    ("tail -n 100 /var/log/x.log", None),
    ("tail -100 x", None),
    ("journalctl -u x --since today", None),
    ("journalctl -u nginx -n 50 --no-pager", None),
    ("kubectl logs pod --tail=50", None),
    ("kubectl logs -n prod web-0 -c app", None),
    ("kubectl get pods -owide", None),
    ("kubectl get pods --watch=false", None),
    ("kubectl exec web-0 -- ls /", None),
    ("kubectl exec -i web-0 -- psql < dump.sql", None),
    ("docker logs --tail 20 web", None),
    ("docker exec web ls", None),
    ("docker run -d -it nginx", None),
    ("docker stats --no-stream", None),
    ("pm2 logs app --nostream --lines 50", None),
    ("psql -c 'select 1'", None),
    ("psql -h db -f fix.sql", None),
    ("psql -l", None),
    ("psql app < fix.sql", None),
    ("psql app <<'SQL'\nselect 1;\nSQL", None),
    ("echo 'select 1' | psql app", None),
    ("redis-cli ping", None),
    ("redis-cli -h cache INFO replication", None),
    ("redis-cli --scan --pattern 'x*'", None),
    ("mysql -e 'show processlist'", None),
    ("mysql -u root db < dump.sql", None),
    ("mongosh --eval 'db.stats()'", None),
    ("sqlite3 app.db 'select 1'", None),
    ("python3 script.py", None),
    ("python3 -m http.server", None),
    ("python3 -c 'print(1)'", None),
    ("node server.js", None),
    ("grep less file", None),
    ("echo 'watch this space'", None),
    ('echo "run top and vim"', None),
    ("cat /etc/more.conf", None),
    ("ssh host uptime", None),
    ("ssh host 'tail -n 5 x'", None),
    ("top -b -n 1", None),
    ("timeout 10 tail -f x", None),
    ("tmux ls", None),
    ("tmux new -d -s job 'make'", None),
    ("screen -ls", None),
    ("while read -r line; do echo $line; done < hosts.txt", None),
    ("cat hosts | while read h; do ping -c1 $h; done", None),
    ('read -r a b <<< "$pair"', None),
    ("systemctl restart nginx", None),
    ("crontab -l", None),
    ("su - postgres -c 'psql -c \"select 1\"'", None),
    ("ls -la", None),
]


@pytest.mark.parametrize(("command", "word"), TABLE, ids=[c for c, _ in TABLE])
def test_interactive_table(command: str, word: str | None) -> None:
    found = reason(command)
    if word is None:
        assert found is None
    else:
        assert found is not None and word in found


def test_the_table_covers_both_directions() -> None:
    assert sum(w is None for _, w in TABLE) >= 40
    assert sum(w is not None for _, w in TABLE) >= 40


def test_commands_in_a_block_carry_their_reason() -> None:
    steps, _ = shell_steps("kubectl get pods\nkubectl logs -f web-0\n", 1, "bash", "Look")
    first, second = steps[0].commands
    assert first.interactive is None
    assert second.interactive == "kubectl logs -f follows output until stopped"


def test_the_remote_command_of_an_ssh_line_is_looked_at() -> None:
    steps, _ = shell_steps('ssh ops@h "tail -f /var/log/app.log"\n', 1, "bash", "Look")
    (command,) = steps[0].commands
    assert command.target is not None and command.text == "tail -f /var/log/app.log"
    assert command.interactive is not None and "follows" in command.interactive
