"""Which role (if any) a request goes to, and why: asked by the proxy before it calls any model.

    x-reasoning-role header ──► that role ("upstream": the fallback; a rule's `when.header` label: the rules)
        │ none
    proxy.model_map names the model and its role takes the prompt (decision_prompts) ──► that role
        │ no
    a conversation routed before (affinity) ──► where its first turn went
        │ new
    proxy.routing rules, first whose `when` all holds ──► rule.to
        │ none (or no rules: the default rule below)
    the fallback upstream ("fallback: not a <role> prompt" when model_map named a role that declined)

    router      Router, Route: the order above, and the reason for x-reasoning-reason
    affinity    Affinity: a conversation's later turns go where its first went (bounded, expiring)
    classifier  explain / coding_score: the hand-weighted classifier, kept for comparison
    vocabulary  the words and patterns the hand-weighted classifier counts (the learned one's priors)
    decision_prompts  which ElizaOS decision prompt a request carries, and whether a role takes it

The coding score is `runtime.learned`'s: a linear model over the whole conversation, trained on the
labeled corpus (`bench/routing_train.py`), with an uncertain band. With no `proxy.routing` rules and a
role named `coding`, one rule is implied for the Anthropic API: coding at or above the band ("default
rule: coding score 0.93 >= 0.42"), the upstream inside it, the documented default where the model
cannot tell ("default rule uncertain: coding score 0.38 in [0.31, 0.42), default upstream"), and
below it ("no rule matched (default rule: coding score 0.05 < 0.31)"). A written rule's `min_score`
compares the same score with its own threshold.
Reasons name the rule by its place in the manifest, counting from 1 ("rule 2: model gpt-5"). A rule
whose other conditions hold but whose request is over `max_input_tokens` (`runtime.tokens`) is
skipped, and if no later rule matches the reason says so ("rule 2 skipped: 14210 input tokens > max
8000"). The score is computed only when a rule asks for it, at most once per request. Conversation
affinity ("affinity: coding since the conversation's first turn") applies to what rules decided; a
role header decides its own request. The substring rule of the original service is
`bench/naive_route.py`, kept for comparison; `bench/routing_eval.py` and
`bench/routing_learned_eval.py` measure them all on labeled traffic.
"""

from runtime.routing.affinity import Affinity
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
    "Affinity",
    "Feature",
    "Route",
    "Router",
    "Score",
    "coding_score",
    "explain",
]
