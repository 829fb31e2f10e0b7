"""OpenSSH host certificates checked field by field: kind, CA signature, validity, principals."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest

from runbookkit.execute.hostcerts import check, parse
from tests.support.sshd import keygen


def blob(path: Path) -> bytes:
    """The binary key or certificate of an OpenSSH ``.pub`` file."""
    return base64.b64decode(path.read_text().split()[1])


def certify(tmp_path: Path, ca: Path, *flags: str, name: str = "host") -> bytes:
    """A certificate of a fresh host key signed by ``ca`` with ``ssh-keygen -s ca FLAGS``."""
    key = keygen(tmp_path / name)
    command = ["ssh-keygen", "-q", "-s", str(ca), "-I", "id-1", *flags, f"{key}.pub"]
    subprocess.run(command, check=True, capture_output=True)
    return blob(Path(f"{key}-cert.pub"))


@pytest.fixture
def ca(tmp_path):
    return keygen(tmp_path / "ca")


def test_a_host_certificate_of_a_listed_ca_is_valid_for_its_principals(tmp_path, ca):
    cert = certify(tmp_path, ca, "-h", "-n", "web-1,10.0.0.1")
    authorities = [blob(ca.with_suffix(".pub"))]
    assert parse(cert).principals == ("web-1", "10.0.0.1")
    assert check(cert, "web-1", authorities) == ""
    assert check(cert, "10.0.0.1", authorities) == ""
    why = check(cert, "web-2", authorities)
    assert why == "certificate 'id-1' is for web-1, 10.0.0.1, not web-2"


def test_a_certificate_without_principals_is_valid_for_any_host(tmp_path, ca):
    cert = certify(tmp_path, ca, "-h")
    assert check(cert, "anything", [blob(ca.with_suffix(".pub"))]) == ""


def test_an_rsa_ca_signature_is_checked(tmp_path):
    rsa_ca = keygen(tmp_path / "rsa-ca", "rsa")
    cert = certify(tmp_path, rsa_ca, "-h", "-n", "web-1")
    assert check(cert, "web-1", [blob(rsa_ca.with_suffix(".pub"))]) == ""


def test_a_user_certificate_is_no_host_certificate(tmp_path, ca):
    cert = certify(tmp_path, ca, "-n", "web-1")
    why = check(cert, "web-1", [blob(ca.with_suffix(".pub"))])
    assert why == "certificate 'id-1' is not a host certificate"


def test_validity_window_and_ca(tmp_path, ca):
    cert = certify(tmp_path, ca, "-h", "-V", "20300101:20310101")
    authorities = [blob(ca.with_suffix(".pub"))]
    assert "is not valid now" in check(cert, "web-1", authorities)
    window = parse(cert)
    assert window.valid_before - window.valid_after == 365 * 86400
    assert check(cert, "web-1", authorities, now=window.valid_after) == ""
    assert "is not valid now" in check(cert, "web-1", authorities, now=window.valid_before)
    other = keygen(tmp_path / "other-ca")
    assert "signed by no @cert-authority" in check(cert, "web-1", [blob(other.with_suffix(".pub"))])


def test_a_tampered_certificate_has_a_bad_signature(tmp_path, ca):
    cert = certify(tmp_path, ca, "-h", "-n", "web-1")
    forged = cert.replace(b"web-1", b"web-9")
    assert check(forged, "web-9", [blob(ca.with_suffix(".pub"))]) == (
        "certificate 'id-1' has a bad signature"
    )
    assert check(b"\x00\x00\x00\x03abc", "web-1", []).startswith("unreadable certificate")
