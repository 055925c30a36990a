"""Routing: every decision names a role (or the fallback) and says why; the classifier beats substrings."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from typing import Any

import pytest

from bench.naive_route import naive_route
from controlplane.manifest.loader import loads
from controlplane.manifest.schema import Manifest
from runtime import learned
from runtime.hooks.prompts import plan_prompt, should_respond_prompt
from runtime.routing import DEFAULT_MIN_SCORE, SYSTEM_CHARS, TURN_CHARS, Route, Router, coding_score, explain
from runtime.tokens import IMAGE_TOKENS, estimate_input_tokens
from tests.runtime.routing_data import build, dev_items, heldout_items

ROLES = """\
version: 1
project: demo
models:
  should_respond: {model: org/sr, hardware: h}
  planning: {model: org/planning, hardware: h}
  coding: {model: org/coding, hardware: h}
"""


def router(proxy: str = "", roles: str = ROLES) -> Router:
    """A router that decides each request on its own (conversation affinity: tests/runtime/test_affinity.py)."""
    return Router(loads(roles + proxy), affinity=False)


def anthropic(text: Any, **extra: Any) -> dict[str, Any]:
    return {
        "model": "claude-sonnet-4-20250514",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": text}],
    } | extra


def openai(text: Any, model: str = "gpt-4o", **extra: Any) -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": text}]} | extra


CODE = (
    "fix this, it throws:\n\n```python\ndef total(items):\n    return sum(i.price for i in items) / len(items)\n```\n\n"
    'Traceback (most recent call last):\n  File "shop.py", line 2, in total\nZeroDivisionError: division by zero'
)
CHAT = "what should I cook tonight with chickpeas and spinach?"
SHOULD_RESPOND_PROMPT = should_respond_prompt("Eliza, hi", agent_name="Eliza")
PLAN_PROMPT = plan_prompt("Eliza, hi", agent_name="Eliza", runtime="ts-1.7")
BASH_TOOL = [{"name": "Bash", "description": "Run a command", "input_schema": {"type": "object", "properties": {}}}]
WEATHER_TOOL = [{"name": "get_weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}]


class TestExplicitHeader:
    def test_routes_to_the_role_it_names(self) -> None:
        route = router().route("anthropic", anthropic(CHAT), {"x-reasoning-role": "planning"})
        assert route == Route("planning", "header x-reasoning-role=planning")

    def test_accepts_the_hyphen_spelling_of_a_role(self) -> None:
        route = router().route("openai", openai(CHAT), {"x-reasoning-role": "Should-Respond"})
        assert route.role == "should_respond"

    def test_upstream_forces_the_fallback_even_for_code(self) -> None:
        route = router().route("anthropic", anthropic(CODE), {"x-reasoning-role": "upstream"})
        assert route == Route(None, "header x-reasoning-role=upstream")

    def test_an_unknown_role_goes_to_the_fallback_and_says_so(self) -> None:
        route = router().route("anthropic", anthropic(CODE), {"x-reasoning-role": "autocoder"})
        assert route == Route(None, "header names unknown role 'autocoder'")

    def test_beats_model_map_and_rules(self) -> None:
        proxy = "proxy:\n  model_map: {gpt-4o: planning}\n  routing:\n    - to: planning\n"
        route = router(proxy).route("openai", openai(CHAT), {"x-reasoning-role": "coding"})
        assert route.role == "coding"

    def test_a_value_a_rule_names_in_when_header_goes_to_the_rules(self) -> None:
        proxy = "proxy:\n  routing:\n    - to: coding\n      when: {header: autocoder}\n"
        route = router(proxy).route("anthropic", anthropic(CHAT), {"x-reasoning-role": "autocoder"})
        assert route == Route("coding", "rule 1: header x-reasoning-role=autocoder")

    def test_a_hostile_value_is_made_safe_for_a_response_header(self) -> None:
        route = router().route("anthropic", anthropic(CHAT), {"x-reasoning-role": "caf\u00e9\r\nx-evil: 1" + "a" * 200})
        assert route.role is None
        assert route.reason.isascii() and "\n" not in route.reason and "\r" not in route.reason
        assert len(route.reason) < 120

    def test_an_empty_header_is_no_header(self) -> None:
        route = router().route("anthropic", anthropic(CHAT), {"x-reasoning-role": "  "})
        assert route.reason.startswith("no rule matched")


class TestModelMap:
    PROXY = "proxy:\n  model_map: {gpt-4o-mini: should-respond, gpt-4o: planning}\n"

    def test_maps_an_openai_model_to_its_role_for_the_prompt_it_takes(self) -> None:
        route = router(self.PROXY).route("openai", openai(SHOULD_RESPOND_PROMPT, model="gpt-4o-mini"), {})
        assert route == Route("should_respond", "model gpt-4o-mini -> should_respond")

    def test_applies_to_the_anthropic_api_too(self) -> None:
        body = anthropic([{"type": "text", "text": PLAN_PROMPT}], model="gpt-4o")
        assert router(self.PROXY).route("anthropic", body, {}) == Route("planning", "model gpt-4o -> planning")

    def test_any_other_call_on_a_mapped_model_goes_upstream_saying_why(self) -> None:
        routes = router(self.PROXY)
        declined = routes.route("openai", openai(CODE, model="gpt-4o-mini"), {})
        assert (declined.role, declined.reason) == (None, "fallback: not a should_respond prompt")
        declined = routes.route("anthropic", anthropic(SHOULD_RESPOND_PROMPT, model="gpt-4o"), {})
        assert (declined.role, declined.reason) == (None, "fallback: not a planning prompt")

    def test_a_call_a_mapped_role_declines_still_goes_to_the_rules(self) -> None:
        # Claude Code on plugin-anthropic's large model name: not a planning prompt, but code
        proxy = "proxy:\n  model_map: {claude-sonnet-4-20250514: planning}\n"
        route = router(proxy).route("anthropic", anthropic(CODE), {})
        assert route.role == "coding" and route.reason.startswith("default rule: coding score ")
        chat = router(proxy).route("anthropic", anthropic(CHAT), {})
        assert (chat.role, chat.reason) == (None, "fallback: not a planning prompt")

    def test_an_unmapped_model_goes_on_to_the_rules(self) -> None:
        proxy = self.PROXY + "  routing:\n    - to: coding\n      when: {min_score: 0.5}\n"
        route = router(proxy).route("openai", openai(CODE, model="gpt-4.1"), {})
        assert route.role == "coding"
        assert route.reason.startswith("rule 1: coding score ")

    def test_the_manifest_widens_or_narrows_what_a_role_takes(self) -> None:
        proxy = self.PROXY + "  model_map_prompts: {planning: [any], should_respond: []}\n"
        routes = router(proxy)
        assert routes.route("openai", openai(CHAT, model="gpt-4o"), {}).role == "planning"
        narrowed = routes.route("openai", openai(SHOULD_RESPOND_PROMPT, model="gpt-4o-mini"), {})
        assert narrowed == Route(None, "fallback: not a should_respond prompt")

    def test_a_role_other_than_the_decision_roles_takes_every_call(self) -> None:
        route = router("proxy:\n  model_map: {gpt-4o: coding}\n").route("openai", openai(CHAT), {})
        assert route == Route("coding", "model gpt-4o -> coding")


class TestRules:
    def test_the_first_rule_that_holds_wins(self) -> None:
        proxy = (
            "proxy:\n  routing:\n"
            "    - to: planning\n      when: {models: [gpt-5]}\n"
            "    - to: coding\n      when: {min_score: 0.5}\n"
            "    - to: should_respond\n"
        )
        routes = router(proxy)
        assert routes.route("openai", openai(CODE, model="gpt-5"), {}).reason == "rule 1: model gpt-5"
        assert routes.route("openai", openai(CODE), {}).reason.startswith("rule 2: coding score")
        last = routes.route("openai", openai(CHAT), {})
        assert (last.role, last.reason) == ("should_respond", "rule 3: no conditions")
        assert last.score is not None and last.score < 0.5  # rule 2 scored it: the score travels with the decision

    def test_every_condition_of_a_rule_must_hold(self) -> None:
        proxy = (
            "proxy:\n  routing:\n    - to: coding\n"
            "      when: {models: [claude-sonnet-4-20250514], tools_present: true}\n"
        )
        routes = router(proxy)
        assert routes.route("anthropic", anthropic(CODE), {}).reason == "no rule matched (rule 1: no tools)"
        matched = routes.route("anthropic", anthropic(CODE, tools=BASH_TOOL), {})
        assert matched == Route("coding", "rule 1: model claude-sonnet-4-20250514, tools present")

    def test_models_condition(self) -> None:
        proxy = "proxy:\n  routing:\n    - to: planning\n      when: {models: [gpt-4o, gpt-5]}\n"
        routes = router(proxy)
        assert routes.route("openai", openai(CHAT, model="gpt-5"), {}).role == "planning"
        assert (
            routes.route("openai", openai(CHAT, model="o3"), {}).reason
            == "no rule matched (rule 1: model o3 not listed)"
        )
        assert routes.route("openai", {"messages": []}, {}).reason == "no rule matched (rule 1: model none not listed)"

    def test_tools_present_condition_either_way(self) -> None:
        proxy = (
            "proxy:\n  routing:\n    - to: coding\n      when: {tools_present: true}\n"
            "    - to: planning\n      when: {tools_present: false}\n"
        )
        routes = router(proxy)
        assert routes.route("anthropic", anthropic(CHAT, tools=WEATHER_TOOL), {}).role == "coding"
        assert routes.route("anthropic", anthropic(CHAT), {}) == Route("planning", "rule 2: no tools")
        assert routes.route("anthropic", anthropic(CHAT, tools=[]), {}).role == "planning"

    def test_header_condition(self) -> None:
        proxy = "proxy:\n  routing:\n    - to: coding\n      when: {header: autocoder}\n"
        route = router(proxy).route("anthropic", anthropic(CODE), {})
        assert route == Route(None, "no rule matched (rule 1: no header x-reasoning-role=autocoder)")

    def test_min_score_condition_reports_the_learned_score(self) -> None:
        proxy = "proxy:\n  routing:\n    - to: coding\n      when: {min_score: 0.6}\n"
        routes = router(proxy)
        hit = routes.route("anthropic", anthropic(CODE), {})
        assert hit.role == "coding" and hit.score is not None and hit.score >= 0.6
        assert hit.score == pytest.approx(learned.score(anthropic(CODE), "anthropic"), abs=1e-4)
        assert re.fullmatch(r"rule 1: coding score [01]\.\d\d >= 0\.60", hit.reason)
        miss = routes.route("anthropic", anthropic(CHAT), {})
        assert miss.role is None and miss.score is not None and miss.score < 0.6
        assert re.fullmatch(r"no rule matched \(rule 1: coding score 0\.\d\d < 0\.60\)", miss.reason)

    def test_max_input_tokens_skips_a_rule_that_would_have_matched(self) -> None:
        proxy = "proxy:\n  routing:\n    - to: coding\n      when: {min_score: 0.5, max_input_tokens: 100}\n"
        big = anthropic(CODE + "\n# padding\n" + "x = 1\n" * 200)
        route = router(proxy).route("anthropic", big, {})
        tokens = estimate_input_tokens(big, "anthropic")
        assert route.role is None
        assert route.reason == f"rule 1 skipped: {tokens} input tokens > max 100"
        small = router(proxy).route("anthropic", anthropic(CODE), {})
        assert small.role == "coding" and re.search(r", \d+ input tokens <= 100$", small.reason)

    def test_a_later_rule_can_match_after_a_skip(self) -> None:
        proxy = (
            "proxy:\n  routing:\n    - to: coding\n      when: {max_input_tokens: 10}\n"
            "    - to: planning\n      when: {max_input_tokens: 100000}\n"
        )
        route = router(proxy).route("anthropic", anthropic(CODE), {})
        assert route.role == "planning" and route.reason.startswith("rule 2: ")

    def test_only_the_score_a_rule_needs_is_computed(self) -> None:
        proxy = "proxy:\n  routing:\n    - to: planning\n      when: {models: [gpt-4o]}\n"
        assert router(proxy).route("openai", openai(CODE), {}).score is None

    def test_a_rule_may_spell_its_role_with_a_hyphen(self) -> None:
        roles = ROLES + "proxy:\n  routing:\n    - to: should-respond\n"
        assert router(roles=roles).route("openai", openai(CHAT), {}).role == "should_respond"


class TestDefaultRule:
    """The implied rule takes the learned score and its uncertain band (`runtime.learned`)."""

    BAND = learned.default_model().band

    def test_routes_anthropic_coding_requests_to_the_coding_role(self) -> None:
        route = router().route("anthropic", anthropic(CODE), {})
        assert route.role == "coding" and route.decision == "coding"
        assert re.fullmatch(rf"default rule: coding score [01]\.\d\d >= {self.BAND[1]:.2f}", route.reason)

    def test_leaves_other_requests_to_the_fallback_and_says_why(self) -> None:
        route = router().route("anthropic", anthropic(CHAT), {})
        assert route.role is None and route.decision == "not_coding"
        assert re.fullmatch(
            rf"no rule matched \(default rule: coding score 0\.\d\d < {self.BAND[0]:.2f}\)", route.reason
        )

    def test_a_score_inside_the_uncertain_band_takes_the_default_the_upstream_and_says_so(self) -> None:
        score = learned.score(anthropic(CODE), "anthropic")
        low, high = score / 2, (1 + score) / 2  # a band this request's score is inside
        wide = replace(learned.default_model(), band=(low, high))
        assert low <= learned.score(anthropic(CODE), "anthropic", wide) < high
        route = Router(loads(ROLES), model=wide).route("anthropic", anthropic(CODE), {})
        assert route.role is None and route.decision == "uncertain"
        assert route.reason == (
            f"default rule uncertain: coding score {score:.2f} in [{low:.2f}, {high:.2f}), default upstream"
        )

    def test_does_not_apply_to_the_openai_api(self) -> None:
        route = router().route("openai", openai(CODE), {})
        assert route == Route(None, "no rule matched (default rule: anthropic requests only)")

    def test_needs_a_role_named_coding(self) -> None:
        roles = ROLES.replace("  coding: {model: org/coding, hardware: h}\n", "")
        assert router(roles=roles).route("anthropic", anthropic(CODE), {}) == Route(None, "no rule matched")

    def test_is_replaced_by_any_rule_the_manifest_writes(self) -> None:
        proxy = "proxy:\n  routing:\n    - to: planning\n      when: {models: [gpt-5]}\n"
        assert router(proxy).route("anthropic", anthropic(CODE), {}).role is None


MALFORMED: list[Any] = [
    {},
    {"messages": "hello"},
    {"messages": {"role": "user", "content": "hi"}},
    {"messages": None},
    {"messages": 42},
    {"messages": [None, 1, "x", []]},
    {"messages": [{"role": "user"}]},
    {"messages": [{"role": "user", "content": None}]},
    {"messages": [{"role": "user", "content": 12}]},
    {"messages": [{"role": "user", "content": {"type": "text", "text": "def f(): pass"}}]},
    {"messages": [{"role": "user", "content": [1, None, "raw", ["nested"], {"type": "text"}, {"text": 5}]}]},
    {"messages": [{"role": "user", "content": [{"type": "tool_result", "content": {"text": "x"}}]}]},
    {"messages": [{"role": "user", "content": [{"type": "tool_result", "content": [[[["deep"]]]]}]}]},
    {"messages": [{"role": 7, "content": "x"}], "system": 5},
    {"messages": [{"role": "user", "content": "x"}], "system": [None, {"text": None}, "plain", {"type": "text"}]},
    {"messages": [{"role": "user", "content": "x"}], "tools": "Bash"},
    {"messages": [{"role": "user", "content": "x"}], "tools": ["Bash", None, {"function": "x"}, {"name": 3}]},
    {"messages": [{"role": "assistant", "content": "prefill only"}]},
    {"model": ["gpt-4o"], "messages": [{"role": "user", "content": "x"}]},
    {"messages": [{"role": [[[[["user"]]]]], "content": "x"}]},
    {"model": None, "messages": [{"role": "user", "content": [{"type": "image", "source": {"data": "AAAA"}}]}]},
    [],
    "a string",
    None,
]


class TestMalformedBodies:
    @pytest.mark.parametrize("body", MALFORMED, ids=range(len(MALFORMED)))
    @pytest.mark.parametrize("api", ["anthropic", "openai"])
    def test_never_raise_and_never_hit_the_error_guard(self, body: Any, api: Any) -> None:
        proxy = (
            "proxy:\n  model_map: {gpt-4o: planning}\n  routing:\n    - to: coding\n"
            "      when: {tools_present: true, min_score: 0.1, max_input_tokens: 100000}\n"
            "    - to: planning\n      when: {min_score: 0.0, models: [claude]}\n"
        )
        route = router(proxy).route(api, body, {})
        assert route.role in (None, "coding", "planning")
        assert not route.reason.startswith("routing error")
        assert 0.0 <= coding_score(body, api) <= 1.0
        assert estimate_input_tokens(body, api) >= 0
        assert naive_route(body, api) in (True, False)

    def test_a_body_that_is_not_an_object_says_so(self) -> None:
        assert router().route("anthropic", [], {}) == Route(None, "body is not a JSON object")  # type: ignore[arg-type]

    def test_a_bug_below_route_falls_back_instead_of_failing_the_request(self) -> None:
        class Exploding(dict[str, Any]):
            def get(self, key: str, default: Any = None) -> Any:
                raise RuntimeError("boom")

        route = router().route("anthropic", Exploding(), {})
        assert route == Route(None, "routing error RuntimeError; sent upstream")

    def test_huge_inputs_are_clipped_before_they_are_scored(self) -> None:
        prose = "the quick brown fox jumps over the lazy dog. " * 120_000  # 5.4 MB
        huge = anthropic(prose + CODE, system="You are a helpful assistant. " * 10_000)
        clipped = anthropic(prose[: TURN_CHARS // 2] + "\n" + (prose + CODE)[-TURN_CHARS // 2 :])
        clipped["system"] = ("You are a helpful assistant. " * 10_000)[:SYSTEM_CHARS]
        assert explain(huge, "anthropic") == explain(clipped, "anthropic")
        assert estimate_input_tokens(huge, "anthropic") > 1_000_000


class TestCodingScore:
    def test_string_and_block_content_score_alike(self) -> None:
        blocks = anthropic([{"type": "text", "text": line} for line in CODE.split("\n")])  # blocks join with newlines
        assert coding_score(anthropic(CODE), "anthropic") == coding_score(blocks, "anthropic")
        parts = openai([{"type": "text", "text": CODE}])
        assert coding_score(openai(CODE), "openai") == coding_score(parts, "openai")

    def test_reads_tool_results_in_the_last_turn(self) -> None:
        body = {
            "messages": [
                {"role": "user", "content": "run it"},
                {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "run", "input": {}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": CODE}]},
            ]
        }
        assert coding_score(body, "anthropic") > 0.9
        openai_body = {
            "messages": [
                {"role": "user", "content": "run it"},
                {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function"}]},
                {"role": "tool", "tool_call_id": "c1", "content": CODE},
            ]
        }
        assert coding_score(openai_body, "openai") > 0.9

    def test_reads_the_system_prompt(self) -> None:
        plain = anthropic("add a notes field to bookings, optional")
        coder = plain | {
            "system": "Act as an expert software developer. Take requests for changes to the supplied code."
        }
        assert coding_score(coder, "anthropic") > DEFAULT_MIN_SCORE > coding_score(plain, "anthropic")

    def test_autocoder_tools_make_a_coding_session(self) -> None:
        body = anthropic("continue", tools=[{"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"}])
        assert coding_score(body, "anthropic") > DEFAULT_MIN_SCORE
        assert coding_score(anthropic("continue", tools=WEATHER_TOOL), "anthropic") < DEFAULT_MIN_SCORE

    @pytest.mark.parametrize(
        "text",
        [
            "my ball python escaped, how do I find it?",
            "what are the import duties on a guitar shipped to the UK?",
            "gm, java time before the market opens, let me check my wallet",
            "IMPORTANT: the board meeting moved to Thursday",
            "which class should I pick for the raid, mage or ranger?",
        ],
    )
    def test_words_the_substring_rule_trips_on_score_low(self, text: str) -> None:
        assert naive_route(anthropic(text), "anthropic")  # the original rule sent each of these to the coding model
        assert coding_score(anthropic(text), "anthropic") < DEFAULT_MIN_SCORE

    @pytest.mark.parametrize(
        "text",
        [
            "what's the zip code for downtown Portland?",
            "is there a dress code for the wedding?",
            "I need to debug my relationship lol",
            "what does SQL stand for?",
            "what are the best resources to learn python for a data analyst career?",
        ],
    )
    def test_everyday_and_topic_uses_of_coding_words_score_low(self, text: str) -> None:
        assert coding_score(anthropic(text), "anthropic") < DEFAULT_MIN_SCORE

    @pytest.mark.parametrize(
        "text",
        [
            "regex for US phone numbers like (415) 555-0132",
            "can u help me make my discord bot reply when someone says gm",
            "SELECT name, COUNT(*) FROM orders GROUP BY name HAVING COUNT(*) > 1; why so slow",
            "my go server panics: panic: assignment to entry in nil map\n\ngoroutine 18 [running]:",
        ],
    )
    def test_coding_phrased_casually_or_without_the_keywords_scores_high(self, text: str) -> None:
        assert coding_score(anthropic(text), "anthropic") >= DEFAULT_MIN_SCORE

    def test_an_elizaos_prompt_is_not_read_for_code(self) -> None:
        prompt = (
            "<task>Generate dialog and actions for the character Dex.</task>\n<providers>\n# Conversation Messages\n"
            f"wes: {CODE}\n</providers>\nIMPORTANT CODE BLOCK FORMATTING RULES: wrap code with ``` fences.\n"
            "<response>\n    <thought>Your thought here</thought>\n    <actions>ACTION1,ACTION2</actions>\n</response>"
        )
        score = explain(anthropic(prompt), "anthropic")
        assert score.value < 0.01
        assert [name for name, _ in score.contributions] == ["agent template"]
        assert naive_route(anthropic(prompt), "anthropic")

    def test_an_elizaos_prompt_inside_a_coding_session_is_code(self) -> None:
        prompt = "fix the typo in this template:\n<task>Decide on behalf of {{agentName}} whether they should respond"
        assert coding_score(anthropic(prompt, tools=BASH_TOOL), "anthropic") > DEFAULT_MIN_SCORE

    def test_explains_itself(self) -> None:
        score = explain(anthropic(CODE), "anthropic")
        names = [name for name, _ in score.contributions]
        assert {"code fence", "stack trace"} <= set(names)
        assert score.top(2) == [name for name, value in sorted(score.contributions, key=lambda x: -x[1])[:2]]


class TestEstimateInputTokens:
    def test_counts_four_characters_a_token_plus_four_a_message(self) -> None:
        body = {
            "system": "s" * 400,
            "messages": [{"role": "user", "content": "u" * 800}, {"role": "assistant", "content": "a" * 4}],
        }
        characters = 400 + 800 + 4 + len("user") + len("assistant")  # every string, roles included
        assert estimate_input_tokens(body, "anthropic") == math.ceil(characters / 4) + 2 * 4

    def test_counts_tool_definitions_and_tool_results(self) -> None:
        plain = anthropic("hi")
        with_tools = plain | {"tools": BASH_TOOL * 10}
        assert estimate_input_tokens(with_tools, "anthropic") > estimate_input_tokens(plain, "anthropic") + 50
        result = anthropic(
            [{"type": "tool_result", "tool_use_id": "t", "content": [{"type": "text", "text": "x" * 4000}]}]
        )
        assert estimate_input_tokens(result, "anthropic") >= 1000

    def test_counts_an_image_as_an_image_not_as_its_base64(self) -> None:
        image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "A" * 2_000_000}}
        body = anthropic([image, {"type": "text", "text": "what is this?"}])
        assert IMAGE_TOKENS <= estimate_input_tokens(body, "anthropic") < IMAGE_TOKENS + 20
        openai_image = openai([{"type": "image_url", "image_url": {"url": "data:image/png;base64," + "A" * 100_000}}])
        assert IMAGE_TOKENS <= estimate_input_tokens(openai_image, "openai") < IMAGE_TOKENS + 20

    def test_survives_pathological_nesting(self) -> None:
        deep: Any = "leaf"
        for _ in range(10_000):
            deep = [deep]
        assert estimate_input_tokens({"messages": [{"role": "user", "content": deep}]}, "anthropic") >= 4


class TestNaiveRoute:
    """The original rule, reproduced so the comparison is with what really ran."""

    def test_reads_messages_but_never_the_system_field(self) -> None:
        assert not naive_route(anthropic("hello", system="You write python code."), "anthropic")
        assert naive_route(openai("hello") | {"messages": [{"role": "system", "content": "python"}]}, "openai")

    def test_substrings_match_inside_words(self) -> None:
        assert naive_route(anthropic("IMPORTANT: be brief"), "anthropic")  # import
        assert naive_route(anthropic("I trust you"), "anthropic")  # rust
        assert naive_route(anthropic("a short description"), "anthropic")  # script
        assert not naive_route(anthropic("SELECT * FROM users WHERE id = 1"), "anthropic")

    def test_tool_results_read_as_empty_like_the_original(self) -> None:
        body = anthropic([{"type": "tool_result", "tool_use_id": "t", "content": "def main(): import os"}])
        assert not naive_route(body, "anthropic")

    def test_stringifies_odd_values_as_javascript_would(self) -> None:
        assert not naive_route({"messages": [{"role": "user", "content": None}]}, "anthropic")  # "user: undefined"
        assert naive_route({"messages": [{"role": "user", "content": ["x", {"text": "const x"}]}]}, "anthropic")
        assert not naive_route({"messages": "python"}, "anthropic")


def _confusion(items: list[dict[str, Any]], predict: Any) -> tuple[float, float]:
    tp = fp = fn = 0
    for entry in items:
        predicted, actual = predict(entry), entry["label"] == "coding"
        tp += predicted and actual
        fp += predicted and not actual
        fn += actual and not predicted
    return tp / (tp + fp), tp / (tp + fn)


EVAL = Manifest.model_validate(
    {
        "version": 1,
        "project": "routing-eval",
        "models": {
            role: {"model": f"org/{role}", "hardware": "h"} for role in ("should_respond", "planning", "coding")
        },
        "proxy": {"routing": [{"to": "coding", "when": {"min_score": DEFAULT_MIN_SCORE}}]},
    }
)


class TestLabeledSet:
    def test_is_large_enough_and_well_formed(self) -> None:
        dev, heldout = build.load("dev"), build.load("heldout")
        assert len(dev) + len(heldout) >= 240 and len(heldout) >= 100
        ids = [entry["id"] for entry in dev + heldout]
        assert len(ids) == len(set(ids))
        for entry in dev + heldout:
            assert set(entry) == {"id", "api", "body", "label", "note"}
            assert entry["api"] in ("anthropic", "openai") and entry["label"] in ("coding", "not_coding")
            assert isinstance(entry["body"].get("messages"), list) and entry["note"]

    def test_jsonl_is_what_the_builder_writes(self) -> None:
        for split, items in (("dev", dev_items.ITEMS), ("heldout", heldout_items.ITEMS)):
            assert build.load(split) == json.loads(json.dumps(items)), (
                f"run python -m tests.runtime.routing_data.build ({split})"
            )

    def test_on_held_out_traffic_the_router_beats_the_substring_rule(self) -> None:
        """Stated margin: precision at least 0.5 higher and recall at least 0.25 higher than the naive
        rule's, on the split neither classifier was tuned or trained on (the learned score and its band,
        measured: precision 0.915 vs 0.373, recall 0.977 vs 0.636; the hand-weighted one had 1.000 and 0.955
        on it, this set being the one its vocabulary was written for)."""
        heldout = build.load("heldout")
        routes = Router(EVAL, affinity=False)
        precision, recall = _confusion(heldout, lambda e: routes.route(e["api"], e["body"], {}).role == "coding")
        naive_precision, naive_recall = _confusion(heldout, lambda e: naive_route(e["body"], e["api"]))
        assert precision >= naive_precision + 0.5
        assert recall >= naive_recall + 0.25

    def test_every_reason_is_one_short_ascii_phrase(self) -> None:
        routes = Router(EVAL, affinity=False)
        for entry in build.load("dev") + build.load("heldout"):
            reason = routes.route(entry["api"], entry["body"], {}).reason
            assert reason.isascii() and reason.isprintable() and len(reason) <= 160, (entry["id"], reason)
