"""The learned coding score: its weights, its rebuild, its held-out figures, and the cases it exists for."""

from __future__ import annotations

import gc
import importlib.util
import io
import json
from pathlib import Path
from typing import Any

import pytest

from bench.naive_route import naive_route
from runtime import learned, routing
from tests.runtime.routing_corpus import clients
from tests.runtime.routing_corpus.build import load

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ROOT / "bench" / "routing_train.py"
HAS_SKLEARN = importlib.util.find_spec("sklearn") is not None


def coding(shape: tuple[str, dict[str, Any]]) -> learned.Decision:
    api, body = shape
    return learned.decide(learned.score(body, api))


def chat(*turns: tuple[str, Any], api: str = "anthropic") -> tuple[str, dict[str, Any]]:
    return clients.chat(list(turns), api, "test", system=None)


def confusion(items: list[dict[str, Any]], predict: Any) -> tuple[float, float, float]:
    tp = sum(1 for item in items if predict(item) and item["label"] == "coding")
    fp = sum(1 for item in items if predict(item) and item["label"] != "coding")
    fn = sum(1 for item in items if not predict(item) and item["label"] == "coding")
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return precision, recall, 2 * precision * recall / (precision + recall)


class TestWeights:
    def test_the_shipped_weights_load_with_a_band_inside_the_unit_interval(self) -> None:
        model = learned.load()
        low, high = model.band
        assert 0 < low <= high < 1
        assert 0 < model.decay <= 1
        assert sum(len(table) for table in model.weights.values()) == model.meta["features"]

    def test_were_trained_on_the_dev_split_as_it_is(self) -> None:
        import hashlib

        dev = (ROOT / "tests/runtime/routing_corpus/dev.jsonl").read_bytes()
        assert learned.load().meta["dev_sha256"] == hashlib.sha256(dev).hexdigest()

    def test_a_file_that_is_not_weights_is_refused_with_its_path(self, tmp_path: Path) -> None:
        path = tmp_path / "weights.json"
        path.write_text(json.dumps({"format": learned.FORMAT + 1}))
        with pytest.raises(ValueError, match=r"weights\.json: not a routing weights file"):
            learned.load(path)
        path.write_text("{broken")
        with pytest.raises(ValueError, match="cannot read"):
            learned.load(path)
        path.write_text(json.dumps({"format": learned.FORMAT, "weights": {}}))
        with pytest.raises(ValueError, match="malformed"):
            learned.load(path)

    def test_the_fast_score_is_the_dot_product_training_fits(self) -> None:
        model = learned.load()
        for item in load("dev")[:40]:
            vector = learned.features(item["body"], item["api"], model.decay)
            table = {f"{ns}|{token.decode('latin-1')}": w for ns, t in model.weights.items() for token, w in t.items()}
            expected = model.bias + sum(value * table.get(name, 0.0) for name, value in vector.items())
            assert learned.logit(item["body"], item["api"], model) == pytest.approx(expected, abs=1e-9)


class TestCorpus:
    @pytest.mark.parametrize(
        ("split", "digest"),
        [
            ("heldout", "6ca033db5bfaf6f04d50ae80da9cfc7cc453d2955a7978c9d6e8f97072692d40"),
            ("heldout2", "eea6535936200a549c483603b84be5c560ce0044289fbac0ceec3134fc7fcee0"),
        ],
    )
    def test_the_held_out_splits_are_as_they_were_frozen(self, split: str, digest: str) -> None:
        import hashlib

        data = (ROOT / f"tests/runtime/routing_corpus/{split}.jsonl").read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest  # the SHA-256 routing_corpus/README.md records


@pytest.mark.skipif(not HAS_SKLEARN, reason="training needs scikit-learn (a development tool)")
class TestRebuild:
    def test_the_corpus_rebuilds_the_shipped_file_byte_for_byte(self) -> None:
        # The file depends only on the (decay, C) the search chose, so one rebuild at the shipped pair
        # (its folds, band and final fit) is the whole check; `bench/routing_train.py --check` redoes the search.
        spec = importlib.util.spec_from_file_location("routing_train", TRAIN)
        assert spec is not None and spec.loader is not None
        train = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(train)
        shipped = learned.load()
        items, always, source = train.corpus()
        log = io.StringIO()
        text = train.render(
            train.train(items, always, log=log, source=source, grid=[(shipped.decay, shipped.meta["C"])])
        )
        assert text == learned.WEIGHTS.read_text(encoding="utf-8"), log.getvalue()


@pytest.fixture(scope="module", params=["heldout", "heldout2"])
def heldout(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return load(request.param)


@pytest.fixture(scope="module")
def second_heldout() -> list[dict[str, Any]]:
    return load("heldout2")


class TestHeldOut:
    """On the frozen splits, computed here: the learned model against the hand-weighted one and the
    original substrings. Scores inside the band take the default (the upstream), so count as not coding."""

    def test_beats_the_hand_weighted_classifier_and_the_substring_rule_on_f1(self, heldout: list[Any]) -> None:
        _, _, ours = confusion(heldout, lambda item: coding((item["api"], item["body"])) == "coding")
        _, _, hand = confusion(
            heldout, lambda item: routing.coding_score(item["body"], item["api"]) >= routing.DEFAULT_MIN_SCORE
        )
        _, _, naive = confusion(heldout, lambda item: naive_route(item["body"], item["api"]))
        assert ours > hand + 0.1
        assert ours > naive + 0.1

    def test_meets_the_issues_bar_of_precision_and_recall_at_least_095_on_the_second(
        self, second_heldout: list[Any]
    ) -> None:
        precision, recall, _ = confusion(second_heldout, lambda item: coding((item["api"], item["body"])) == "coding")
        assert precision >= 0.95
        assert recall >= 0.95


@pytest.fixture(scope="module")
def first_heldout() -> list[dict[str, Any]]:
    return load("heldout")


class TestFirstHeldOut:
    @pytest.mark.xfail(strict=True, reason="issue 13's bar on the first held-out split: precision 0.963, recall 0.940")
    def test_meets_the_issues_bar_of_precision_and_recall_at_least_095(self, first_heldout: list[Any]) -> None:
        precision, recall, _ = confusion(first_heldout, lambda item: coding((item["api"], item["body"])) == "coding")
        assert precision >= 0.95
        assert recall >= 0.95


class TestTraps:
    """Requests written for these tests (not in the corpus)."""

    @pytest.mark.parametrize(
        "text",
        [
            "Can you help me with the script for my toast at my brother's wedding? Two minutes, funny.",
            "We're still awaiting the landlord's answer about the deposit. How long should we wait?",
            "What is the function of the spleen?",
            "My daughter's class is putting on a play. Any ideas for costumes on a small budget?",
            "Congrats to the team on shipping the new version of the app today! Write a short cheerful post.",
        ],
    )
    def test_everyday_senses_of_coding_words_are_not_coding(self, text: str) -> None:
        assert coding(chat(("user", text))) != "coding"

    @pytest.mark.parametrize(
        "text",
        [
            "Write a Python function that merges two sorted lists into one sorted list.",
            "git: how do I squash my last three commits into one before pushing?",
            "Give me a SQL query that counts orders per customer for last month.",
            "TypeError: Cannot read properties of undefined (reading 'length') in my React component, why?",
        ],
    )
    def test_coding_asks_are_coding(self, text: str) -> None:
        assert coding(chat(("user", text))) == "coding"


class TestLanguages:
    @pytest.mark.parametrize(
        "text",
        [
            "用Python写一个函数，读取CSV文件并计算每列的平均值。",
            "Напиши функцию на Python, которая считает количество слов в файле.",
            "Schreib eine Funktion in JavaScript, die prüft, ob ein Array leer ist.",
        ],
    )
    def test_coding_asks_in_other_languages_are_coding(self, text: str) -> None:
        assert coding(chat(("user", text))) == "coding"

    @pytest.mark.parametrize(
        "text",
        [
            "明天去上海出差，帮我推荐几家好吃的餐厅。",
            "Посоветуй, какой торт испечь на день рождения мамы.",
            "Was soll ich meiner Schwester zur Hochzeit schenken?",
        ],
    )
    def test_other_asks_in_other_languages_are_not(self, text: str) -> None:
        assert coding(chat(("user", text))) != "coding"


class TestConversation:
    CODE = (
        "I need a function that parses a date string like 2026-11-24 and returns a date object.",
        "```python\nfrom datetime import date\n\ndef parse_day(text: str) -> date:\n"
        "    return date.fromisoformat(text)\n```",
    )

    TOAST = (
        "Write a short toast for my parents' 40th anniversary.",
        "Forty years ago, two people decided that every adventure is better shared...",
    )

    def test_a_generic_follow_up_to_a_coding_exchange_is_coding(self) -> None:
        turns = (("user", self.CODE[0]), ("assistant", self.CODE[1]), ("user", "now add error handling"))
        assert coding(chat(*turns)) == "coding"

    def test_the_same_short_last_turn_takes_the_subject_of_the_conversation(self) -> None:
        after_code = chat(("user", self.CODE[0]), ("assistant", self.CODE[1]), ("user", "make it shorter"))
        after_toast = chat(("user", self.TOAST[0]), ("assistant", self.TOAST[1]), ("user", "make it shorter"))
        assert coding(after_code) == "coding"
        assert coding(after_toast) == "not_coding"

    def test_the_earlier_turns_count_less_with_distance(self) -> None:
        model = learned.load()
        near = learned.read(chat(("user", "a"), ("assistant", "b"), ("user", "c"))[1], "anthropic", model.decay)
        scales = [scale for namespace, scale, _ in near.parts if namespace == "h"]
        assert scales == pytest.approx([1.0, model.decay])  # one token each: 1/sqrt(1), then decayed


class TestToolLoop:
    def test_a_tool_result_only_turn_of_a_coding_agent_is_coding(self) -> None:
        call = clients.tool_use("Bash", {"command": "pytest -q"}, "t1")
        result = clients.tool_result("F..\nE   assert parse('x') == 1\n1 failed, 2 passed in 0.12s", "t1")
        shape = clients.claude_code(
            [("user", "fix the failing parser test"), ("assistant", [call]), ("user", [result])], "t1"
        )
        assert coding(shape) == "coding"

    def test_a_tool_result_only_turn_of_a_travel_agent_is_not(self) -> None:
        tool = {"name": "find_train", "description": "Find trains between two cities.", "input_schema": {}}
        call = clients.tool_use("find_train", {"from": "Vienna", "to": "Prague"}, "t2")
        result = clients.tool_result('{"trains": [{"dep": "08:10", "arr": "12:14", "price_eur": 29}]}', "t2")
        turns = [("user", "Is there a morning train from Vienna to Prague on Friday?"), ("assistant", [call])]
        shape = clients.tool_agent("You are a rail travel assistant.", [tool], [*turns, ("user", [result])], "t2")
        assert coding(shape) != "coding"


class TestReading:
    def test_what_scoring_remembers_leaves_the_garbage_collectors_sight(self) -> None:
        # A set stays tracked, and walked by every collection, for as long as the cache holds it:
        # the token collections are tuples, which the collector stops tracking on first sight.
        learned.forget()
        api, body = clients.claude_code([("user", "fix the flaky test in tests/test_io.py")], "gc")
        learned.score(body, api)
        gc.collect()
        remembered = [*learned._SEEN[0].values(), *learned._SEEN[1].values(), *learned._TOOLS.values()]
        assert remembered
        assert not [tokens for tokens in remembered if gc.is_tracked(tokens)]

    def test_a_models_remembered_sums_do_not_outlive_the_caches_they_index(self) -> None:
        # Keyed by the ids of what the caches hold, they would otherwise pin dead token sets.
        model = learned.load()
        first = clients.claude_code([("user", "fix the flaky test in tests/test_io.py")], "sums-1")
        learned.score(first[1], first[0], model)
        learned.forget()
        second = clients.chat([("user", "what should I cook tonight with leeks?")], "anthropic", "sums-2")
        learned.score(second[1], second[0], model)
        live = {id(tokens) for table in (*learned._SEEN, learned._TOOLS) for tokens in table.values()}
        live |= {id(entry[2]) for entry in learned._UNIONS.values()}
        remembered = [key for table in model.sums.values() for key in table]
        assert remembered
        assert set(remembered) <= live

    def test_reads_a_bounded_head_of_a_long_system_prompt(self) -> None:
        short = {"system": "You are Claude Code." + "x" * 10, "messages": [{"role": "user", "content": "hi"}]}
        long = {**short, "system": short["system"] + " lorem" * 200_000}
        system = [tokens for namespace, _, tokens in learned.read(long, "anthropic", 0.5).parts if namespace == "s"]
        assert len(system[0]) <= learned.SYSTEM_CHARS

    def test_finds_the_message_an_elizaos_prompt_handles(self) -> None:
        persona = {"name": "Eliza", "system": "x", "bio": ["b"], "topics": ["t"], "style": ["s"], "actions": []}
        api, body = clients.eliza("message_handler", persona, [("sam", "write me a regex for hex colors")], "e")
        focus = [tokens for namespace, _, tokens in learned.read(body, api, 0.5).parts if namespace == "f"]
        assert b"regex" in focus[0]
        assert b"providers" not in focus[0]  # the template after the message is not read as the message

    @pytest.mark.parametrize("body", [None, [], "text", {"messages": "x"}, {"messages": [1, None, {"content": 5}]}])
    def test_malformed_bodies_score_without_raising(self, body: Any) -> None:
        assert 0.0 <= learned.score(body, "anthropic") <= 1.0

    def test_explain_names_the_tokens_behind_a_score(self) -> None:
        api, body = chat(("user", "Write a Python function that reverses a linked list."))
        explanation = learned.explain(body, api)
        assert explanation.decision == "coding"
        assert explanation.top and all(":" in name for name, _ in explanation.top)
        assert explanation.score == pytest.approx(learned.score(body, api))
