"""Train the learned routing classifier on the corpus's dev split and write `runtime/learned_weights.json`.

    python bench/routing_train.py [--out PATH] [--check] [--at DECAY C] [--limit N] [--manifest reasoning.yaml]

Needs scikit-learn (a development tool only: `runtime.learned` reads the weights with the standard
library). Deterministic: the dev items are read in id order, the folds and the solver are seeded, the
feature columns are sorted by name, so the same corpus writes the same bytes.

1. Features are what `runtime.learned.read()` gives of each request (the featurizer the router runs),
   put straight into one sparse matrix per decay (`Design`), with each one-ask item's variants.
2. The hyperparameters (L2 strength C, the history's recency decay) are chosen by 5-fold stratified
   cross-validation on dev, by the smaller of out-of-fold precision and recall at the band's top.
3. The uncertain band comes from the chosen model's out-of-fold dev scores (`band()` says how).
4. The model is refitted on dev and the training-only items; weights under `PRUNE` are dropped, the
   rest rounded.

`--manifest FILE` adds the routing decisions users labeled (`reasoning route label`) in that
manifest's store, those that kept their request, to the training items (never to cross-validation's
scoring: the corpus's dev split stays what the figures are measured on). Without it, the weights
come from the repository alone, which is what `--check` compares.

Neither held-out split is ever read here. `--check` writes nothing and fails if the file on disk
differs from what training gives; `--at DECAY C` cross-validates and fits that pair only: the file
depends on the chosen pair alone, so the shipped pair rebuilds the shipped bytes (what
`tests/runtime/test_learned.py` checks, in ~6 s of CPU); `--limit N` trains on the first N dev items.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# One thread: on a shared machine, BLAS thread pools oversubscribe the cores and a 0.3 s fit takes 40 s.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

from runtime import learned  # noqa: E402
from tests.runtime.routing_corpus import agents, clients  # noqa: E402
from tests.runtime.routing_corpus.build import HERE as CORPUS  # noqa: E402
from tests.runtime.routing_corpus.build import load  # noqa: E402
from tests.runtime.routing_data import build as first_set  # noqa: E402

GRID_C = (1.0, 2.0, 4.0, 8.0)
GRID_DECAY = (0.5, 0.8)  # recency weighting (issue 13): 1.0, no decay, is not a candidate
FOLDS = 5
SEED = 13
# The file keeps the KEEP largest weights (and none under PRUNE): small enough to ship and read in
# milliseconds; cross-validation scores the models with the rest dropped, so its figures are the file's.
KEEP = 8000
PRUNE = 0.01
DIGITS = 3
# The band (see band()): not coding only where at most this share of the requests below were coding.
BAND_MISS = 0.05


# The solver's tolerance: 1e-4 fits in a tenth of 1e-5's time (0.3 s, not 3 s) and moves no weight
# by more than the file's rounding changes.
TOL = 1e-4
MIN_DOCS = 2  # a token seen in one training request only is noise, not evidence


def earlier_dev() -> list[dict[str, Any]]:
    """The dev split of `tests/runtime/routing_data/` (the hand-weighted classifier's set, written
    separately; its held-out split is never read here): more clients' shapes, the Python elizaos
    runtime's planning prompts, software as a topic. Training only, like the supplement."""
    return [
        {
            "id": entry["id"],
            "api": entry["api"],
            "body": entry["body"],
            "label": entry["label"],
            "category": "first_set",
        }
        for entry in first_set.load("dev")
    ]


def traffic(manifest: Path) -> list[dict[str, Any]]:
    """The labeled routing decisions in `manifest`'s store, as training items (label other -> not_coding)."""
    from controlplane.manifest import load as load_manifest
    from controlplane.store import open_for

    loaded = load_manifest(manifest)
    with open_for(loaded) as store:
        found = store.decisions(loaded.project, labeled=True)
    items = [
        {
            "id": f"traffic-{decision.id}",
            "api": decision.api,
            "body": decision.request,
            "label": "coding" if decision.label == "coding" else "not_coding",
            "category": "traffic",
        }
        for decision in found
        if decision.request is not None
    ]
    return sorted(items, key=lambda item: int(item["id"].split("-")[1]))


# Categories whose items are one ask: their text can be re-wrapped in other clients' shapes.
REWRAPPED = frozenset({"direct", "multilingual", "no_language_words", "hard_negative", "autocoder", "eliza_handler"})


def ask_text(item: dict[str, Any]) -> str | None:
    """What the user typed in a one-ask item, whatever client wrapped it."""
    messages = [m for m in item["body"].get("messages", []) if m.get("role") == "user"]
    if not messages:
        return None
    content = messages[-1]["content"]
    text = content if isinstance(content, str) else next((b["text"] for b in reversed(content) if "text" in b), "")
    if "# Received Message\n" in text:  # an ElizaOS prompt: the message after its speaker's name
        line = text.split("# Received Message\n", 1)[1].split("\n\n", 1)[0]
        return line.split(": ", 1)[1] if ": " in line else line
    if text.startswith("<task>\n"):  # Cline
        return text[len("<task>\n") :].split("\n</task>", 1)[0]
    return text


def variants(item: dict[str, Any]) -> list[tuple[str, dict[str, Any], int]]:
    """The item's ask in three other wrappers, labeled by the corpus's rule: a chat app, a coding
    agent and an ElizaOS handler keep the label; a should-respond prompt is never coding."""
    if item["category"] not in REWRAPPED:
        return []
    text = ask_text(item)
    if not text:
        return []
    seed = "augment-" + item["id"]
    label = int(item["label"] == "coding")
    persona = clients.pick(seed + "p", agents.PERSONAS)
    room = [("sam", "hi all"), (clients.pick(seed + "who", ["noah", "zoe", "omar"]), f"{persona['name']}, {text}")]
    first_turn: list[clients.Turn] = [("user", text)]
    agent = clients.claude_code(first_turn, seed) if clients.pick(seed + "k", [0, 1]) else clients.ide(first_turn, seed)
    eliza = clients.eliza(clients.pick(seed + "e", ["message_handler", "should_respond"]), persona, room, seed)
    chat = clients.chat([("user", text)], clients.pick(seed + "a", ["anthropic", "openai"]), seed + "c")
    return [
        (chat[0], chat[1], label),
        (agent[0], agent[1], label),
        (eliza[0], eliza[1], label if eliza[1]["messages"][-1]["content"].__str__().find("<task>Decide") < 0 else 0),
    ]


Fitted = tuple[list[str], list[float], float, list[int]]  # names, weights, intercept, document counts
VOCABULARY = "x|v:"  # the hand vocabulary's prior tokens (runtime.learned._vocabulary)


class Design:
    """One decay's training rows, read and vectorized once: the dev items, then their variants, then
    the `always` items (the supplement) and their variants. Folds and the final fit take rows of it."""

    def __init__(self, items: list[dict[str, Any]], always: list[dict[str, Any]], decay: float) -> None:
        import numpy as np
        import scipy.sparse as sparse

        # Rows go straight into a sparse matrix over (namespace, token) columns: no feature-name strings
        # per token and no DictVectorizer, which were most of a rebuild's time. The columns end up in
        # the order of their names, as DictVectorizer(sort=True) would put them.
        columns: dict[tuple[str, bytes], int] = {}
        indices: list[int] = []
        data: list[float] = []
        indptr = [0]
        owners: list[int] = []  # the dev item a row belongs to; -1: always in training
        labels: list[int] = []

        def add(api: str, body: dict[str, Any], label: int, owner: int) -> None:
            row: dict[int, float] = {}
            for namespace, scale, tokens in learned.read(body, api, decay).parts:
                for space in (namespace, "w") if namespace in learned.SHARED else (namespace,):
                    for token in tokens:
                        column = columns.setdefault((space, token), len(columns))
                        row[column] = row.get(column, 0.0) + scale
            indices.extend(row)
            data.extend(row.values())
            indptr.append(len(indices))
            owners.append(owner)
            labels.append(label)

        for index, item in enumerate(items):
            add(item["api"], item["body"], int(item["label"] == "coding"), index)
        for index, item in enumerate(items):
            for api, body, label in variants(item):
                add(api, body, label, index)
        for item in always:
            add(item["api"], item["body"], int(item["label"] == "coding"), -1)
        for item in always:
            for api, body, label in variants(item):
                add(api, body, label, -1)
        names = [f"{space}|{token.decode('latin-1')}" for space, token in columns]
        order = sorted(range(len(names)), key=names.__getitem__)
        position = np.empty(len(names), dtype=np.int64)
        position[order] = np.arange(len(names))
        matrix = sparse.csr_matrix(
            (np.array(data), position[np.array(indices, dtype=np.int64)], np.array(indptr)),
            shape=(len(indptr) - 1, len(names)),
        )
        matrix.sort_indices()
        self.matrix = matrix
        self.names = [names[index] for index in order]
        self.prior = np.array([name.startswith(VOCABULARY) for name in self.names])
        self.owners = np.array(owners)
        self.labels = np.array(labels)
        self.dev = len(items)

    def fit(self, rows: Any, c: float, priors: bool) -> tuple[Any, float, Any]:
        """Logistic regression on `rows` (indices), each feature scaled by its inverse document frequency
        (so a token in every request, "the" or "?", needs a large and therefore penalized weight to
        matter), on the features at least MIN_DOCS of those rows have (and, without `priors`, not the
        vocabulary's). Returns the weights over every column (IDF folded in, 0 where unused), the
        intercept, and in how many of the rows each column is."""
        import numpy as np
        import scipy.sparse as sparse
        from sklearn.linear_model import LogisticRegression

        matrix = self.matrix[rows]
        documents = np.bincount(matrix.indices, minlength=matrix.shape[1])
        usable = documents >= MIN_DOCS
        if not priors:
            usable &= ~self.prior
        columns = np.flatnonzero(usable)
        idf = np.log((1 + matrix.shape[0]) / (1 + documents[columns])) + 1.0
        sub = (matrix[:, columns] @ sparse.diags(idf)).tocsr()
        sub.indices = sub.indices.astype("int32")  # the solvers refuse 64-bit sparse indices
        sub.indptr = sub.indptr.astype("int32")
        model = LogisticRegression(C=c, solver="lbfgs", max_iter=2000, tol=TOL, random_state=SEED)
        model.fit(sub, self.labels[rows])
        weights = np.zeros(matrix.shape[1])
        weights[columns] = model.coef_[0] * idf
        counts = np.where(usable, documents, 0)
        return weights, float(model.intercept_[0]), counts

    def fit_pair(self, rows: Any, c: float) -> Fitted:
        """The average of two fits, one without the vocabulary's prior tokens and one with them: one
        linear model (the mean of two linear models' logits is the logit of their mean weights). Out of
        fold on dev, the average was better than either."""
        import numpy as np

        plain, plain_bias, plain_counts = self.fit(rows, c, priors=False)
        full, full_bias, full_counts = self.fit(rows, c, priors=True)
        used = np.flatnonzero((plain_counts > 0) | (full_counts > 0))
        weights = (plain + full) / 2
        counts = np.maximum(plain_counts, full_counts)
        return (
            [self.names[i] for i in used],
            [float(weights[i]) for i in used],
            (plain_bias + full_bias) / 2,
            [int(counts[i]) for i in used],
        )

    def predict(self, model: Fitted, rows: Any) -> list[float]:
        """The pruned model's (`kept`) scores of `rows`, as `runtime.learned` computes them."""
        import numpy as np

        column = {name: index for index, name in enumerate(self.names)}
        weights = np.zeros(len(self.names))
        for name, weight in kept(model):
            weights[column[name]] = weight
        return [learned._squash(model[2] + float(value)) for value in self.matrix[rows] @ weights]

    def out_of_fold(self, c: float, strata: list[str]) -> list[float]:
        """Each dev item's score from a model trained on the other folds, their variants and the
        rows always in training (which are never scored)."""
        import numpy as np
        from sklearn.model_selection import StratifiedKFold

        scores = [0.0] * self.dev
        folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
        for train, test in folds.split(np.zeros(self.dev), strata):
            rows = np.flatnonzero(np.isin(self.owners, train) | (self.owners == -1))
            model = self.fit_pair(rows, c)
            for index, probability in zip(test, self.predict(model, test), strict=True):
                scores[index] = float(probability)
        return scores


def kept(model: Fitted) -> list[tuple[str, float]]:
    """The KEEP features that move the most scores (weight times the rows they are in; ties by name)."""
    names, weights, _, documents = model
    ranked = sorted(zip(names, weights, documents, strict=True), key=lambda item: (-abs(item[1]) * item[2], item[0]))
    return [(name, weight) for name, weight, _ in ranked[:KEEP] if abs(weight) >= PRUNE]


def out_of_fold(
    items: list[dict[str, Any]], decay: float, c: float, always: list[dict[str, Any]] | None = None
) -> list[float]:
    """Each dev item's out-of-fold score (see `Design.out_of_fold`)."""
    strata = [f"{item['category']}/{item['label']}" for item in items]
    return Design(items, always or [], decay).out_of_fold(c, strata)


def f1_at(scores: list[float], labels: list[int], threshold: float) -> float:
    tp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and y)
    fp = sum(1 for s, y in zip(scores, labels, strict=True) if s >= threshold and not y)
    fn = sum(1 for s, y in zip(scores, labels, strict=True) if s < threshold and y)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def band(scores: list[float], labels: list[int]) -> tuple[float, float]:
    """The uncertain band [low, high), from out-of-fold dev scores.

    Scores in the band go to the documented default, the upstream, so the band's top is the coding
    threshold: the score at which the out-of-fold precision and recall of routing to coding are
    balanced (the larger of the two smallest; issue 13 asks both of it). Its bottom is the highest
    score under which at most BAND_MISS of the requests are coding. Between the two, the model's
    decisions are too often wrong to act on.
    """
    ranked = sorted(zip(scores, labels, strict=True), reverse=True)
    positives = sum(labels)
    high, best = 1.0, -1.0
    hits = 0
    for count, (value, label) in enumerate(ranked, start=1):
        hits += label
        worst = min(hits / count, hits / positives if positives else 0.0)
        if worst > best + 1e-12:
            high, best = value, worst
    low = 0.0
    coding_below = 0
    for count, (value, label) in enumerate(reversed(ranked), start=1):
        if coding_below / count <= BAND_MISS:
            low = value
        coding_below += label
    low = min(low, high)
    return round(low, 3), round(high, 3)


def at_band_top(scores: list[float], labels: list[int], high: float) -> tuple[float, float]:
    """Out-of-fold precision and recall of routing to coding: scores at or above the band's top."""
    tp = sum(1 for value, label in zip(scores, labels, strict=True) if value >= high and label)
    routed = sum(1 for value in scores if value >= high)
    return tp / max(routed, 1), tp / max(sum(labels), 1)


def train(
    items: list[dict[str, Any]],
    always: list[dict[str, Any]],
    log: Any = sys.stdout,
    source: str = "",
    grid: list[tuple[float, float]] | None = None,
) -> dict[str, Any]:
    """The weights file's content: hyperparameters and band from cross-validation on `items`, the
    model fitted on `items` and `always` (the supplement) with their variants.

    Each (decay, C) of `grid` (default: every pair of GRID_DECAY and GRID_C) is scored by what issue 13
    asks of the router: the smaller of out-of-fold precision and recall at its band's top (ties: the
    out-of-fold F1 at 0.5). The file depends on the chosen pair only, so a rebuild with `grid` set to
    the shipped pair (`--at`) writes the same bytes as the full search."""
    labels = [int(item["label"] == "coding") for item in items]
    pairs = grid or [(decay, c) for decay in GRID_DECAY for c in GRID_C]
    best: tuple[tuple[float, float], float, float, list[float]] | None = None
    strata = [f"{item['category']}/{item['label']}" for item in items]
    designs: dict[float, Design] = {}
    for decay, c in pairs:
        if decay not in designs:
            designs[decay] = Design(items, always, decay)
        scores = designs[decay].out_of_fold(c, strata)
        f1 = f1_at(scores, labels, 0.5)
        precision, recall = at_band_top(scores, labels, band(scores, labels)[1])
        key = (round(min(precision, recall), 4), round(f1, 4))
        log.write(
            f"  decay {decay:<4} C {c:<5} out-of-fold at the band's top: precision {precision:.4f}, "
            f"recall {recall:.4f}; F1 at 0.5 {f1:.4f}\n"
        )
        if best is None or key > best[0]:
            best = (key, decay, c, scores)
    assert best is not None
    (_, f1), decay, c, scores = best
    low, high = band(scores, labels)
    precision, recall = at_band_top(scores, labels, high)
    log.write(f"chosen: decay {decay}, C {c} (out-of-fold F1 {f1:.4f}); band [{low}, {high})\n")
    log.write(f"out-of-fold at the band's top: precision {precision:.4f}, recall {recall:.4f}\n")
    design = designs[decay]
    final = design.fit_pair(list(range(design.matrix.shape[0])), c)
    intercept = final[2]
    weights: dict[str, dict[str, float]] = {namespace: {} for namespace in learned.NAMESPACES}
    for name, weight in kept(final):
        namespace, token = name.split("|", 1)
        weights[namespace][token] = round(weight, DIGITS)
    import sklearn

    return {
        "format": learned.FORMAT,
        "bias": round(intercept, DIGITS),
        "decay": decay,
        "band": [low, high],
        "meta": {
            "trained_on": f"tests/runtime/routing_corpus dev.jsonl ({len(items)}) + {source or len(always)}",
            "dev_sha256": hashlib.sha256((CORPUS / "dev.jsonl").read_bytes()).hexdigest(),
            "sklearn": sklearn.__version__,
            "C": c,
            "out_of_fold_f1_at_0.5": round(f1, 4),
            "out_of_fold_at_band_top": {"precision": round(precision, 4), "recall": round(recall, 4)},
            "features": sum(len(table) for table in weights.values()),
        },
        "weights": {namespace: dict(sorted(table.items())) for namespace, table in weights.items()},
    }


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=True, sort_keys=False, separators=(",", ":")) + "\n"


def corpus(limit: int | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
    """The dev items (cross-validated and trained on), the training-only items, and how to name them."""
    items = load("dev")[:limit] if limit else load("dev")
    supplement, first = load("supplement"), earlier_dev()
    if limit:
        supplement, first = supplement[: limit // 4], first[: limit // 4]
    source = f"supplement.jsonl ({len(supplement)}) + tests/runtime/routing_data dev ({len(first)})"
    return items, supplement + first, source


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=learned.WEIGHTS, help="where to write the weights")
    parser.add_argument("--check", action="store_true", help="fail if the weights file differs from a rebuild")
    parser.add_argument("--limit", type=int, help="train on the first N dev items only")
    parser.add_argument("--manifest", type=Path, help="also train on the decisions labeled in this manifest's store")
    parser.add_argument(
        "--at",
        nargs=2,
        type=float,
        metavar=("DECAY", "C"),
        help="skip the search: cross-validate and fit this pair only (the shipped file's pair rebuilds it)",
    )
    args = parser.parse_args(argv)
    items, always, source = corpus(args.limit)
    if args.manifest is not None:
        labeled = traffic(args.manifest)
        sys.stdout.write(f"{len(labeled)} labeled routing decisions from {args.manifest}'s store\n")
        always = always + labeled
        source += f" + labeled traffic ({len(labeled)})"
    grid = [(args.at[0], args.at[1])] if args.at else None
    text = render(train(items, always, source=source, grid=grid))
    if args.check:
        if not args.out.exists() or args.out.read_text(encoding="utf-8") != text:
            raise SystemExit(f"{args.out} differs from a rebuild (run python bench/routing_train.py)")
        sys.stdout.write(f"{args.out} is what the corpus trains\n")
        return
    args.out.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {args.out} ({len(text.encode()):,} bytes)\n")


if __name__ == "__main__":
    main()
