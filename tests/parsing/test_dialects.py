"""Runbooks in other dialects: each one's sections, subsections and steps against a table.

The table below was checked by hand against the text of each runbook in tests/data/dialects/.
"""

# ruff: noqa: E501  (the table quotes the runbooks' long commands as written)

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from runbookkit.model import Runbook, Step, to_data
from runbookkit.parsing import parse_file
from tests.conftest import DATA, ROOT

DIALECTS = DATA / "dialects"


@dataclass(frozen=True)
class C:
    """An expected command: what runs, where (``user@host:port``; None is local), its output.

    ``expect`` is the output checked, ``sample`` the output shown after a ``$ `` prompt.
    """

    text: str
    on: str | None = None
    expect: str | None = None
    destructive: str | None = None
    sample: str | None = None


@dataclass(frozen=True)
class S:
    """An expected step, in the block (section or subsection id) that holds it."""

    block: str
    title: str
    commands: tuple[C, ...] = ()
    kind: str = "shell"
    number: int | None = None
    retry: tuple[int, float] | None = None
    destructive: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    """What one runbook must parse into."""

    title: str
    sections: tuple[str, ...]
    subsections: tuple[str, ...]
    steps: tuple[S, ...]
    meta: dict[str, Any] = field(default_factory=dict)
    snippets: tuple[tuple[str, str | None], ...] = ()
    examples: tuple[int, ...] = ()
    tasks: tuple[tuple[str, bool, tuple[str | None, ...]], ...] = ()
    dated: tuple[tuple[str, str], ...] = ()
    links: tuple[str, ...] = ()


# fmt: off
CASES: dict[str, Case] = {
    'backup-restore-volume': Case(
        title='Nightly backup failed: restore the data volume',
        meta={'severity': 'critical', 'mttr': (120.0, 120.0)},
        sections=('symptoms', 'escalation', 'fix', 'related-resources'),
        subsections=('fix/step-by-step-restore', 'fix/reboot-if-the-kernel-still-shows-the-old-device'),
        steps=(
            S('fix/step-by-step-restore', 'Stop everything that writes to the volume', (C('systemctl stop smbd nfs-server', destructive='systemctl stop'),), number=1, destructive=('systemctl stop',)),
            S('fix/step-by-step-restore', 'Unmount it', (C('umount /srv/data'),), number=2),
            S('fix/step-by-step-restore', 'Recreate the filesystem (WARNING: erases the volume)', (C('mkfs.ext4 -F -L data /dev/vg0/data', destructive='mkfs.ext4'),), number=3, destructive=('mkfs.ext4', 'marked WARNING')),
            S('fix/step-by-step-restore', 'Zero the first sectors of the old spare disk', (C('dd if=/dev/zero of=/dev/sdc bs=1M count=10 status=progress', destructive='dd of='),), number=4, destructive=('dd of=',)),
            S('fix/step-by-step-restore', 'Mount and restore the last snapshot', (C('mount /srv/data'), C('restic -r s3:https://s3.example.com/backups/files-1 restore latest --target /srv/data \\\n  --include /srv/data'),), number=5),
            S('fix/step-by-step-restore', 'Start the services again', (C('systemctl start smbd nfs-server'),), number=6),
            S('fix/reboot-if-the-kernel-still-shows-the-old-device', 'Reboot if the kernel still shows the old device', (C('sudo shutdown -r +1 "restoring /srv/data"', destructive='shutdown'),), destructive=('shutdown',)),
        ),
        links=('https://restic.readthedocs.io/en/stable/050_restore.html',),
    ),
    'dns-resolution-failure': Case(
        title='DNS resolution failures inside the cluster',
        meta={'severity': 'critical', 'pattern': '(?i)(no such host|SERVFAIL|i/o timeout).*(:53|lookup)'},
        sections=('symptoms', 'diagnosis', 'fix', 'prevention', 'history', 'related-resources'),
        subsections=(),
        steps=(
            S('diagnosis', 'Resolve from a throwaway pod', (C('kubectl run dnscheck --rm -i --restart=Never --image=busybox:1.36 -- nslookup kubernetes.default', expect='Address 1: 10.96.0.1'),), number=1),
            S('diagnosis', 'CoreDNS pods and their restarts', (C('kubectl -n kube-system get pods -l k8s-app=kube-dns -o wide'),), number=2),
            S('fix', 'Restart CoreDNS', (C('kubectl -n kube-system rollout restart deploy/coredns'), C('kubectl -n kube-system rollout status deploy/coredns --timeout=120s', expect='successfully rolled out'),), number=1),
            S('prevention', 'Enable NodeLocal DNSCache', (C('kubectl apply -f https://k8s.io/examples/admin/dns/nodelocaldns.yaml'),)),
        ),
        tasks=(('Run CoreDNS with at least 3 replicas', True, ()), ('Enable NodeLocal DNSCache', False, ('bash',)), ('Add a blackbox probe for `kubernetes.default`', False, ('yaml',))),
        dated=(('2025-07-21', 'CoreDNS OOM-killed after a config loop (raised memory limit)'), ('2025-05-03', 'Upstream resolver at the provider returned SERVFAIL for 40 minutes'), ('2025-02-14', 'NodeLocal DNSCache rollout broke search domains')),
        links=('https://kubernetes.io/docs/tasks/administer-cluster/dns-debugging-resolution/', 'https://coredns.io/manual/toc/'),
    ),
    'elasticsearch-cluster-red': Case(
        title='Elasticsearch cluster health is RED',
        meta={'severity': 'critical', 'tags': ['search', 'elasticsearch'], 'hosts': 'es-masters', 'secrets': ['ES_PASSWORD']},
        sections=('symptoms', 'diagnosis', 'fix', 'related-resources'),
        subsections=('diagnosis/cluster-health', 'diagnosis/why-shards-are-unassigned', 'fix/retry-failed-allocations', 'fix/caution-accept-data-loss-on-a-dead-shard', 'fix/drop-the-broken-index'),
        steps=(
            S('diagnosis/cluster-health', 'Cluster health', (C('curl -s -u "elastic:$ES_PASSWORD" "https://es-master-1.internal:9200/_cluster/health?pretty"', expect='"status" : "red"'),)),
            S('diagnosis/why-shards-are-unassigned', 'Why shards are unassigned', (C('curl -s -u "elastic:$ES_PASSWORD" -H \'Content-Type: application/json\' \\\n  "https://es-master-1.internal:9200/_cluster/allocation/explain?pretty" -d \'{\n    "index": "logs-2025.11.20",\n    "shard": 0,\n    "primary": true\n  }\''),)),
            S('fix/retry-failed-allocations', 'Retry failed allocations', (C('curl -s -u "elastic:$ES_PASSWORD" -X POST "https://es-master-1.internal:9200/_cluster/reroute?retry_failed=true"'),)),
            S('fix/caution-accept-data-loss-on-a-dead-shard', 'CAUTION: accept data loss on a dead shard', (C('curl -s -u "elastic:$ES_PASSWORD" -H \'Content-Type: application/json\' \\\n  -X POST "https://es-master-1.internal:9200/_cluster/reroute" -d \'{\n  "commands": [{"allocate_empty_primary": {"index": "logs-2025.11.20", "shard": 0, "node": "es-data-3", "accept_data_loss": true}}]\n}\''),), destructive=('marked CAUTION',)),
            S('fix/drop-the-broken-index', 'Drop the broken index', (C('curl -s -u "elastic:$ES_PASSWORD" -X DELETE "https://es-master-1.internal:9200/logs-2025.11.20"', destructive='curl -X DELETE'),), destructive=('curl -X DELETE',)),
        ),
        links=('https://www.elastic.co/guide/en/elasticsearch/reference/current/cluster-allocation-explain.html',),
    ),
    'haproxy-backend-down': Case(
        title='HAProxy backend has no healthy servers',
        meta={'severity': 'high', 'mttr': (5.0, 15.0), 'pattern': 'backend \\S+ has no server available!'},
        sections=('symptoms', 'diagnosis', 'fix', 'related-resources'),
        subsections=('fix/restart-the-api-service', 'fix/maintenance-mode', 'fix/known-messages'),
        steps=(
            S('diagnosis', 'Backend state from the stats socket', (C('echo "show servers state api" | ssh ops@lb-1 "sudo socat stdio /run/haproxy/admin.sock"'),), number=1),
            S('diagnosis', 'State on the load balancer', (C("echo 'show stat' | sudo socat stdio /run/haproxy/admin.sock | cut -d, -f1,2,18 | grep ^api", on='ops@lb-1', expect='api,api-1,UP'),), number=2),
            S('diagnosis', 'Health endpoint of one server', (C("curl -s -o /dev/null -w '%{http_code}' http://api-1.internal:8080/health", on='ops@lb-1', expect='200'),), number=3),
            S('fix/restart-the-api-service', 'Restart on every API server', (C('for h in api-1 api-2; do ssh "ops@$h.internal" "sudo systemctl restart api"; done'),), number=1),
            S('fix/restart-the-api-service', 'Wait for HAProxy to mark them up', (C("echo 'show stat' | sudo socat stdio /run/haproxy/admin.sock | grep -c '^api,api-.*,UP'", on='ops@lb-1', expect='2'),), number=2, retry=(12, 5.0)),
            S('fix/maintenance-mode', 'Stop HAProxy to show the maintenance page from the CDN', (C('sudo service haproxy stop', on='ops@lb-1', destructive='service stop'),), number=3, destructive=('service stop',)),
        ),
        snippets=(('symptoms', 'log'), ('fix/known-messages', 'text')),
        examples=(12,),
        links=('https://docs.haproxy.org/2.8/management.html',),
    ),
    'k8s-node-disk-pressure': Case(
        title='Kubernetes node under DiskPressure',
        meta={'severity': 'high', 'tags': ['kubernetes', 'node', 'disk'], 'hosts': 'k8s-workers'},
        sections=('symptoms', 'diagnosis', 'fix', 'prevention'),
        subsections=('fix/clean-up-images-and-logs', 'fix/last-resort-recycle-the-kubelet-state', 'fix/patch-the-eviction-threshold'),
        steps=(
            S('diagnosis', 'Which nodes are affected', (C('kubectl get nodes -o jsonpath=\'{range .items[*]}{.metadata.name}{"\\t"}{.status.conditions[?(@.type=="DiskPressure")].status}{"\\n"}{end}\''),), number=1),
            S('diagnosis', 'What uses the disk on the node', (C('sudo du -xh --max-depth=2 /var/lib | sort -h | tail -15', on='admin@worker-7'),), number=2),
            S('fix/clean-up-images-and-logs', 'Cordon the node', (C('kubectl cordon worker-7'),), number=1),
            S('fix/clean-up-images-and-logs', 'Remove unused images', (C('sudo crictl rmi --prune', on='admin@worker-7'),), number=2),
            S('fix/clean-up-images-and-logs', 'Trim the journal', (C('sudo journalctl --vacuum-size=500M', on='admin@worker-7'),), number=3),
            S('fix/clean-up-images-and-logs', 'Uncordon when the condition clears', (C('kubectl get node worker-7 -o jsonpath=\'{.status.conditions[?(@.type=="DiskPressure")].status}\'', expect='False'), C('kubectl uncordon worker-7'),), number=4, retry=(20, 15.0)),
            S('fix/last-resort-recycle-the-kubelet-state', 'Stop the kubelet and wipe its pod directories', (C('sudo systemctl stop kubelet', on='admin@worker-7', destructive='systemctl stop'), C('sudo rm -rf /var/lib/kubelet/pods/*', on='admin@worker-7', destructive='rm -rf'), C('sudo systemctl start kubelet', on='admin@worker-7'),), number=5, destructive=('systemctl stop', 'rm -rf')),
            S('fix/patch-the-eviction-threshold', 'Raise the image GC threshold', (C("kubectl patch configmap kubelet-config -n kube-system --type merge -p '\ndata:\n  kubelet: |\n    imageGCHighThresholdPercent: 75\n    imageGCLowThresholdPercent: 60\n'"),), number=6),
        ),
        snippets=(('symptoms', None),),
        examples=(16,),
        tasks=(('Alert on node filesystem above 80%', True, ()), ('Ship container logs off the node', False, ('yaml',)), ('Size `/var/lib` at 100 GiB on new node pools', False, ())),
    ),
    'gitlab-playbook-disk-io': Case(
        title='Gitaly disk I/O saturated',
        sections=('symptoms', 'services', 'metrics', 'alert-behavior', 'verification', 'history', 'diagnosis', 'fix', 'related-resources', 'escalation'),
        subsections=(),
        steps=(
            S('verification', 'Verification', (C('iostat -x 5 3'),)),
            S('diagnosis', 'Troubleshooting', (C('sudo iotop -b -n 3 -o'),)),
            S('fix', 'Move the busiest repositories away', (C('sudo gitlab-rake gitlab:gitaly:rebalance'),), number=1),
        ),
        links=('https://dashboards.example.com/d/storage',),
    ),
    'kb-solutions-workarounds': Case(
        title='Jenkins agents offline after an upgrade',
        sections=('symptoms', 'diagnosis', 'fix', 'rollback', 'verification'),
        subsections=('fix/workaround', 'fix/recovery'),
        steps=(
            S('diagnosis', 'Debugging', (C('journalctl -u jenkins-agent --since -30min | tail -n 20'),)),
            S('fix/workaround', 'Workaround', (C('sudo systemctl restart jenkins-agent'),)),
            S('fix/recovery', 'Recovery', (C('sudo -u jenkins java -jar /opt/agent.jar -url https://ci.example.com -secret @/etc/jenkins/secret'),)),
            S('rollback', 'Roll back', (C('sudo apt-get install -y --allow-downgrades jenkins=2.440.3'),)),
            S('verification', 'Verify', (C("curl -s https://ci.example.com/computer/api/json | jq '.computer[].offline'"),)),
        ),
    ),
    'kafka-consumer-lag': Case(
        title='Kafka Consumer Lag Troubleshooting',
        meta={'severity': 'medium'},
        sections=('symptoms', 'diagnosis', 'fix', 'related-resources'),
        subsections=(),
        steps=(
            S('diagnosis', 'Describe the consumer group', (C('kafka-consumer-groups.sh --bootstrap-server kafka-1:9092 \\\n  --describe --group orders-enricher'),), number=1),
            S('diagnosis', 'Check the consumer pods', (C('kubectl -n orders get pods -l app=orders-enricher -o wide'),), number=2),
            S('diagnosis', 'Look for rebalances in the logs', (C('kubectl -n orders logs deploy/orders-enricher --since=15m | grep -i "rebalanc"'),), number=3),
            S('fix', 'Scale the consumers up to the partition count', (C('kubectl -n orders scale deploy/orders-enricher --replicas=12'),), number=1),
            S('fix', 'Wait for the lag to fall', (C('kafka-consumer-groups.sh --bootstrap-server kafka-1:9092 --describe --group orders-enricher | awk \'NR>1 {lag += $6} END {print (lag < 1000) ? "caught-up" : "lagging"}\'', expect='caught-up'),), number=2, retry=(30, 10.0)),
            S('fix', 'Reset the offset of the stuck partition by one (CAUTION: the message is lost)', (C('kafka-consumer-groups.sh --bootstrap-server kafka-1:9092 --group orders-enricher \\\n  --topic orders:7 --reset-offsets --shift-by 1 --execute'),), number=3, destructive=('marked CAUTION',)),
        ),
        links=('https://kafka.apache.org/documentation/#basic_ops_consumer_group',),
    ),
    'mysql-replication-lag': Case(
        title='MySQL replica lagging behind the primary',
        meta={'severity': 'medium', 'tags': ['mysql', 'replication'], 'hosts': 'mysql-replicas', 'secrets': ['MYSQL_PWD']},
        sections=('symptoms', 'diagnosis', 'fix', 'related-resources'),
        subsections=('fix/if-a-bad-statement-blocks-the-sql-thread',),
        steps=(
            S('diagnosis', 'Replication status', (C('mysql -h mysql-replica-2 -u monitor -e "SHOW REPLICA STATUS\\G" | grep -E \'Seconds_Behind|Running|Last_SQL_Error\''),), number=1),
            S('diagnosis', 'Long transactions on the replica', (C('mysql -h mysql-replica-2 -u monitor <<EOF\nSELECT trx_id, trx_started, TIMESTAMPDIFF(SECOND, trx_started, NOW()) AS age\nFROM information_schema.innodb_trx\nORDER BY trx_started\nLIMIT 5;\nEOF'),), number=2),
            S('fix', 'Turn on parallel replication', (C('mysql -h mysql-replica-2 -u admin -e "STOP REPLICA SQL_THREAD; SET GLOBAL replica_parallel_workers = 8; START REPLICA SQL_THREAD;"'),), number=1),
            S('fix', 'Wait until it has caught up', (C('mysql -h mysql-replica-2 -u monitor -e "SHOW REPLICA STATUS\\G" | awk \'/Seconds_Behind_Source/ {print ($2 < 5) ? "in-sync" : "behind"}\'', expect='in-sync'),), number=2, retry=(60, 5.0)),
            S('fix/if-a-bad-statement-blocks-the-sql-thread', 'Empty the scratch table that the failing statement writes to', (C('mysql -h mysql-replica-2 -u admin -e "TRUNCATE TABLE reporting.tmp_daily_rollup"', destructive='SQL TRUNCATE'),), number=3, destructive=('SQL TRUNCATE',)),
            S('fix/if-a-bad-statement-blocks-the-sql-thread', 'Skip the broken transaction', (C('mysql -h mysql-replica-2 -u admin -e "STOP REPLICA; SET GLOBAL sql_replica_skip_counter = 1; START REPLICA;"'),), number=4),
        ),
        links=('https://dev.mysql.com/doc/refman/8.0/en/replication-administration-status.html',),
    ),
    'nginx-502-bad-gateway': Case(
        title='🌐 Nginx returns 502 Bad Gateway',
        meta={'severity': 'high', 'mttr': (10.0, 10.0), 'pattern': 'upstream (prematurely closed|timed out).*while reading response header'},
        sections=('diagnosis', 'fix', 'related-resources'),
        subsections=('diagnosis/upstream-response-times', 'fix/restart-the-app-workers', 'fix/rollback'),
        steps=(
            S('diagnosis', 'Is it every upstream or one?', (C("tail -n 200 /var/log/nginx/error.log | grep -c 'upstream prematurely closed'", on='ops@edge-1.example.net', sample='37'),)),
            S('diagnosis', 'Are the app servers up?', (C('for host in app-1 app-2 app-3; do\n  curl -s -o /dev/null -w "%{http_code} $host\\n" \\\n    --max-time 3 \\\n    "http://$host.internal:8000/healthz"\ndone'),)),
            S('diagnosis/upstream-response-times', 'Upstream response times', (C("awk '{print $NF}' /var/log/nginx/access.log | sort -n | tail -5", on='ops@edge-1.example.net'),)),
            S('fix/restart-the-app-workers', 'Reload gunicorn gracefully on each app server', (C('sudo systemctl reload gunicorn', on='deploy@app-1.internal'), C('sudo systemctl reload gunicorn', on='deploy@app-2.internal'),), number=1),
            S('fix/restart-the-app-workers', 'Raise the proxy timeout if the upstream is just slow', (C("sudo sed -i 's/proxy_read_timeout 30s/proxy_read_timeout 90s/' /etc/nginx/conf.d/app.conf && sudo nginx -t && sudo systemctl reload nginx", on='ops@edge-1.example.net', expect='syntax is ok'),), number=2),
            S('fix/rollback', 'Put the old timeout back', (C("sudo sed -i 's/proxy_read_timeout 90s/proxy_read_timeout 30s/' /etc/nginx/conf.d/app.conf && sudo systemctl reload nginx", on='ops@edge-1.example.net'),), number=1),
        ),
        links=('https://nginx.org/en/docs/http/ngx_http_upstream_module.html', 'https://grafana.example.net/d/edge'),
    ),
    'postgres-disk-full': Case(
        title='PostgreSQL data volume almost full',
        meta={'severity': 'high', 'tags': ['postgres', 'disk'], 'hosts': 'db-primary', 'secrets': ['PGPASSWORD'], 'mttr': (20.0, 40.0)},
        sections=('symptoms', 'diagnosis', 'fix', 'related-resources'),
        subsections=('diagnosis/find-what-grew', 'diagnosis/check-replication-slots', 'fix/drop-an-abandoned-slot', 'fix/purge-the-audit-table', 'fix/remove-old-server-logs'),
        steps=(
            S('diagnosis/find-what-grew', 'Check the volume', (C('df -h /var/lib/postgresql', on='postgres@db-primary.internal:2222'),), number=1),
            S('diagnosis/find-what-grew', 'Largest databases', (C('psql -Atc "select datname, pg_size_pretty(pg_database_size(datname)) from pg_database order by pg_database_size(datname) desc limit 5"', on='postgres@db-primary.internal:2222'),), number=2),
            S('diagnosis/find-what-grew', 'WAL directory size', (C('du -sh /var/lib/postgresql/16/main/pg_wal', on='postgres@db-primary.internal:2222'),), number=3),
            S('fix/drop-an-abandoned-slot', 'Drop the slot (WARNING: the replica using it must be rebuilt)', (C('psql -h db-primary.internal -U postgres -c "select pg_drop_replication_slot(\'replica_old\')"'),), number=1, destructive=('marked WARNING',)),
            S('fix/purge-the-audit-table', 'Archive and purge audit rows', (C("psql -h db-primary.internal -U postgres -d app <<'SQL'\n\\copy audit_log to '/backup/audit_log.csv' csv header\nDELETE FROM audit_log;\nVACUUM (VERBOSE) audit_log;\nSQL", destructive='SQL DELETE without WHERE'),), number=2, destructive=('SQL DELETE without WHERE',)),
            S('fix/remove-old-server-logs', 'Delete logs older than a week', (C("find /var/lib/postgresql/16/main/log -name '*.log' -mtime +7 -print -delete", on='postgres@db-primary.internal:2222', destructive='find -delete'),), number=3, destructive=('find -delete',)),
            S('fix/remove-old-server-logs', 'Confirm the space came back', (C('df --output=pcent /var/lib/postgresql | tail -1', on='postgres@db-primary.internal:2222'),), number=4),
        ),
        snippets=(('diagnosis/check-replication-slots', 'sql'),),
        links=('https://www.postgresql.org/docs/16/warm-standby.html#STREAMING-REPLICATION-SLOTS', 'https://www.postgresql.org/docs/16/diskusage.html'),
    ),
    'prometheus-high-error-rate': Case(
        title='HTTP 5xx error rate above SLO',
        meta={'severity': 'critical', 'tags': ['slo', 'http', 'checkout'], 'hosts': 'checkout-web', 'secrets': ['GRAFANA_TOKEN']},
        sections=('symptoms', 'impact', 'diagnosis', 'fix'),
        subsections=(),
        steps=(
            S('diagnosis', 'Check which instances return errors', (C('curl -s -H "Authorization: Bearer $GRAFANA_TOKEN" \\\n  "http://prometheus.internal:9090/api/v1/query?query=sum+by+(instance)(rate(http_requests_total{code=~\\"5..\\"}[5m]))" | jq -r \'.data.result[] | "\\(.metric.instance) \\(.value[1])"\'', sample='checkout-web-1:8080 0.01\ncheckout-web-3:8080 4.2'),)),
            S('diagnosis', 'Look at the error log of the worst instance', (C("journalctl -u checkout --since '-15 min' | grep -c ERROR", on='deploy@checkout-web-3:2222', sample='1284'), C('systemctl is-active checkout', on='deploy@checkout-web-3:2222', sample='active'),)),
            S('diagnosis', 'Check the database pool, which is the usual cause', (C('psql -h db.internal -U checkout -c "select count(*) from pg_stat_activity where datname = \'checkout\'"', sample=' count\n-------\n   200\n(1 row)'),)),
            S('fix', 'Drain the instance', (C('haproxyctl disable server checkout/checkout-web-3', on='deploy@lb-1:2222'),), number=1),
            S('fix', 'Restart the service', (C('sudo systemctl restart checkout', on='deploy@checkout-web-3:2222'),), number=2),
            S('fix', 'Wait for health', (C('curl -fsS http://checkout-web-3:8080/healthz', expect='ok'),), number=3, retry=(10, 1.0)),
            S('fix', 'Put it back', (C('haproxyctl enable server checkout/checkout-web-3', on='deploy@lb-1:2222'),), number=4),
            S('fix', 'If the whole fleet is affected, roll back the last deploy', (C('deploy rollback checkout --to previous --yes'),)),
        ),
        snippets=(('symptoms', 'promql'),),
    ),
    'rabbitmq-queue-backlog': Case(
        title='RabbitMQ queue backlog',
        meta={'severity': 'low', 'pattern': 'queue_messages_ready\\{queue="invoices"\\} > 10000'},
        sections=('symptoms', 'diagnosis', 'fix', 'related-resources'),
        subsections=(),
        steps=(
            S('diagnosis', 'Diagnosis', (C('rabbitmqctl list_queues name messages_ready messages_unacknowledged consumers \\\n  --vhost billing --formatter pretty_table', sample='┌──────────┬────────────────┬─────────────────────────┬───────────┐\n│ name     │ messages_ready │ messages_unacknowledged │ consumers │\n├──────────┼────────────────┼─────────────────────────┼───────────┤\n│ invoices │ 48211          │ 0                       │ 0         │\n└──────────┴────────────────┴─────────────────────────┴───────────┘'), C('rabbitmqctl list_consumers --vhost billing', sample='Listing consumers in vhost billing ...'),)),
            S('fix', 'Fix', (C('sudo systemctl restart invoice-worker', on='billing@invoice-worker-1:2200'), C('rabbitmqctl list_consumers --vhost billing | grep -c invoices', sample='4'),), notes=('Restart the invoice workers and check that they attach',)),
            S('fix', 'If the backlog is made of test messages from the load test, purge it', (C('rabbitmqctl purge_queue invoices --vhost billing', sample="Purging queue 'invoices' in vhost 'billing' ..."),)),
        ),
        links=('https://www.rabbitmq.com/docs/man/rabbitmqctl.8',),
    ),
    'tls-certificate-expiry': Case(
        title='TLS certificate expires soon',
        meta={'severity': 'medium', 'mttr': (30.0, 60.0), 'pattern': 'certificate (has expired|will expire)'},
        sections=('symptoms', 'diagnosis', 'fix', 'prevention', 'history'),
        subsections=(),
        steps=(
            S('diagnosis', 'Read the expiry date from the live endpoint', (C('echo | openssl s_client -connect shop.example.com:443 -servername shop.example.com 2>/dev/null | openssl x509 -noout -enddate'),), number=1),
            S('diagnosis', 'Log in to the proxy to look around (interactive, stays local)', (C('ssh -J bastion.example.com ops@proxy-1.internal'),), number=2),
            S('diagnosis', 'Compare with the file on disk', (C('cat /etc/ssl/shop.example.com.pem | ssh ops@proxy-1.internal "openssl x509 -noout -enddate"'),), number=3),
            S('fix', 'Renew with certbot', (C('sudo certbot renew --cert-name shop.example.com', on='ops@proxy-1.internal'),), number=1),
            S('fix', 'Reload the proxy', (C('sudo systemctl reload haproxy', on='ops@proxy-1.internal'),), number=2),
            S('fix', 'Check the new date', (C('echo | openssl s_client -connect shop.example.com:443 2>/dev/null | openssl x509 -noout -checkend 2592000', expect='Certificate will not expire'),), number=3),
        ),
        snippets=(('symptoms', 'text'),),
        examples=(13,),
        tasks=(('Run `certbot renew` from a systemd timer on every proxy', False, ()), ('Alert 21 days before expiry, not 7', False, ())),
        dated=(('2025-09-01', 'Renewal failed because port 80 was closed by a firewall change'), ('2025-03-12', 'Expired on the staging proxy, nobody was paged')),
    ),
    'worker-oom-killed': Case(
        title='Worker process killed by the OOM killer',
        meta={'severity': 'high', 'tags': ['celery', 'memory'], 'mttr': (15.0, 30.0), 'pattern': 'Out of memory: Killed process \\d+ \\(celery\\)'},
        sections=('symptoms', 'diagnosis', 'fix', 'notes'),
        subsections=('symptoms/what-you-see', 'symptoms/examples', 'diagnosis/confirm-the-oom-kill', 'diagnosis/memory-per-worker-process', 'fix/immediate-actions', 'fix/verification', 'fix/rollback-plan'),
        steps=(
            S('diagnosis/confirm-the-oom-kill', 'Confirm the OOM kill', (C("sudo dmesg -T | grep -i 'killed process' | tail -5", on='ops@worker-2.internal'),)),
            S('diagnosis/memory-per-worker-process', 'Memory per worker process', (C('ps -o pid,rss,cmd -C celery --sort=-rss | head', on='ops@worker-2.internal'),)),
            S('fix/immediate-actions', 'Kill the runaway worker (DANGER: its in-flight tasks are lost)', (C("sudo pkill -9 -f 'celery worker'", on='ops@worker-2.internal', destructive='pkill -9'),), number=1, destructive=('pkill -9', 'marked DANGER')),
            S('fix/immediate-actions', 'Start the workers with a child memory cap', (C('sudo systemctl start celery@default', on='ops@worker-2.internal'),), number=2),
            S('fix/verification', 'Queue drains', (C('celery -A app inspect active --json | jq length', on='ops@worker-2.internal'),), number=3),
            S('fix/verification', 'Watch the dashboard for ten minutes', kind='manual', number=4, notes=('Open the "Celery workers" Grafana dashboard', 'Memory per worker should stay below 1.5 GB')),
            S('fix/rollback-plan', 'Go back to the previous worker config', (C('sudo cp /etc/celery/default.conf.bak /etc/celery/default.conf && sudo systemctl restart celery@default', on='ops@worker-2.internal'),), number=1),
        ),
        snippets=(('symptoms/examples', None), ('notes', None)),
        examples=(18,),
    ),

}
# fmt: on


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> tuple[Runbook, Case]:
    return parse_file(DIALECTS / f"{request.param}.md"), CASES[request.param]


def _steps(runbook: Runbook) -> list[tuple[str, Step]]:
    return [(b.id, st) for s in runbook.sections for b in s.blocks() for st in b.steps]


def test_every_dialect_file_has_a_case() -> None:
    assert sorted(p.stem for p in DIALECTS.glob("*.md")) == sorted(CASES)
    assert len(CASES) >= 12


def test_title_and_metadata(case: tuple[Runbook, Case]) -> None:
    runbook, want = case
    meta = runbook.metadata
    assert meta.title == want.title
    got = {
        "severity": meta.severity.value if meta.severity else None,
        "tags": meta.tags or None,
        "hosts": meta.hosts,
        "secrets": meta.secrets or None,
        "mttr": (meta.mttr.min_minutes, meta.mttr.max_minutes) if meta.mttr else None,
        "pattern": meta.pattern,
    }
    assert {k: v for k, v in got.items() if v is not None} == want.meta


def test_sections(case: tuple[Runbook, Case]) -> None:
    runbook, want = case
    assert tuple(s.id for s in runbook.sections) == want.sections


def test_subsections(case: tuple[Runbook, Case]) -> None:
    runbook, want = case
    assert tuple(b.id for s in runbook.sections for b in s.subsections) == want.subsections


def test_steps(case: tuple[Runbook, Case]) -> None:
    runbook, want = case
    got = _steps(runbook)
    assert [(block, st.title) for block, st in got] == [(s.block, s.title) for s in want.steps]
    for (block, step), expected in zip(got, want.steps, strict=True):
        where = f"{block}: {step.title}"
        assert step.kind == expected.kind, where
        assert step.number == expected.number, where
        assert step.notes == list(expected.notes), where
        retry = (step.retry.attempts, step.retry.delay) if step.retry else None
        assert retry == expected.retry, where
        assert step.destructive is bool(expected.destructive), where
        assert tuple(step.destructive_reasons) == expected.destructive, where
        commands = [
            C(c.text, c.target.label if c.target else None, c.expected, c.destructive, c.sample)
            for c in step.commands
        ]
        assert commands == list(expected.commands), where


def test_snippets_examples_tasks_dated_links(case: tuple[Runbook, Case]) -> None:
    runbook, want = case
    blocks = [b for s in runbook.sections for b in s.blocks()]
    assert tuple((b.id, c.language) for b in blocks for c in b.snippets) == want.snippets
    assert tuple(e.line for e in runbook.examples) == want.examples
    tasks = tuple(
        (t.text, t.done, tuple(c.language for c in t.code)) for b in blocks for t in b.tasks
    )
    assert tasks == want.tasks
    assert tuple((d.date.isoformat(), d.text) for b in blocks for d in b.dated) == want.dated
    assert tuple(link.url for b in blocks for link in b.links) == want.links


def test_lines_point_at_the_text(case: tuple[Runbook, Case]) -> None:
    runbook, _ = case
    lines = (DIALECTS / f"{runbook.id}.md").read_text(encoding="utf-8").splitlines()
    for section in runbook.sections:
        for block in section.blocks():
            if block.line:
                assert block.title in lines[block.line - 1].replace("**", "")
        for _, step in _steps(runbook):
            for command in step.commands:
                first = command.raw.splitlines()[0]
                assert first.strip() in lines[command.line - 1]


SSH_DETAILS = [
    (
        "k8s-node-disk-pressure",
        27,
        "~/.ssh/k8s_ops",
        {"UserKnownHostsFile": "/etc/ssh/k8s_known_hosts"},
    ),
    ("nginx-502-bad-gateway", 13, None, {"StrictHostKeyChecking": "yes", "ConnectTimeout": "5"}),
    ("rabbitmq-queue-backlog", 30, "~/.ssh/billing_ops", {}),
    ("postgres-disk-full", 68, None, {}),
]


@pytest.mark.parametrize(("name", "line", "identity", "options"), SSH_DETAILS)
def test_ssh_identity_and_options(
    name: str, line: int, identity: str | None, options: dict[str, str]
) -> None:
    runbook = parse_file(DIALECTS / f"{name}.md")
    (command,) = [c for _, s in _steps(runbook) for c in s.commands if c.line == line]
    assert command.target is not None
    assert (command.target.identity, command.target.options) == (identity, options)


def test_json_validates_against_the_published_schema(case: tuple[Runbook, Case]) -> None:
    import json

    import jsonschema

    runbook, _ = case
    schema = json.loads((ROOT / "schema" / "runbook.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(to_data(runbook))


@pytest.mark.parametrize("name", ["kafka-consumer-lag", "nginx-502-bad-gateway"])
def test_show_renders_every_section(name: str, cli) -> None:
    result = cli("show", str(DIALECTS / f"{name}.md"))
    assert result.returncode == 0, result.stderr
    runbook = parse_file(DIALECTS / f"{name}.md")
    for section in runbook.sections:
        assert f"section {section.id}: {section.title}" in result.stdout
