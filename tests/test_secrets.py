"""Secret shapes are found and masked; placeholders and ordinary text are left alone."""

from __future__ import annotations

import pytest

from runbookkit.secrets import find, redact

SECRETS = {
    "url": ("redis://admin:s3cretPW@10.0.0.1:6379", "s3cretPW"),
    "password=": ("mysql --password=hunter2xyz -e 'select 1'", "hunter2xyz"),
    "passwd:": ("passwd: letmein99", "letmein99"),
    "token=": ("curl 'https://x/api?token=abcdef123456'", "abcdef123456"),
    "bearer": (
        "curl -H 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig' x",
        "eyJhbGciOiJIUzI1NiJ9.e30.sig",
    ),
    "aws": ("export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
    "redis-cli -a": ("redis-cli -a Sup3rSecret ping", "Sup3rSecret"),
    "private key": (
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----",
        "b3BlbnNzaC1rZXk",
    ),
}
CLEAN = [
    "redis-cli ping",
    "systemctl start redis-server",
    "mysql --password=${DB_PASSWORD} -e 'select 1'",
    "curl -H 'Authorization: Bearer $TOKEN' x",
    "echo token=*** done",
    "grep -i password /etc/app.conf",
]


@pytest.mark.parametrize("case", sorted(SECRETS))
def test_found_and_masked(case: str) -> None:
    text, secret = SECRETS[case]
    assert find(text), text
    masked = redact(text)
    assert secret not in masked
    assert "***" in masked


@pytest.mark.parametrize("text", CLEAN)
def test_clean_text_untouched(text: str) -> None:
    assert find(text) == []
    assert redact(text) == text


def test_given_values_are_masked_everywhere() -> None:
    assert redact("PONG opensesame and opensesame", ["opensesame"]) == "PONG *** and ***"
