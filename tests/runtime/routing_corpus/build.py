"""Write the routing corpus: `dev.jsonl` and `heldout.jsonl` next to this file.

    python -m tests.runtime.routing_corpus.build [--check]

Each item is `{"id", "api", "body", "label", "category", "lang", "client", "group"}`; the label rule
and the categories are in README.md here. The split is stratified by category and label: in each
stratum, the groups (an item's source text; a text used in two items, such as a task given to an
agent and the tool loop that follows it, is one group) are ordered by a hash of their name and the
first 30 % go to held-out. Everything is deterministic: the same sources write the same bytes.
`--check` writes nothing and fails if the files on disk differ from what the sources give.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from tests.runtime.routing_corpus import agents, asks, clients, fresh, languages, sessions, supplement
from tests.runtime.routing_corpus.clients import Shape, Turn, pick, tool_result, tool_use

HERE = Path(__file__).parent
SPLITS = ("dev", "heldout")
HELDOUT_SHARE = 0.3
LABELS = ("coding", "not_coding")


def load(split: str) -> list[dict[str, Any]]:
    """The items of one split (or "supplement", the training-only additions), as the JSONL file holds them."""
    if split not in (*SPLITS, "supplement", "heldout2"):
        raise ValueError(f"split must be one of {SPLITS}, 'heldout2' or 'supplement', not {split!r}")
    with (HERE / f"{split}.jsonl").open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


class Corpus:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(
        self, id: str, shape: Shape, label: str, category: str, lang: str, client: str, group: str | None = None
    ) -> None:
        if label not in LABELS:
            raise ValueError(f"{id}: label must be one of {LABELS}, not {label!r}")
        api, body = shape
        self.items.append(
            {
                "id": id,
                "api": api,
                "body": body,
                "label": label,
                "category": category,
                "lang": lang,
                "client": client,
                "group": group or id,
            }
        )


def _chat(turns: list[Turn], seed: str) -> tuple[Shape, str]:
    api = pick(seed + "api", ["anthropic", "anthropic", "openai"])
    return clients.chat(turns, api, seed), f"sdk-{api}"


def _single(
    corpus: Corpus, prefix: str, texts: list[str], label: str, category: str, lang: str = "en", agent_share: int = 0
) -> None:
    """One item per text; `agent_share` in 10ths go to a coding agent's first turn instead of a chat app."""
    for index, text in enumerate(texts):
        seed = f"{prefix}-{index}"
        slot = int(hashlib.sha256(seed.encode()).hexdigest()[:4], 16) % 10
        if slot < agent_share:
            kind = pick(seed + "kind", ["claude-code", "claude-code", "ide", "aider", "cline"])
            corpus.add(seed, _agent_first_turn(kind, text, seed), label, category, lang, kind)
        else:
            shape, client = _chat([("user", text)], seed)
            corpus.add(seed, shape, label, category, lang, client)


def _agent_first_turn(kind: str, text: str, seed: str) -> Shape:
    if kind == "claude-code":
        return clients.claude_code([("user", text)], seed)
    if kind == "ide":
        return clients.ide([("user", text)], seed)
    if kind == "aider":
        return clients.aider({}, [("user", text)], seed)
    if kind == "openhands":
        return clients.openhands(text, [], seed)
    return clients.cline([("user", text)], seed)


def _conversation(opening: tuple[str, str], middles: list[tuple[str, str]], last: str, seed: str) -> list[Turn]:
    turns: list[Turn] = [("user", opening[0]), ("assistant", opening[1])]
    count = int(hashlib.sha256((seed + "n").encode()).hexdigest()[:2], 16) % 5  # 0 to 4 middle exchanges
    for step in range(count):
        user, assistant = middles[(int(hashlib.sha256(f"{seed}{step}".encode()).hexdigest()[:4], 16)) % len(middles)]
        turns += [("user", user), ("assistant", assistant)]
    return [*turns, ("user", last)]


def _multi_turn(corpus: Corpus) -> None:
    for index, (lang, ask, answer) in enumerate(sessions.CODING_OPENINGS):
        seed = f"multi-code-{index}"
        pool = sessions.SHARED_FOLLOW_UPS if index % 4 == 3 else sessions.CODING_FOLLOW_UPS
        turns = _conversation((ask, answer), sessions.CODING_MIDDLES, pick(seed + "f", pool), seed)
        _multi_item(corpus, seed, turns, "coding", lang)
    for index, (lang, turns_) in enumerate(sessions.CODING_SESSIONS):
        _multi_item(corpus, f"multi-session-{index}", list(turns_), "coding", lang)
    for index, (lang, ask, answer) in enumerate(sessions.OTHER_OPENINGS):
        seed = f"multi-other-{index}"
        pool = sessions.SHARED_FOLLOW_UPS if index % 4 == 3 else sessions.OTHER_FOLLOW_UPS
        turns = _conversation((ask, answer), sessions.OTHER_MIDDLES, pick(seed + "f", pool), seed)
        _multi_item(corpus, seed, turns, "not_coding", lang)
    # The last ask decides: a coding conversation that ends on another subject, and the reverse.
    for index, last in enumerate(sessions.TOPIC_SWITCHES_TO_OTHER):
        seed = f"multi-switch-other-{index}"
        lang, ask, answer = pick(seed, sessions.CODING_OPENINGS)
        _multi_item(corpus, seed, _conversation((ask, answer), sessions.CODING_MIDDLES, last, seed), "not_coding", "en")
    for index, last in enumerate(sessions.TOPIC_SWITCHES_TO_CODE):
        seed = f"multi-switch-code-{index}"
        lang, ask, answer = pick(seed, sessions.OTHER_OPENINGS)
        _multi_item(corpus, seed, _conversation((ask, answer), sessions.OTHER_MIDDLES, last, seed), "coding", "en")


def _multi_item(corpus: Corpus, seed: str, turns: list[Turn], label: str, lang: str) -> None:
    if pick(seed + "ide", [0, 0, 0, 1]):
        corpus.add(seed, clients.ide(turns, seed, tools=False), label, "multi_turn", lang, "ide-chat")
    else:
        shape, client = _chat(turns, seed)
        corpus.add(seed, shape, label, "multi_turn", lang, client)


def _steps(seed: str) -> list[tuple[str, dict[str, Any], str]]:
    count = 1 + int(hashlib.sha256((seed + "k").encode()).hexdigest()[:2], 16) % 4
    start = int(hashlib.sha256(seed.encode()).hexdigest()[:4], 16)
    steps = agents.CODING_TOOL_STEPS
    return [steps[(start + 7 * k) % len(steps)] for k in range(count)]


def _coding_tool_loop(task: str, seed: str) -> tuple[Shape, str]:
    """A coding agent's loop whose last user turn holds only a tool result."""
    steps = _steps(seed)
    kind = pick(seed + "loop", ["claude-code", "claude-code", "openhands", "cline", "sdk-tools"])
    if kind == "openhands":
        oh_steps = [
            (
                "execute_bash" if name == "Bash" else "str_replace_editor",
                {"command": args.get("command", "view"), "path": args.get("file_path", "")},
                out,
            )
            for name, args, out in steps
        ]
        return clients.openhands(task, oh_steps, seed), kind
    if kind == "cline":
        turns: list[Turn] = [("user", task)]
        for index, (name, args, out) in enumerate(steps):
            command = args.get("command") or args.get("file_path") or args.get("pattern") or name
            turns.append(
                (
                    "assistant",
                    f"<execute_command>\n<command>{command}</command>\n<requires_approval>false</requires_approval>\n</execute_command>"
                    if name == "Bash"
                    else f"<read_file>\n<path>{command}</path>\n</read_file>",
                )
            )
            turns.append(
                (
                    "user",
                    [
                        {
                            "type": "text",
                            "text": f"[{'execute_command' if name == 'Bash' else 'read_file'} for '{command}'] Result:",
                        },
                        {"type": "text", "text": out},
                    ],
                )
            )
            del index
        return clients.cline(turns, seed), kind
    turns = [("user", task)]
    for index, (name, args, out) in enumerate(steps):
        call_seed = f"{seed}-{index}"
        turns.append(
            (
                "assistant",
                [{"type": "text", "text": "Let me check."}, tool_use(name, args, call_seed)]
                if index == 0
                else [tool_use(name, args, call_seed)],
            )
        )
        turns.append(
            (
                "user",
                [tool_result(out, call_seed, is_error="error" in out.lower()[:200], as_blocks=kind == "sdk-tools")],
            )
        )
    if kind == "sdk-tools":
        api, body = clients.chat(
            turns,
            "anthropic",
            seed,
            system="You are a coding agent in the user's repository. Use the tools to inspect and change files.",
        )
        body["tools"] = [
            {"type": "bash_20250124", "name": "bash"},
            {"type": "text_editor_20250728", "name": "str_replace_based_edit_tool"},
        ]
        return (api, body), kind
    return clients.claude_code(turns, seed), kind


def _agents(corpus: Corpus) -> None:
    tasks = [("en", task) for task in agents.AGENT_TASKS] + list(agents.AGENT_TASKS_MORE)
    for index, (lang, task) in enumerate(tasks):
        seed = f"agent-task-{index}"
        kind = pick(seed + "kind", ["claude-code", "claude-code", "claude-code", "aider", "cline", "openhands", "ide"])
        corpus.add(seed, _agent_first_turn(kind, task, seed), "coding", "autocoder", lang, kind)
        loop_seed = f"tool-loop-{index}"
        shape, kind = _coding_tool_loop(task, loop_seed)
        corpus.add(loop_seed, shape, "coding", "tool_loop", lang, kind, group=seed)
    # Agents whose tools are not about code: the tool loop serves a trip, a calendar, an order.
    for a_index, agent in enumerate(agents.OTHER_AGENTS):
        for l_index, (ask, tool, args, output) in enumerate(agent["loops"]):
            seed = f"tool-loop-other-{a_index}-{l_index}"
            call = tool_use(tool, args, seed)
            turns: list[Turn] = [("user", ask), ("assistant", [call]), ("user", [tool_result(output, seed)])]
            api = pick(seed + "api", ["anthropic", "anthropic", "openai"])
            corpus.add(
                seed,
                clients.tool_agent(agent["system"], agent["tools"], turns, seed, api),
                "not_coding",
                "tool_loop",
                "en",
                f"sdk-agent-{api}",
            )
    # A coding agent asked something else mid-session; some of those go through a web search.
    for index, question in enumerate(agents.IDE_OTHER_QUESTIONS):
        seed = f"ide-other-{index}"
        lang = _lang_of(question)
        turns = _mid_session(seed, index, question)
        if index % 5 == 4:  # the agent searched the web for it; the last turn is the search result only
            call_seed = seed + "-search"
            turns.append(("assistant", [tool_use("WebSearch", {"query": question[:60]}, call_seed)]))
            turns.append(
                (
                    "user",
                    [
                        tool_result(
                            f'Web search results for query: "{question[:60]}"\n\n'
                            "1. A guide with ten ideas and tips\n2. A forum thread with answers from readers\n"
                            "3. A blog post comparing options",
                            call_seed,
                        )
                    ],
                )
            )
        kind = pick(seed + "kind", ["claude-code", "claude-code", "ide", "cline"])
        corpus.add(seed, _coding_session(kind, turns, seed), "not_coding", "ide_non_code", lang, kind)
    for index, (kind, text) in enumerate(agents.SIDE_CALL_TEXTS):
        seed = f"side-call-{index}"
        corpus.add(
            seed,
            clients.claude_code_side(kind, text, seed),
            "not_coding",
            "side_call",
            _lang_of(text),
            "claude-code-side",
        )


def _eliza(corpus: Corpus) -> None:
    personas = {persona["name"].lower(): persona for persona in agents.PERSONAS}
    code_chatter = [
        ("bob", "my deploy failed again lol"),
        ("carol", "anyone else hate regex"),
        ("dan", "pushed the fix last night"),
        ("erin", "the build is green finally"),
    ]

    def persona_for(text: str, seed: str) -> dict[str, Any]:
        for name, persona in personas.items():
            if name in text.lower():
                return persona
        return pick(seed, agents.PERSONAS)

    def room(seed: str, text: str, code_heavy: bool) -> list[tuple[str, str]]:
        count = int(hashlib.sha256((seed + "c").encode()).hexdigest()[:2], 16) % 6
        pool = agents.ROOM_CHATTER + (code_chatter if code_heavy else [])
        lines = [
            pool[(int(hashlib.sha256(f"{seed}{k}".encode()).hexdigest()[:4], 16)) % len(pool)] for k in range(count)
        ]
        speaker = pick(seed + "who", ["sam", "priya", "noah", "zoe", "omar", "lena"])
        return [*lines, (speaker, text)]

    for label, texts, prefix in (
        ("coding", agents.ELIZA_CODING, "eliza-code"),
        ("not_coding", agents.ELIZA_OTHER, "eliza-other"),
    ):
        for index, text in enumerate(texts):
            seed = f"{prefix}-{index}"
            persona = persona_for(text, seed)
            corpus.add(
                seed,
                clients.eliza("message_handler", persona, room(seed, text, code_heavy=label == "not_coding"), seed),
                label,
                "eliza_handler",
                _lang_of(text),
                "elizaos-handler",
            )
    for index, text in enumerate(agents.SHOULD_RESPOND_MESSAGES):
        seed = f"eliza-should-respond-{index}"
        persona = persona_for(text, seed)
        corpus.add(
            seed,
            clients.eliza("should_respond", persona, room(seed, text, code_heavy=index % 2 == 0), seed),
            "not_coding",
            "eliza_decision",
            _lang_of(text),
            "elizaos-should-respond",
        )
    for index, (who, topic, adjective, posts) in enumerate(agents.ELIZA_POSTS):
        seed = f"eliza-post-{index}"
        corpus.add(
            seed,
            clients.eliza_post(agents.PERSONAS[who], topic, adjective, posts, seed),
            "not_coding",
            "eliza_decision",
            "en",
            "elizaos-post",
        )


def _mid_session(seed: str, index: int, question: str) -> list[Turn]:
    """A coding session's earlier exchanges (1 to 3, by `index`), then `question`."""
    prior = [pick(seed + str(k), agents.PRIOR_EXCHANGES) for k in range(1 + index % 3)]
    turns: list[Turn] = [turn for user, assistant in prior for turn in (("user", user), ("assistant", assistant))]
    turns.append(("user", question))
    return turns


def _coding_session(kind: str, turns: list[Turn], seed: str) -> Shape:
    """`turns` as the coding agent `kind` (claude-code, ide or cline) sends them."""
    if kind == "claude-code":
        return clients.claude_code(turns, seed)
    if kind == "ide":
        return clients.ide(turns, seed, tools=True)
    return clients.cline(turns, seed)


def _lang_of(text: str) -> str:
    """The script a text is in, roughly: enough to tell the corpus's languages apart in reports."""
    for low, high, lang in (
        ("\u3040", "\u30ff", "ja"),
        ("\uac00", "\ud7af", "ko"),
        ("\u4e00", "\u9fff", "zh"),
        ("\u0400", "\u04ff", "ru"),
    ):
        if any(low <= char <= high for char in text):
            return lang
    lowered = f" {text.lower()} "
    for lang, words in (
        ("de", (" bitte ", " für ", " ich ", " und ", " wie ", " mir ", " der ", " ist ")),
        ("pt", (" você ", " não ", " uma ", " escreve ", " qual ", " aliás")),
        ("es", (" ¿", " qué ", " una ", " por cierto", " consulta ")),
        ("fr", (" écris", " une ", " au fait", " tu ", " c'est ")),
    ):
        if any(word in lowered for word in words):
            return lang
    return "en"


def build() -> list[dict[str, Any]]:
    corpus = Corpus()
    _single(corpus, "direct-code", asks.EN_CODING, "coding", "direct")
    _single(corpus, "direct-other", asks.EN_OTHER, "not_coding", "direct")
    _single(corpus, "nolang", asks.NOLANG_CODING, "coding", "no_language_words", agent_share=3)
    _single(corpus, "hard-negative", asks.HARD_NEGATIVE, "not_coding", "hard_negative")
    for lang in sorted(languages.CODING):
        _single(corpus, f"lang-{lang}-code", languages.CODING[lang], "coding", "multilingual", lang, agent_share=2)
    for lang in sorted(languages.OTHER):
        _single(corpus, f"lang-{lang}-other", languages.OTHER[lang], "not_coding", "multilingual", lang)
    _multi_turn(corpus)
    _agents(corpus)
    _eliza(corpus)
    ids = [item["id"] for item in corpus.items]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate item ids")
    return corpus.items


def build_supplement() -> list[dict[str, Any]]:
    """The training-only items (`supplement.py`): never in either split, so the frozen held-out stays as it is."""
    corpus = Corpus()
    for lang in sorted(supplement.OTHER):
        _single(corpus, f"supplement-{lang}-other", supplement.OTHER[lang], "not_coding", "multilingual", lang)
    for lang in sorted(supplement.CODING):
        texts = supplement.CODING[lang]
        _single(corpus, f"supplement-{lang}-code", texts, "coding", "multilingual", lang, agent_share=2)
    for label, switches, prefix in (
        ("not_coding", supplement.SWITCHES_TO_OTHER, "supplement-switch-other"),
        ("coding", supplement.SWITCHES_TO_CODE, "supplement-switch-code"),
    ):
        middles = sessions.CODING_MIDDLES if label == "not_coding" else sessions.OTHER_MIDDLES
        for index, (ask, answer, last) in enumerate(switches):
            seed = f"{prefix}-{index}"
            _multi_item(corpus, seed, _conversation((ask, answer), middles, last, seed), label, _lang_of(ask))
    _supplement_more(corpus)
    _supplement_third(corpus)
    return sorted(corpus.items, key=lambda item: item["id"])


def _supplement_more(corpus: Corpus) -> None:
    """The second supplement (`supplement.CODING_MORE` ...): more languages, short asks, follow-ups."""
    for lang in sorted(supplement.CODING_MORE):
        texts = supplement.CODING_MORE[lang]
        _single(corpus, f"supplement2-{lang}-code", texts, "coding", "multilingual", lang, agent_share=2)
    for lang in sorted(supplement.OTHER_MORE):
        _single(corpus, f"supplement2-{lang}-other", supplement.OTHER_MORE[lang], "not_coding", "multilingual", lang)
    _single(corpus, "supplement2-direct-code", supplement.DIRECT_CODE_MORE, "coding", "direct", agent_share=2)
    _single(corpus, "supplement2-direct-other", supplement.DIRECT_OTHER_MORE, "not_coding", "direct")
    prose_follow_ups = [*sessions.SHARED_FOLLOW_UPS, "shorter please", "перепиши покороче"]
    for label, threads, middles, pool, prefix in (
        ("coding", supplement.CODING_THREADS, sessions.CODING_MIDDLES, supplement.THREAD_FOLLOW_UPS, "code"),
        ("not_coding", supplement.OTHER_THREADS, sessions.OTHER_MIDDLES, prose_follow_ups, "other"),
    ):
        for index, (ask, answer) in enumerate(threads):
            for take in range(3):
                seed = f"supplement2-thread-{prefix}-{index}-{take}"
                last = pick(seed + "f", pool if take < 2 else sessions.SHARED_FOLLOW_UPS)
                _multi_item(corpus, seed, _conversation((ask, answer), middles, last, seed), label, _lang_of(ask))


def _supplement_third(corpus: Corpus) -> None:
    """The third supplement (`supplement.THIRD_CODING` ...): the issue's categories, training only."""
    for lang in sorted(supplement.THIRD_CODING):
        category = {"en": "direct", "nolang": "no_language_words"}.get(lang, "multilingual")
        texts = supplement.THIRD_CODING[lang]
        _single(corpus, f"supplement3-{lang}-code", texts, "coding", category, "en" if lang == "nolang" else lang, 3)
    for lang in sorted(supplement.THIRD_OTHER):
        category = "direct" if lang == "en" else "multilingual"
        _single(corpus, f"supplement3-{lang}-other", supplement.THIRD_OTHER[lang], "not_coding", category, lang)
    _single(corpus, "supplement3-hard-negative", supplement.THIRD_HARD_NEGATIVE, "not_coding", "hard_negative")
    for label, threads, prefix in (
        ("coding", supplement.THIRD_CODE_THREADS, "code"),
        ("not_coding", supplement.THIRD_OTHER_THREADS, "other"),
    ):
        for index, (ask, answer, last) in enumerate(threads):
            for take, pool in enumerate(([last], sessions.SHARED_FOLLOW_UPS)):
                seed = f"supplement3-thread-{prefix}-{index}-{take}"
                middles = sessions.CODING_MIDDLES if label == "coding" else sessions.OTHER_MIDDLES
                turns = _conversation((ask, answer), middles, pick(seed + "f", pool), seed)
                _multi_item(corpus, seed, turns, label, _lang_of(ask))
    for label, texts, prefix in (
        ("coding", supplement.THIRD_ELIZA_CODING, "code"),
        ("not_coding", supplement.THIRD_ELIZA_OTHER, "other"),
    ):
        for index, text in enumerate(texts):
            seed = f"supplement3-eliza-{prefix}-{index}"
            count = int(hashlib.sha256((seed + "c").encode()).hexdigest()[:2], 16) % 5
            room = [pick(f"{seed}{k}", agents.ROOM_CHATTER) for k in range(count)]
            kind = "should_respond" if label == "coding" and index % 4 == 3 else "message_handler"
            shape = clients.eliza(kind, _persona_for(text, seed), [*room, ("riley", text)], seed)
            item_label = label if kind == "message_handler" else "not_coding"
            category = "eliza_handler" if kind == "message_handler" else "eliza_decision"
            corpus.add(seed, shape, item_label, category, _lang_of(text), f"elizaos-{kind.replace('_', '-')}")
    for index, question in enumerate(supplement.THIRD_IDE_OTHER):
        seed = f"supplement3-ide-other-{index}"
        kind = pick(seed + "kind", ["claude-code", "ide", "cline"])
        shape = _coding_session(kind, _mid_session(seed, index, question), seed)
        corpus.add(seed, shape, "not_coding", "ide_non_code", _lang_of(question), kind)


def build_heldout2() -> list[dict[str, Any]]:
    """The second frozen held-out split (`fresh.py`): new texts in every category, evaluated only."""
    corpus = Corpus()
    _single(corpus, "h2-direct-code", fresh.DIRECT_CODING, "coding", "direct", agent_share=1)
    _single(corpus, "h2-direct-other", fresh.DIRECT_OTHER, "not_coding", "direct")
    for lang in sorted(fresh.LANG_CODING):
        _single(corpus, f"h2-{lang}-code", fresh.LANG_CODING[lang], "coding", "multilingual", lang, agent_share=2)
    for lang in sorted(fresh.LANG_OTHER):
        _single(corpus, f"h2-{lang}-other", fresh.LANG_OTHER[lang], "not_coding", "multilingual", lang)
    _single(corpus, "h2-nolang", fresh.NOLANG_CODING, "coding", "no_language_words", agent_share=3)
    _single(corpus, "h2-hard-negative", fresh.HARD_NEGATIVE, "not_coding", "hard_negative")
    for label, threads, prefix in (
        ("coding", fresh.MULTI_CODING, "h2-multi-code"),
        ("not_coding", fresh.MULTI_OTHER, "h2-multi-other"),
    ):
        for index, (ask, answer, middles, last) in enumerate(threads):
            seed = f"{prefix}-{index}"
            turns: list[Turn] = [("user", ask), ("assistant", answer)]
            for user, assistant in middles:
                turns += [("user", user), ("assistant", assistant)]
            _multi_item(corpus, seed, [*turns, ("user", last)], label, _lang_of(ask))
    for index, (lang, task) in enumerate(fresh.AGENT_TASKS):
        seed = f"h2-agent-task-{index}"
        kind = pick(seed + "kind", ["claude-code", "claude-code", "claude-code", "aider", "cline", "openhands", "ide"])
        corpus.add(seed, _agent_first_turn(kind, task, seed), "coding", "autocoder", lang, kind)
    for index, (lang, task) in enumerate(fresh.LOOP_TASKS):
        seed = f"h2-tool-loop-{index}"
        shape, kind = _coding_tool_loop(task, seed)
        corpus.add(seed, shape, "coding", "tool_loop", lang, kind)
    for a_index, agent in enumerate(fresh.OTHER_AGENT_LOOPS):
        tools = [agents._tool(name, description, props) for name, description, props in agent["tools"]]
        for l_index, (ask, tool, args, output) in enumerate(agent["loops"]):
            seed = f"h2-tool-loop-other-{a_index}-{l_index}"
            turns = [("user", ask), ("assistant", [tool_use(tool, args, seed)]), ("user", [tool_result(output, seed)])]
            api = pick(seed + "api", ["anthropic", "anthropic", "openai"])
            shape = clients.tool_agent(agent["system"], tools, turns, seed, api)
            corpus.add(seed, shape, "not_coding", "tool_loop", "en", f"sdk-agent-{api}")
    for index, question in enumerate(fresh.IDE_OTHER):
        seed = f"h2-ide-other-{index}"
        kind = pick(seed + "kind", ["claude-code", "claude-code", "ide", "cline"])
        shape = _coding_session(kind, _mid_session(seed, index, question), seed)
        corpus.add(seed, shape, "not_coding", "ide_non_code", _lang_of(question), kind)
    for label, texts, prefix in (
        ("coding", fresh.ELIZA_CODING, "h2-eliza-code"),
        ("not_coding", fresh.ELIZA_OTHER, "h2-eliza-other"),
    ):
        for index, text in enumerate(texts):
            seed = f"{prefix}-{index}"
            persona = _persona_for(text, seed)
            count = int(hashlib.sha256((seed + "c").encode()).hexdigest()[:2], 16) % 5
            room = [pick(f"{seed}{k}", agents.ROOM_CHATTER) for k in range(count)]
            speaker = pick(seed + "who", ["ana", "kofi", "yuki", "mateo", "sven"])
            shape = clients.eliza("message_handler", persona, [*room, (speaker, text)], seed)
            corpus.add(seed, shape, label, "eliza_handler", _lang_of(text), "elizaos-handler")
    for index, text in enumerate(fresh.SHOULD_RESPOND):
        seed = f"h2-eliza-should-respond-{index}"
        room = [pick(f"{seed}{k}", agents.ROOM_CHATTER) for k in range(index % 4)]
        shape = clients.eliza("should_respond", _persona_for(text, seed), [*room, ("ana", text)], seed)
        corpus.add(seed, shape, "not_coding", "eliza_decision", _lang_of(text), "elizaos-should-respond")
    for index, (who, topic, adjective, posts) in enumerate(fresh.POSTS):
        seed = f"h2-eliza-post-{index}"
        shape = clients.eliza_post(agents.PERSONAS[who], topic, adjective, posts, seed)
        corpus.add(seed, shape, "not_coding", "eliza_decision", "en", "elizaos-post")
    for index, (kind, text) in enumerate(fresh.SIDE_CALLS):
        seed = f"h2-side-call-{index}"
        shape = clients.claude_code_side(kind, text, seed)
        corpus.add(seed, shape, "not_coding", "side_call", _lang_of(text), "claude-code-side")
    ids = [item["id"] for item in corpus.items]
    if len(set(ids)) != len(ids):
        raise ValueError("duplicate item ids in heldout2")
    return sorted(corpus.items, key=lambda item: item["id"])


def _persona_for(text: str, seed: str) -> dict[str, Any]:
    """The persona a message names (Dex, Luna ...), else one picked by the seed."""
    for persona in agents.PERSONAS:
        if persona["name"].lower() in text.lower():
            return persona
    return pick(seed, agents.PERSONAS)


def split(items: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Held-out: in each (category, label) stratum, the first 30 % of its groups by hash; a group's
    other items (in other categories) go where it goes."""
    home: dict[str, tuple[str, str]] = {}
    for item in items:
        home.setdefault(item["group"], (item["category"], item["label"]))
    strata: dict[tuple[str, str], list[str]] = defaultdict(list)
    for group, stratum in home.items():
        strata[stratum].append(group)
    heldout: set[str] = set()
    for stratum in sorted(strata):
        groups = sorted(strata[stratum], key=lambda name: hashlib.sha256(name.encode()).hexdigest())
        heldout.update(groups[: round(HELDOUT_SHARE * len(groups))])
    out: dict[str, list[dict[str, Any]]] = {"dev": [], "heldout": []}
    for item in sorted(items, key=lambda entry: entry["id"]):
        out["heldout" if item["group"] in heldout else "dev"].append(item)
    return out


def render(items: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n" for item in items)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the files on disk differ from the sources")
    args = parser.parse_args(argv)
    splits = {**split(build()), "supplement": build_supplement(), "heldout2": build_heldout2()}
    stale = []
    for name in (*SPLITS, "supplement", "heldout2"):
        text = render(splits[name])
        path = HERE / f"{name}.jsonl"
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
        coding = sum(item["label"] == "coding" for item in splits[name])
        sys.stdout.write(
            f"{name}: {len(splits[name])} items, {coding} coding, {len(splits[name]) - coding} not coding\n"
        )
    if stale:
        raise SystemExit(f"out of date: {', '.join(stale)} (run python -m tests.runtime.routing_corpus.build)")


if __name__ == "__main__":
    main()
