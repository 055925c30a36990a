"""The parsers take what real models emit, not only the template's ideal answer."""

from __future__ import annotations

import pytest

from runtime.parse import ParseError, PlanAnswer, ShouldRespondAnswer, parse_plan, parse_should_respond

IDEAL_SHOULD_RESPOND = """<response>
  <name>Eliza</name>
  <reasoning>The user greets Eliza by name.</reasoning>
  <action>RESPOND</action>
</response>"""

IDEAL_PLAN = """<response>
    <thought>Greet the user back.</thought>
    <actions>REPLY</actions>
    <providers></providers>
    <text>Hello there!</text>
</response>"""


class TestShouldRespond:
    def test_reads_the_templates_own_format(self) -> None:
        answer = parse_should_respond(IDEAL_SHOULD_RESPOND)
        assert answer.decision == "RESPOND"
        assert answer.reasoning == "The user greets Eliza by name."
        assert answer.name == "Eliza"

    @pytest.mark.parametrize(
        ("raw", "decision"),
        [
            # DeepSeek-R1 distills think first, in a closed block
            ("<think>\nThe user said stop. So STOP.\n</think>\n\n" + IDEAL_SHOULD_RESPOND.replace("RESPOND<", "STOP<"),
             "STOP"),
            # ... or only close it: the chat template opened <think> in the prompt
            ("Okay, the user is talking to Bob, not Eliza. I should IGNORE.\n</think>\n"
             "<response><name>Eliza</name><reasoning>Talking to Bob</reasoning><action>IGNORE</action></response>",
             "IGNORE"),
            # ... or never close it, with the answer after the musing
            ("<think>\nHmm, maybe <action>IGNORE</action>? No, they named me.\n"
             "<response><reasoning>named</reasoning><action>RESPOND</action></response>",
             "RESPOND"),
            # prose before and after
            ("Sure! Here is my decision:\n\n" + IDEAL_SHOULD_RESPOND + "\n\nLet me know if you need anything else.",
             "RESPOND"),
            # a code fence around the XML
            ("```xml\n" + IDEAL_SHOULD_RESPOND + "\n```", "RESPOND"),
            # tags in another case, with attributes, spaces inside the closing tag
            ('<Response version="1"><REASONING>a question</REASONING><Action kind="x"> respond </Action ></Response>',
             "RESPOND"),
            # no <response> wrapper at all
            ("<reasoning>Not addressed</reasoning>\n<action>IGNORE</action>", "IGNORE"),
            # the action decorated
            ("<response><action>**STOP**</action></response>", "STOP"),
            ("<response><action>[IGNORE]</action></response>", "IGNORE"),
            ("<response><action>Respond.</action></response>", "RESPOND"),
            # cut by max_tokens after the action
            ("<response>\n  <name>Eliza</name>\n  <action>RESPOND</action>\n  <reaso", "RESPOND"),
            # REPLY and NONE, what ElizaOS core reads as respond and ignore
            ("<response><action>REPLY</action></response>", "RESPOND"),
            ("<response><action>NONE</action></response>", "IGNORE"),
            # ElizaOS v0 (shouldRespondFooter): the option on the first line
            ("[RESPOND]", "RESPOND"),
            ("[STOP]\nThe user asked me to be quiet.", "STOP"),
            ("IGNORE", "IGNORE"),
            ("I think the right call here is [IGNORE] since nobody asked me.", "IGNORE"),
            # a JSON object
            ('```json\n{"reasoning": "named directly", "action": "RESPOND"}\n```', "RESPOND"),
            # entities in the reasoning do not confuse the action
            ("<response><reasoning>a &lt; b &amp; c</reasoning><action>STOP</action></response>", "STOP"),
            # the first block is an echoed example, the second the answer
            ("<response><action>RESPOND | IGNORE | STOP</action></response>\n"
             "<response><action>IGNORE</action></response>", "IGNORE"),
        ],
    )  # fmt: skip
    def test_reads_what_real_models_emit(self, raw: str, decision: str) -> None:
        assert parse_should_respond(raw).decision == decision

    def test_unescapes_the_reasoning_and_reads_cdata(self) -> None:
        raw = "<response><reasoning><![CDATA[x < y]]> &amp; more</reasoning><action>IGNORE</action></response>"
        assert parse_should_respond(raw).reasoning == "x < y & more"

    def test_thinking_is_not_taken_for_the_answer(self) -> None:
        raw = "<think><response><action>RESPOND</action></response></think><response><action>STOP</action></response>"
        assert parse_should_respond(raw).decision == "STOP"

    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "I'm not sure what you mean.",
            "<response><name>Eliza</name><reasoning>hmm</reasoning></response>",
            "<response><action>RESPOND | IGNORE | STOP</action></response>",
            "<response><action>MAYBE</action></response>",
            "<think>Let me think about whether to respond. The user said",
            "[RESPOND] or [IGNORE], hard to say",
        ],
    )
    def test_nothing_usable_is_a_clear_parse_error(self, raw: str) -> None:
        with pytest.raises(ParseError) as caught:
            parse_should_respond(raw)
        assert caught.value.reason == "no <action> with RESPOND, IGNORE or STOP"
        assert str(caught.value).startswith("should_respond answer: no <action>")
        assert f"answer of {len(raw)} chars" in str(caught.value)

    def test_the_error_shows_only_the_start_of_a_long_answer(self) -> None:
        with pytest.raises(ParseError) as caught:
            parse_should_respond("word " * 500)
        assert len(str(caught.value)) < 200


class TestPlan:
    def test_reads_the_templates_own_format(self) -> None:
        plan = parse_plan(IDEAL_PLAN)
        assert plan == PlanAnswer(thought="Greet the user back.", actions=["REPLY"], providers=[], text="Hello there!")

    def test_splits_actions_and_providers_on_commas(self) -> None:
        plan = parse_plan(
            "<response><thought>t</thought><actions>reply, SEND_MESSAGE ,</actions>"
            "<providers>ENTITIES,FACTS</providers><text>On it.</text></response>"
        )
        assert plan.actions == ["REPLY", "SEND_MESSAGE"]
        assert plan.providers == ["ENTITIES", "FACTS"]

    def test_reads_params_as_nested_xml_without_mistaking_their_text_for_the_answer(self) -> None:
        raw = """<response>
    <thought>Send the message.</thought>
    <actions>REPLY,SEND_MESSAGE</actions>
    <params>
        <SEND_MESSAGE>
            <targetType>user</targetType>
            <target>dev_guru</target>
            <text>Hello!</text>
        </SEND_MESSAGE>
    </params>
    <providers></providers>
    <text>Sending it now.</text>
</response>"""
        plan = parse_plan(raw)
        assert plan.text == "Sending it now."
        assert plan.params == {"SEND_MESSAGE": {"targetType": "user", "target": "dev_guru", "text": "Hello!"}}

    def test_reads_params_as_json(self) -> None:
        plan = parse_plan(
            "<response><thought>t</thought><actions>REPLY,SEND_MESSAGE</actions><text>ok</text>"
            '<params>{"SEND_MESSAGE": {"target": "bob"}}</params></response>'
        )
        assert plan.params == {"SEND_MESSAGE": {"target": "bob"}}

    def test_keeps_code_and_markup_inside_the_text(self) -> None:
        raw = (
            "<response><thought>Show code</thought><actions>REPLY</actions><providers/>"
            "<text>Use this:\n```python\nif a < b and c > d:\n    print('<b>hi</b>')\n```</text></response>"
        )
        plan = parse_plan(raw)
        assert plan.text == "Use this:\n```python\nif a < b and c > d:\n    print('<b>hi</b>')\n```"
        assert plan.providers == []

    @pytest.mark.parametrize(
        ("raw", "actions", "text"),
        [
            ("<think>\nThe user says hi; reply.\n</think>\n" + IDEAL_PLAN, ["REPLY"], "Hello there!"),
            ("Let me plan.\n</think>\n\n" + IDEAL_PLAN, ["REPLY"], "Hello there!"),
            ("Here's my plan:\n```xml\n" + IDEAL_PLAN + "\n```\nDone.", ["REPLY"], "Hello there!"),
            # optional tags missing: no thought, no providers
            ("<response><actions>REPLY</actions><text>Hi!</text></response>", ["REPLY"], "Hi!"),
            # text without actions is a reply
            ("<response><thought>say hi</thought><text>Hi!</text></response>", ["REPLY"], "Hi!"),
            # IGNORE alone
            ("<response><thought>rude</thought><actions>IGNORE</actions><text></text></response>", ["IGNORE"], ""),
            # IGNORE with others: without text IGNORE wins, with text the others do (ElizaOS's rule)
            ("<response><actions>REPLY,IGNORE</actions><text></text></response>", ["IGNORE"], ""),
            ("<response><actions>IGNORE,REPLY</actions><text>hey</text></response>", ["REPLY"], "hey"),
            # the validation codes the Python runtime asks for, echoed among the fields
            ("<response><one_initial_code>abc</one_initial_code><thought>t</thought><actions>REPLY</actions>"
             "<text>yo</text><one_end_code>def</one_end_code></response>", ["REPLY"], "yo"),
            # cut while writing the text
            ("<response><thought>t</thought><actions>REPLY</actions><text>Hello, I was about to", ["REPLY"],
             "Hello, I was about to"),
            # case and attributes
            ('<RESPONSE><Thought>t</Thought><ACTIONS type="list">Reply</ACTIONS><Text>Hi</Text></RESPONSE>',
             ["REPLY"], "Hi"),
            # actions one per line, or as a JSON list
            ("<response><actions>\nREPLY\nFOLLOW_ROOM\n</actions><text>ok</text></response>",
             ["REPLY", "FOLLOW_ROOM"], "ok"),
            ('<response><actions>["REPLY", "MUTE_ROOM"]</actions><text>ok</text></response>',
             ["REPLY", "MUTE_ROOM"], "ok"),
            # a JSON object instead of XML
            ('{"thought": "t", "actions": ["REPLY"], "providers": [], "text": "json hi"}', ["REPLY"], "json hi"),
            # simple and entities
            ("<response><actions>REPLY</actions><text>Tom &amp; Jerry</text><simple>true</simple></response>",
             ["REPLY"], "Tom & Jerry"),
        ],
    )  # fmt: skip
    def test_reads_what_real_models_emit(self, raw: str, actions: list[str], text: str) -> None:
        plan = parse_plan(raw)
        assert (plan.actions, plan.text) == (actions, text)

    def test_reads_simple(self) -> None:
        assert parse_plan("<response><actions>REPLY</actions><text>x</text><simple>TRUE</simple></response>").simple
        assert parse_plan(IDEAL_PLAN).simple is None

    @pytest.mark.parametrize(
        "raw",
        [
            "",
            "Hello there! How can I help?",
            "<response><thought>I am not sure.</thought></response>",
            "<response><thought>t</thought><actions></actions><text></text></response>",
            "<think>planning a reply to the user who said",
            '{"thought": "no actions"}',
        ],
    )
    def test_nothing_usable_is_a_clear_parse_error(self, raw: str) -> None:
        with pytest.raises(ParseError) as caught:
            parse_plan(raw)
        assert caught.value.reason == "no <response> with <actions> or <text>"
        assert caught.value.role == "planning"


class TestCleanXml:
    def test_a_decision_round_trips_through_its_clean_xml(self) -> None:
        answer = ShouldRespondAnswer(decision="STOP", reasoning="told to <stop> & hush", name="Eliza")
        assert parse_should_respond(answer.to_xml()) == answer
        assert parse_should_respond(ShouldRespondAnswer(decision="IGNORE").to_xml()).name is None

    def test_an_answer_round_trips_through_its_clean_xml(self) -> None:
        plan = PlanAnswer(
            thought="a < b",
            actions=["REPLY", "SEND_MESSAGE"],
            providers=["FACTS"],
            text="Tom & <Jerry>",
            params={"SEND_MESSAGE": {"target": "bob"}},
            simple=False,
        )
        assert parse_plan(plan.to_xml()) == plan

    def test_clean_xml_is_what_elementtree_reads(self) -> None:
        import xml.etree.ElementTree as ET

        plan = PlanAnswer(thought="t", actions=["REPLY"], text="if a < b & c:")
        root = ET.fromstring(plan.to_xml())
        assert root.findtext("text") == "if a < b & c:"
