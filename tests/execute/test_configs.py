"""The runners' invoke and Fabric configs: our runners, and config reads as invoke answers them."""

from __future__ import annotations

import pytest
from paramiko.config import SSHConfig

from runbookkit.execute.configs import local_config, parse_ssh_config, remote_config
from runbookkit.execute.processes import StoppableLocal, StoppableRemote

CONFIGS = [
    pytest.param(local_config, "local", StoppableLocal, id="local"),
    pytest.param(lambda: remote_config(SSHConfig()), "remote", StoppableRemote, id="remote"),
]


@pytest.mark.parametrize(("make", "kind", "runner"), CONFIGS)
def test_config_reads_and_clones_as_invoke_does(make, kind, runner):
    config = make()
    assert config.runners[kind] is runner
    assert config.run.warn is False and config.timeouts.command is None
    # A section read from the root is a proxy that writes back to the root, as in invoke.
    config.run.warn = True
    assert config.run.warn is True and config["run"]["warn"] is True
    assert not hasattr(config, "_keypath") and not hasattr(config, "no_such_key")
    with pytest.raises(AttributeError, match="No attribute or config key found for 'no_such_key'"):
        _ = config.no_such_key
    clone = config.clone()  # Fabric clones the config for each ProxyJump gateway
    assert type(clone) is type(config) and clone.runners[kind] is runner
    assert clone.run.warn is True


SSH_CONFIG = """\
Host web-*
  User deploy
  Port 2201

Host *.internal !db.internal
  IdentityFile ~/.ssh/internal

Match originalhost db.internal
  Port 2202

Match user deploy host web-2
  ConnectTimeout 7

Match localuser {local} !host web-*
  IdentitiesOnly yes

Match all
  ServerAliveInterval 30
"""


@pytest.mark.parametrize("host", ["web-1", "web-2", "db.internal", "app.internal", "other"])
def test_ssh_config_lookups_are_paramikos(tmp_path, host):
    import getpass

    path = tmp_path / "ssh_config"
    path.write_text(SSH_CONFIG.format(local=getpass.getuser()))
    assert parse_ssh_config(str(path)).lookup(host) == SSHConfig.from_path(str(path)).lookup(host)
