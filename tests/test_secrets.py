"""Secret shapes are found and masked; placeholders and ordinary text are left alone."""

from __future__ import annotations

import io
import json
import re
import shlex
from dataclasses import dataclass

import pytest

from runbookkit.execute.session import export_code
from runbookkit.secrets import MaskedWriter, Redactor, find, redact

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


NEW_SHAPES = {
    "DB_PASSWORD=": ("DB_PASSWORD=hunter2xyz ./migrate", "hunter2xyz"),
    "PGPASSWORD=": ("PGPASSWORD=hunter2xyz psql -h db", "hunter2xyz"),
    "GITHUB_TOKEN=": ("export GITHUB_TOKEN=ghp_abcdef123456", "ghp_abcdef123456"),
    "*_TOKEN": ("VAULT_TOKEN=s.abcdef123456 vault read x", "s.abcdef123456"),
    "*_SECRET": ("APP_CLIENT_SECRET=abcdef123456", "abcdef123456"),
    "*_KEY": ("STRIPE_API_KEY=sk_live_abcdef123456", "sk_live_abcdef123456"),
    "*_KEY plain": ("MASTER_KEY=abcdef123456", "abcdef123456"),
    "*_PWD": ("MYSQL_PWD=hunter2xyz mysql", "hunter2xyz"),
    "client_secret=": ("curl -d 'grant_type=x&client_secret=abcdef123456&a=1'", "abcdef123456"),
    "KEY: value": ("DB_PASSWORD: hunter2xyz", "hunter2xyz"),
    "yaml token:": ("  access_token: abcdef123456", "abcdef123456"),
    "quoted with spaces": ('DB_PASSWORD="two words here"', "two words here"),
    "json password": ('{"user": "ops", "password": "hunter2xyz"}', "hunter2xyz"),
    "json token": ('{"token": "abcdef123456"}', "abcdef123456"),
    "json secret": ('{"secret":"abcdef123456"}', "abcdef123456"),
    "json api_key": ('{"api_key": "abcdef123456"}', "abcdef123456"),
    "json client_secret": ('{"client_secret": "abc\\"def123456"}', 'abc\\"def123456'),
    "repr dict": ("{'password': 'hunter2xyz'}", "hunter2xyz"),
    "PGP key block": (
        "-----BEGIN PGP PRIVATE KEY BLOCK-----\nlQOYBF0abc\n-----END PGP PRIVATE KEY BLOCK-----",
        "lQOYBF0abc",
    ),
}
NOT_SECRETS = [
    "password_policy=strict",
    "DB_PASSWORD_POLICY=strict",
    '{"password_policy": "strict"}',
    "DB_PASSWORD=<password>",
    "DB_PASSWORD=$PW",
    "DB_PASSWORD=${PW}",
    'DB_PASSWORD="$PW"',
    "DB_PASSWORD=***",
    '{"password": "***"}',
    '{"password": "<password>"}',
    "PWD=/root OLDPWD=/tmp",
    "sort_key=name primary_key=id",
    "bypass=1",
    "Enter password:",
    "max_password_length: 12",
]


@pytest.mark.parametrize("case", sorted(NEW_SHAPES))
def test_new_shapes_are_found_and_masked(case: str) -> None:
    text, secret = NEW_SHAPES[case]
    masked = redact(text)
    assert secret not in masked, masked
    assert "***" in masked
    assert len(find(text)) == 1


@pytest.mark.parametrize("text", NOT_SECRETS)
def test_words_and_placeholders_are_left_alone(text: str) -> None:
    assert redact(text) == text


NASTY = 'it\'s a \\ "secret" $x'


@pytest.mark.parametrize(
    "written",
    [
        NASTY,
        shlex.quote(NASTY),
        export_code({"PW": NASTY}),
        repr(NASTY),
        repr({"PW": NASTY}),
        repr(NASTY + "'\""),
        json.dumps(NASTY),
        json.dumps({"PW": NASTY}),
        NASTY.replace("'", "'\\''"),  # bash's set -x
        re.sub(r"([\\\"$`])", r"\\\1", NASTY),  # inside double quotes
        re.sub(r"([^A-Za-z0-9_./,:@%+=-])", r"\\\1", NASTY),  # printf %q
    ],
    ids=[
        "as-is",
        "shlex",
        "export",
        "repr",
        "repr-dict",
        "repr-both-quotes",
        "json",
        "json-dict",
        "xtrace",
        "double-quoted",
        "printf-q",
    ],
)
def test_a_value_with_quotes_and_backslashes_is_masked_in_the_forms_runbookkit_writes(
    written: str,
) -> None:
    masked = Redactor([NASTY, NASTY + "'\""]).text(f"before {written} after")
    assert "secret" not in masked, masked
    assert masked.startswith("before ") and masked.endswith(" after")


def _pieces(redactor: Redactor, parts: list[str]) -> tuple[list[str], str]:
    stream = redactor.stream()
    shown = [stream.feed(part) for part in parts] + [stream.flush()]
    return shown, "".join(shown)


WHOLE = [
    "log in with abcdef now\nnext line\n",
    "PGPASSWORD=hunter2xyz psql\nok\n",
    '{"password": "hunter2xyz"}\n',
    "curl -H 'Authorization: Bearer abcdefgh12345678' x\n",
    "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEAAAA\nBBBB\n-----END RSA PRIVATE KEY-----\nafter\n",
]


@pytest.mark.parametrize("text", WHOLE)
def test_a_secret_split_anywhere_between_two_reads_is_masked(text: str) -> None:
    redactor = Redactor(["abcdef"])
    for at in range(1, len(text)):
        shown, joined = _pieces(redactor, [text[:at], text[at:]])
        assert joined == redactor.text(text), (at, shown)
        for secret in ("abcdef", "hunter2xyz", "abcdefgh12345678", "MIIE", "BBBB"):
            assert secret not in joined


def test_a_secret_in_three_pieces_without_a_newline_is_masked() -> None:
    shown, joined = _pieces(Redactor(["abcdef"]), ["x ab", "cd", "ef y"])
    assert joined == "x *** y"
    assert not any(part.endswith(("a", "ab", "abc")) for part in shown)


def test_output_without_secrets_is_let_out_line_by_line() -> None:
    stream = Redactor(["abcdef"]).stream()
    assert stream.feed("one\ntwo\nthr") == "one\ntwo\n"
    assert stream.feed("ee\n") == "three\n"
    assert stream.flush() == ""


def test_a_long_line_is_let_out_but_for_its_look_behind() -> None:
    stream = Redactor(["abcdef"]).stream()
    shown = stream.feed("x" * 10_000 + "abc")
    assert 9_000 < len(shown) < 10_000 and "abc" not in shown
    assert shown + stream.feed("def") + stream.flush() == "x" * 10_000 + "***"


def test_inside_a_private_key_nothing_is_let_out_whatever_its_length() -> None:
    stream = Redactor().stream()
    shown = [stream.feed("-----BEGIN OPENSSH PRIVATE KEY-----\n")]
    shown += [stream.feed("b3BlbnNzaC1rZXktdjEAAAAA" * 3 + "\n") for _ in range(500)]
    assert len(stream.pending) < 100  # the key is dropped as it comes, not held
    shown += [stream.feed("-----END OPENSSH PRIVATE KEY-----\ndone\n"), stream.flush()]
    assert "".join(shown) == "***\ndone\n"


def test_the_end_of_a_key_whose_begin_was_cut_off_is_masked() -> None:
    text = "AAAAB3NzaC1yc2EAAA\nQABAAABAQC7\n-----END RSA PRIVATE KEY-----\nok\n"
    assert redact(text) == "***\nok\n"
    assert redact("grep -- '-----END RSA PRIVATE KEY-----' f") == (
        "grep -- '-----END RSA PRIVATE KEY-----' f"
    )


def test_fields_masks_every_text_of_a_nested_record() -> None:
    @dataclass
    class Inner:
        texts: list[str]
        count: int

    @dataclass
    class Outer:
        name: str
        inner: Inner
        items: list[Inner]

    item = Outer("abcdef", Inner(["x abcdef", "y"], 3), [Inner(["PGPASSWORD=zz9"], 1)])
    masked = Redactor(["abcdef"]).fields(item)
    assert masked == Outer("***", Inner(["x ***", "y"], 3), [Inner(["PGPASSWORD=***"], 1)])
    assert item.name == "abcdef"  # a copy
    clean = Outer("ok", Inner([], 0), [])
    assert Redactor(["abcdef"]).fields(clean) is clean


def test_masked_writer_masks_each_write() -> None:
    out = io.StringIO()
    writer = MaskedWriter(out, Redactor(["abcdef"]))
    writer.write("Step 3: echo abcdef\n")
    writer.write("PGPASSWORD=zz9 psql\n")
    assert out.getvalue() == "Step 3: echo ***\nPGPASSWORD=*** psql\n"


def test_a_value_added_later_is_masked_also_in_texts_masked_before() -> None:
    redactor = Redactor(["first-s3cret"])
    text = "first-s3cret then later-s3cret"
    assert redactor.text(text) == "*** then later-s3cret"  # remembered, masked without it
    redactor.add(["later-s3cret", "", 'quo"ted-s3cret'])
    assert redactor.values == ("first-s3cret", "later-s3cret", 'quo"ted-s3cret')
    assert redactor.text(text) == "*** then ***"
    assert redactor.text(json.dumps({"v": 'quo"ted-s3cret'})) == '{"v": "***"}'  # its forms too


def test_a_stream_masks_a_value_added_after_it_began() -> None:
    redactor = Redactor()
    stream = redactor.stream()
    redactor.add(["added-s3cret"])
    shown = stream.feed("x added-") + stream.feed("s3cret y\n") + stream.flush()
    assert shown == "x *** y\n"
