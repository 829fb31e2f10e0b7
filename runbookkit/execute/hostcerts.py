"""OpenSSH host certificates (PROTOCOL.certkeys), checked as ``ssh`` checks them.

paramiko negotiates a ``*-cert-v01@openssh.com`` host key and verifies the key exchange with the
key inside it, but never looks at the certificate itself. :func:`check` does: it is a host
certificate, signed by one of the given CA keys (the signature checked), valid now, for the
host's name (a certificate without principals is valid for any host, as in OpenSSH), with no
critical options (none are defined for host certificates).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from paramiko.message import Message
from paramiko.pkey import PKey

HOST_CERT = 2
CERT_SUFFIX = "-cert-v01@openssh.com"

# The public-key fields of each certificate type, between the nonce and the serial.
_KEY_FIELDS = {
    "ssh-ed25519": ("string",),
    "ssh-rsa": ("mpint", "mpint"),
    "ecdsa-sha2-nistp256": ("string", "string"),
    "ecdsa-sha2-nistp384": ("string", "string"),
    "ecdsa-sha2-nistp521": ("string", "string"),
    "ssh-dss": ("mpint", "mpint", "mpint", "mpint"),
}


@dataclass(frozen=True)
class Certificate:
    """The fields of an OpenSSH certificate that a host check reads."""

    kind: int
    key_id: str
    principals: tuple[str, ...]
    valid_after: int
    valid_before: int
    critical: bytes
    ca_blob: bytes
    signature: bytes
    signed: bytes  # everything the CA signed: the blob up to the signature


def parse(blob: bytes) -> Certificate:
    """Read a certificate blob.

    Raises:
        ValueError: not a certificate of a known type, or cut short.
    """
    msg = Message(blob)
    cert_type = msg.get_text()
    base = cert_type.removesuffix(CERT_SUFFIX)
    if base == cert_type or base not in _KEY_FIELDS:
        raise ValueError(f"not a certificate type runbookkit reads: {cert_type}")
    msg.get_string()  # nonce
    for field in _KEY_FIELDS[base]:
        msg.get_mpint() if field == "mpint" else msg.get_string()
    msg.get_int64()  # serial
    kind = msg.get_int()
    key_id = msg.get_text()
    names = Message(msg.get_string())
    principals: list[str] = []
    while names.get_remainder():
        principals.append(names.get_text())
    valid_after, valid_before = msg.get_int64(), msg.get_int64()
    critical = msg.get_string()
    msg.get_string()  # extensions
    msg.get_string()  # reserved
    ca_blob = msg.get_string()
    signed = blob[: msg.packet.tell()]
    signature = msg.get_string()
    if not ca_blob or not signature:
        raise ValueError("certificate cut short")
    return Certificate(
        kind,
        key_id,
        tuple(principals),
        valid_after,
        valid_before,
        critical,
        ca_blob,
        signature,
        signed,
    )


def check(blob: bytes, hostname: str, authorities: list[bytes], now: float | None = None) -> str:
    """Why the host certificate ``blob`` is not valid for ``hostname`` ('' when it is).

    ``authorities`` are the public key blobs of the ``@cert-authority`` lines for this host.
    """
    try:
        cert = parse(blob)
    except (ValueError, TypeError, IndexError) as exc:
        return f"unreadable certificate: {exc}"
    if cert.kind != HOST_CERT:
        return f"certificate {cert.key_id!r} is not a host certificate"
    if cert.ca_blob not in authorities:
        return f"certificate {cert.key_id!r} is signed by no @cert-authority listed for this host"
    try:
        ca_type = Message(cert.ca_blob).get_text()
        ca = PKey.from_type_string(ca_type, cert.ca_blob)
        good = ca.verify_ssh_sig(cert.signed, Message(cert.signature))
    except Exception as exc:  # paramiko's SSHException, a key type it can't verify
        return f"certificate {cert.key_id!r}: cannot check its signature: {exc}"
    if not good:
        return f"certificate {cert.key_id!r} has a bad signature"
    seconds = int(time.time() if now is None else now)
    if not cert.valid_after <= seconds < cert.valid_before:
        return f"certificate {cert.key_id!r} is not valid now (expired or not yet valid)"
    if cert.principals and hostname not in cert.principals:
        names = ", ".join(cert.principals)
        return f"certificate {cert.key_id!r} is for {names}, not {hostname}"
    if cert.critical:
        return f"certificate {cert.key_id!r} has critical options, which host certificates can't"
    return ""
