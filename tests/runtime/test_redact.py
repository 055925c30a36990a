"""Redaction: what must go (true positives) and what agents' traffic is full of and must stay."""

from __future__ import annotations

from pathlib import Path

import pytest

from controlplane.manifest.schema import RedactKind
from runtime.redact import ORDER, Redactor

ROOT = Path(__file__).resolve().parents[2]
EVERYTHING = Redactor(ORDER)


def redacted(kind: str) -> str:
    return f"[REDACTED:{kind}]"


# (kind, text, the secret that must be gone)
TRUE_POSITIVES: list[tuple[RedactKind, str, str]] = [
    ("email", "mail john.doe+agents@example.co.uk today", "john.doe+agents@example.co.uk"),
    ("email", "From: Ana <ana_b@mail.example.org>", "ana_b@mail.example.org"),
    ("phone", "call +1 (555) 123-4567 now", "555) 123-4567"),
    ("phone", "call 555-123-4567 now", "555-123-4567"),
    ("phone", "call (555) 123-4567 now", "(555) 123-4567"),
    ("phone", "call 555.123.4567 now", "555.123.4567"),
    ("phone", "call 1-800-555-1234 now", "800-555-1234"),
    ("phone", "ring +44 20 7946 0958", "7946 0958"),
    ("phone", "ring +49 30 1234567.", "30 1234567"),
    ("phone", "ring +33 1 23 45 67 89", "23 45 67 89"),
    (
        "api_key",
        "key sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv0123456789 ok",
        "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv0123456789",
    ),
    ("api_key", "OPENAI_API_KEY=sk-proj-Abc123def456ghi789jkl012", "sk-proj-Abc123def456ghi789jkl012"),
    ("api_key", "aws AKIAIOSFODNN7EXAMPLE creds", "AKIAIOSFODNN7EXAMPLE"),
    ("api_key", "token ghp_0123456789abcdefghijklmnopqrstuvwxyzAB", "ghp_0123456789abcdefghijklmnopqrstuvwxyzAB"),
    ("api_key", "slack xoxb-123456789012-abcdefghijkl", "xoxb-123456789012-abcdefghijkl"),
    ("api_key", "together tgp_v1_s3cr3t-key-0123456789abcdef", "tgp_v1_s3cr3t-key-0123456789abcdef"),
    (
        "api_key",
        "TOGETHER_API_KEY=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "0123456789abcdef0123456789abcdef",
    ),
    ("api_key", "curl -H 'x-api-key: abcd1234efgh5678'", "abcd1234efgh5678"),
    ("api_key", '{"api_key": "hunter22"}', "hunter22"),
    ("api_key", "client = Client(apiKey='s3cr3t')", "s3cr3t"),
    ("api_key", 'headers = {"Authorization": "Bearer abcdefghijklmnop1234"}', "abcdefghijklmnop1234"),
    ("api_key", "Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
    ("api_key", "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG"),
    ("token", "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "eyJzdWIi"),
    ("token", "use Bearer abcdefghijklmnopqrstuvwxyz123456 here", "abcdefghijklmnopqrstuvwxyz123456"),
    ("token", "password='hunter2'", "hunter2"),
    ("token", '"password": "correct horse"', "correct horse"),
    ("token", "access_token=ya29a0AfH6SMBx3jE9Qk", "ya29a0AfH6SMBx3jE9Qk"),
    ("token", "DB_PASSWORD: pa55w0rd!", "pa55w0rd"),
    ("token", "secret_key = 'abcd1234xyz'", "abcd1234xyz"),
    ("token", "accessToken: abc123def456", "abc123def456"),
    ("token", "session_id=abc123def456ghi&x=1", "abc123def456ghi"),
    ("token", "webhook_secret=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "9f86d081884c"),
    ("ip_address", "from 192.168.1.20 and 8.8.8.8.", "192.168.1.20"),
    ("ip_address", "peer 8.8.8.8:53", "8.8.8.8"),
    ("ip_address", "v6 2001:db8::1 and fe80::1ff:fe23:4567:890a", "2001:db8::1"),
    ("ip_address", "v6 fe80::1ff:fe23:4567:890a here", "fe80::1ff:fe23:4567:890a"),
    ("credit_card", "card 4111 1111 1111 1111 exp 12/29", "4111 1111 1111 1111"),
    ("credit_card", "card 4111-1111-1111-1111", "4111-1111-1111-1111"),
    ("credit_card", "card 5500005555555559,", "5500005555555559"),
    ("credit_card", "amex 3782 822463 10005", "3782 822463 10005"),
]

# Text that must come out exactly as it went in, with every kind switched on.
FALSE_POSITIVES = [
    "version 1.2.3, v10.0.19041.1 and python 3.11.7",
    "npm install lodash@4.17.21 @types/node@20.1.0 react@latest",
    "on 2026-11-24 at 09:00:00Z (2026-11-24T09:00:00+01:00), or 24/11/2026",
    "it costs $1,234.56, €99.99 or 1.234,56 EUR",
    "plain integers 5551234567 1700000000 1700000000000 123456789012345678",
    "uuid 123e4567-e89b-12d3-a456-426614174000 and request_id=req_0123456789abcdef",
    "commit 3fd2cc0a1b2c3d4e5f60718293a4b5c6d7e8f901, sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822c",
    "max_tokens=1024 input_tokens: 20 token_count=3 tokens=[1, 2, 3] num_tokens = len(x)",
    "api_key=os.environ['TOGETHER_API_KEY']",
    "client = Together(api_key=api_key, token=self.token)",
    "password = get_password()\nsecret = settings.SECRET_KEY",
    "token: str = ''  password=None",
    "api_key_env: TOGETHER_API_KEY",
    "def f(x):\n    return x @ self.w\n\n@property\ndef g(self): ...",
    "loopback 127.0.0.1:8001, bind 0.0.0.0, ::1 and localhost",
    "at 12:30:45, mac 00:1A:2B:3C:4D:5E, std::vector<int>, a::b, http://example.com:8080/x",
    "not a card 4111 1111 1111 1112, an order 1234567890123456",
    "a+b=12345678 and x+12345678",
    "sk-spinner-wandering-cubes-animation and the task-list",
    "Authorization is required; send a Bearer token",
    "the Authorization header",
    "ids 10.5.3 and 1.0.0.0.1",
]


class TestTruePositives:
    @pytest.mark.parametrize(("kind", "text", "secret"), TRUE_POSITIVES)
    def test_each_kind_finds_its_secret(self, kind: RedactKind, text: str, secret: str) -> None:
        alone = Redactor([kind]).text(text)
        assert secret not in alone
        assert redacted(kind) in alone
        assert secret not in EVERYTHING.text(text)

    def test_keeps_the_key_name_and_quotes_around_a_redacted_value(self) -> None:
        assert EVERYTHING.text('{"password": "hunter22"}') == '{"password": "[REDACTED:token]"}'
        assert EVERYTHING.text("Authorization: Bearer abcdefghijklmnop1234") == (
            "Authorization: Bearer [REDACTED:api_key]"
        )
        assert EVERYTHING.text("x TOGETHER_API_KEY=tgp_v1_0123456789abcdefghij y") == (
            "x TOGETHER_API_KEY=[REDACTED:api_key] y"
        )

    def test_redacts_every_occurrence_in_a_long_text(self) -> None:
        text = " ".join(f"user{i}@example.com" for i in range(100))
        assert EVERYTHING.text(text) == " ".join([redacted("email")] * 100)

    def test_a_token_alone_still_redacts_a_bearer_credential(self) -> None:
        assert Redactor(["token"]).text("Authorization: Bearer abcdefghijklmnop1234") == (
            "Authorization: Bearer [REDACTED:token]"
        )


class TestFalsePositives:
    @pytest.mark.parametrize("text", FALSE_POSITIVES)
    def test_leaves_ordinary_text_and_code_alone(self, text: str) -> None:
        assert EVERYTHING.text(text) == text

    @pytest.mark.parametrize("module", ["runtime/budget.py", "runtime/recorder.py", "controlplane/clock.py"])
    def test_leaves_real_source_files_alone(self, module: str) -> None:
        source = (ROOT / module).read_text()
        assert EVERYTHING.text(source) == source


class TestKinds:
    def test_only_the_configured_kinds_apply(self) -> None:
        text = "mail a@example.com, call +1 555 123 4567, key sk-proj-Abc123def456ghi789jkl012"
        assert Redactor(["email"]).text(text) == (
            "mail [REDACTED:email], call +1 555 123 4567, key sk-proj-Abc123def456ghi789jkl012"
        )
        assert Redactor([]).text(text) == text

    def test_a_key_goes_before_its_digits_could_look_like_a_phone_number(self) -> None:
        text = "tgp_v1_555-123-4567-abcdefghij"
        assert EVERYTHING.text(text) == redacted("api_key")

    def test_an_unknown_kind_is_refused_by_name(self) -> None:
        with pytest.raises(ValueError, match=r"unknown redaction kind.*passport"):
            Redactor(["email", "passport"])  # type: ignore[list-item]

    def test_repr_names_the_kinds(self) -> None:
        assert repr(Redactor(["phone", "email"])) == "Redactor(['email', 'phone'])"


class TestValues:
    def test_walks_requests_and_answers_scrubbing_strings_only(self) -> None:
        request = {
            "model": "claude",
            "max_tokens": 1024,
            "temperature": 0.5,
            "stream": True,
            "system": "you help ana@example.com",
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "my key is sk-proj-Abc123def456ghi789jkl012"}]},
                {"role": "assistant", "content": None},
            ],
            "tools": ({"name": "call", "input_schema": {"phone": "+44 20 7946 0958"}},),
        }
        assert EVERYTHING.value(request) == {
            "model": "claude",
            "max_tokens": 1024,
            "temperature": 0.5,
            "stream": True,
            "system": "you help [REDACTED:email]",
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "my key is [REDACTED:api_key]"}]},
                {"role": "assistant", "content": None},
            ],
            "tools": [{"name": "call", "input_schema": {"phone": "[REDACTED:phone]"}}],
        }

    def test_keys_are_field_names_and_stay(self) -> None:
        assert EVERYTHING.value({"a@example.com": "b@example.com"}) == {"a@example.com": "[REDACTED:email]"}

    def test_leaves_the_original_untouched(self) -> None:
        original = {"messages": [{"content": "ana@example.com"}]}
        EVERYTHING.value(original)
        assert original == {"messages": [{"content": "ana@example.com"}]}
