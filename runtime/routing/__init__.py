"""Which role (if any) a request goes to, and why: asked by the proxy before it calls any model.

    x-reasoning-role header ──► that role ("upstream": the fallback; a rule's `when.header` label: the rules)
        │ none
    proxy.model_map names the model and its role takes the prompt (decision_prompts) ──► that role
        │ no
    proxy.routing rules, first whose `when` all holds ──► rule.to
        │ none (or no rules: the default rule below)
    the fallback upstream ("fallback: not a <role> prompt" when model_map named a role that declined)

    router      Router, Route: the order above, and the reason for x-reasoning-reason
    classifier  explain / coding_score: the content classifier's score and its named features
    vocabulary  the words and patterns the classifier counts
    decision_prompts  which ElizaOS decision prompt a request carries, and whether a role takes it

With no `proxy.routing` rules and a role named `coding`, one rule is implied for the Anthropic API:
`{to: coding, when: {min_score: DEFAULT_MIN_SCORE}}` (reason "default rule: coding score ...").
Reasons name the rule by its place in the manifest, counting from 1 ("rule 2: model gpt-5"). A rule
whose other conditions hold but whose request is over `max_input_tokens` (`runtime.tokens`) is
skipped, and if no later rule matches the reason says so ("rule 2 skipped: 14210 input tokens > max
8000"). The classifier's score is computed only when a rule asks for it, at most once per request.
It replaces the original service's substring rule (`bench/naive_route.py`, kept for comparison);
`bench/routing_eval.py` measures both on labeled traffic. Everything here is pure and cheap.
"""

from runtime.routing.classifier import ASK_CHARS, SYSTEM_CHARS, TURN_CHARS, Feature, Score, coding_score, explain
from runtime.routing.router import DEFAULT_MIN_SCORE, DEFAULT_ROLE, ROLE_HEADER, UPSTREAM, Route, Router

__all__ = [
    "ASK_CHARS",
    "DEFAULT_MIN_SCORE",
    "DEFAULT_ROLE",
    "ROLE_HEADER",
    "SYSTEM_CHARS",
    "TURN_CHARS",
    "UPSTREAM",
    "Feature",
    "Route",
    "Router",
    "Score",
    "coding_score",
    "explain",
]
