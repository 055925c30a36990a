"""Redaction end to end: what a request carries goes through the `Recorder` into a real SQLite
store, and the database's dump holds none of it verbatim; values that used to cost records
(nested 900 deep, lone surrogates) cost none.

The 22 kinds are the reliability report's test 7 (shared/reference/reliability-findings.md): 16
were redacted, 6 stored verbatim (PEM block, SSN, password in prose, two card forms, IPv4).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from controlplane.manifest.schema import DEFAULT_REDACT
from controlplane.store import Sample, Store, Usage
from runtime.recorder import Recorder
from runtime.redact import TOO_DEEP, Redactor
from tests.runtime.redact_corpus import GENERATORS

AT = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
NEVER = 3600.0  # writes happen on flush() only


def _value(name: str) -> str:
    return GENERATORS[name]().value


# (kind in the report, how it was pasted, the secret that must not be stored)
REPORT_KINDS: list[tuple[str, str, str]] = [
    ("email", "mail me at ana.lima@example.com", "ana.lima@example.com"),
    ("phone, international", "call +44 20 7946 0958", "7946 0958"),
    ("phone, US", "or (555) 123-4567", "123-4567"),
    ("AWS access key", f"aws_access_key_id = {(aws_id := _value('aws_id'))}", aws_id),
    ("AWS secret", f"aws_secret_access_key = {(aws_secret := _value('aws_secret'))}", aws_secret),
    ("GitHub classic PAT", f"GITHUB_TOKEN={(ghp := _value('github_classic'))}", ghp),
    ("GitHub fine-grained PAT", f"token {(pat := _value('github_fine'))}", pat),
    ("JWT", f"id_token: {(jwt := _value('jwt'))}", jwt),
    ("Anthropic key", f"my key {(ant := _value('anthropic'))}", ant),
    ("OpenAI project key", f"OPENAI_API_KEY={(proj := _value('openai_project'))}", proj),
    ("Slack bot token", f"slack {(xoxb := _value('slack_bot'))}", xoxb),
    ("Stripe live key", f"stripe {(stripe := _value('stripe_live'))}", stripe),
    ("Together key value", f"TOGETHER_API_KEY={(together := _value('together'))}", together),
    ("the proxy token", f"REL_PROXY_TOKEN={(proxy := 'rel-proxy-' + _value('opaque_token'))}", proxy),
    ("Bearer", f"Authorization: Bearer {(bearer := _value('bearer'))}", bearer),
    ("api_key=", f"https://api.example.com/v1?api_key={(query := _value('opaque_token'))}&q=1", query),
    ("PEM private key block", (pem := _value("rsa_pem")), pem.split("\n")[1]),
    ("SSN", "ssn: 123-45-6789", "123-45-6789"),
    ("password in prose", "my password is Hunter2RELpass!", "Hunter2RELpass"),
    ("credit card, grouped", "card 4111 1111 1111 1111", "4111 1111 1111 1111"),
    ("credit card, one run", "card 5500005555555559", "5500005555555559"),
    ("IPv4", "from 203.0.113.77", "203.0.113.77"),
]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state.db"


@pytest.fixture
def store(path: Path) -> Iterator[Store]:
    with Store(f"sqlite:///{path}") as opened:
        yield opened


def usage(i: int, reason: str | None = None) -> Usage:
    return Usage(
        project="demo",
        role="planning",
        at=AT + timedelta(seconds=i),
        input_tokens=10,
        output_tokens=5,
        outcome="ok" if reason is None else "fallback",
        reason=reason,
    )


def sample(i: int, prompt: dict[str, Any], answer: str = "ok", meta: dict[str, Any] | None = None) -> Sample:
    return Sample(
        project="demo",
        role="planning",
        at=AT + timedelta(seconds=i),
        source="custom",
        prompt=prompt,
        answer=answer,
        meta=meta or {},
    )


def recorder(store: Store) -> Recorder:
    return Recorder(store, "demo", Redactor(DEFAULT_REDACT), collect_samples=True, flush_interval=NEVER)


def dump(path: Path) -> str:
    """Everything the database file holds, as `sqlite3 state.db .dump` prints it."""
    with sqlite3.connect(path) as connection:
        return "\n".join(connection.iterdump())


class TestTheReportsKinds:
    def test_the_22_kinds_are_kinds_the_report_names(self) -> None:
        assert len(REPORT_KINDS) == 22
        assert all(secret in pasted for _, pasted, secret in REPORT_KINDS)

    def test_none_of_the_22_is_stored_verbatim_from_a_prompt_answer_meta_or_reason(
        self, store: Store, path: Path
    ) -> None:
        pasted = "\n".join(text for _, text, _ in REPORT_KINDS)
        prompt = {
            "system": pasted,
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": pasted}]},
                {"role": "user", "content": pasted},
            ],
            "metadata": {"user_id": pasted, "notes": [text for _, text, _ in REPORT_KINDS]},
        }
        with recorder(store) as rec:
            rec.record(usage(1, reason=f"upstream said: {pasted}"), sample(1, prompt, pasted, {"echo": pasted}))
            assert rec.flush(timeout=30)
            assert rec.stats().dropped_samples == rec.stats().dropped_usage == 0
        stored = dump(path)
        assert stored.count("[REDACTED:") > 4 * 22
        leaked = [kind for kind, _, secret in REPORT_KINDS if secret in stored]
        assert leaked == []

    @pytest.mark.parametrize(("kind", "text", "secret"), REPORT_KINDS, ids=[kind for kind, _, _ in REPORT_KINDS])
    def test_each_kind_alone_is_redacted_by_the_default_list(self, kind: str, text: str, secret: str) -> None:
        assert secret not in Redactor(DEFAULT_REDACT).text(f"user pasted: {text}\nthanks")


class TestBadValuesCostNoRecord:
    def test_one_request_nested_900_deep_among_120_others_loses_nothing(self, store: Store) -> None:
        deep: Any = "ana@example.com"
        for _ in range(900):
            deep = [deep]
        with recorder(store) as rec:
            for i in range(121):
                prompt = {"messages": [{"role": "user", "content": f"hello #{i}"}]}
                if i == 60:
                    prompt["metadata"] = {"user_id": deep}
                rec.record(usage(i), sample(i, prompt))
            assert rec.flush(timeout=60)
            stats = rec.stats()
        assert (stats.written_usage, stats.written_samples, stats.dropped_usage, stats.dropped_samples) == (
            121,
            121,
            0,
            0,
        )
        assert len(store.usage("demo")) == 121
        marked = [s for s in store.samples("demo") if s.meta.get("redaction")]
        assert [s.meta["redaction"] for s in marked] == [["too_deep"]]
        assert TOO_DEEP in str(marked[0].prompt)
        assert "ana@example.com" not in str(marked[0].prompt)

    def test_a_sample_with_lone_surrogates_is_kept_replaced_and_marked(self, store: Store) -> None:
        with recorder(store) as rec:
            rec.record(
                usage(1),
                sample(1, {"messages": [{"role": "user", "content": "half a pair \ud83d here"}]}, "and \udc00 there"),
            )
            rec.record(usage(2), sample(2, {"messages": [{"role": "user", "content": "fine"}]}))
            assert rec.flush(timeout=30)
        odd, fine = sorted(store.samples("demo"), key=lambda s: s.at)
        assert odd.prompt == {"messages": [{"role": "user", "content": "half a pair \ufffd here"}]}
        assert odd.answer == "and \ufffd there"
        assert odd.meta == {"redaction": ["unstorable_characters"]}
        assert fine.meta == {}
