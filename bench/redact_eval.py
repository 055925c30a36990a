"""Redaction on the labeled corpus: our patterns against detect-secrets and gitleaks' rule set.

    python bench/redact_eval.py [--gitleaks PATH/TO/gitleaks.toml] [--repeat N] [--errors NAME]

Scores `tests/runtime/redact_corpus.py` (recall per labeled kind, precision per named kind, as
the tests do) for each candidate that is available:

- `ours`: `runtime.redact.Redactor` with every kind;
- `detect-secrets`: Yelp's plugins (all defaults) on each line through
  `detect_secrets.core.scan.scan_line` (`pip install detect-secrets`; not a dependency);
- `gitleaks`: the rules of gitleaks' `config/gitleaks.toml` (MIT), translated from Go's RE2 to
  Python's `re`, with their keywords, entropy thresholds, stop words and allowlists;
- `ours+X`: the union of both's spans.

Then the cost: each candidate redacts a fixed text (the corpus joined, then three of our source
files) `--repeat` times; the best CPU time per KB is printed, and its ratio to ours. The machine
is shared: read the ratios, not the absolute figures.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import time
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from runtime.redact import ORDER, Redactor
from tests.runtime.redact_corpus import CASES, CREDENTIAL_KINDS, KINDS, Scores, Spans, score

ROOT = Path(__file__).resolve().parent.parent
Detector = Callable[[str], Spans]


def ours() -> Detector:
    redactor = Redactor(ORDER)
    return lambda text: [(start, end, str(kind)) for start, end, kind in redactor.spans(text)]


# -- detect-secrets ----------------------------------------------------------------------------

_DS_KINDS = {
    "Private Key": "private_key",
    "JSON Web Token": "token",
    "Basic Auth Credentials": "password",
    "Public IP (ipv4)": "ip_address",
    "Base64 High Entropy String": "token",
    "Hex High Entropy String": "token",
}


def detect_secrets() -> Detector | None:
    try:
        from detect_secrets.core.scan import scan_line
        from detect_secrets.settings import default_settings
    except ImportError:
        return None

    def detect(text: str) -> Spans:
        spans: Spans = []
        with default_settings():
            offset = 0
            for line in text.split("\n"):
                for found in scan_line(line):
                    value = found.secret_value or ""
                    kind = _DS_KINDS.get(found.type, "api_key")
                    if found.type == "Secret Keyword":
                        kind = "password" if re.search(r"pass|pwd", line, re.IGNORECASE) else "token"
                    at = line.find(value) if value else -1
                    while value and at >= 0:
                        spans.append((offset + at, offset + at + len(value), kind))
                        at = line.find(value, at + 1)
                offset += len(line) + 1
        return spans

    return detect


# -- gitleaks ----------------------------------------------------------------------------------


def _translate(pattern: str) -> str:
    """RE2 -> `re`: a mid-pattern `(?i)` applies to the rest of its group (Python allows global
    flags only at the start), `[[:alnum:]]`, `\\z`."""
    pattern = pattern.replace("[[:alnum:]]", "[A-Za-z0-9]").replace("\\z", "\\Z")
    while True:
        at = pattern.find("(?i)", 1)
        if at < 0:
            return pattern
        depth, index, in_class = 0, at + 4, False
        while index < len(pattern):
            char = pattern[index]
            if char == "\\":
                index += 2
                continue
            if in_class:
                in_class = char != "]"
            elif char == "[":
                in_class = True
                if pattern.startswith("[^]", index) or pattern.startswith("[]", index):
                    index += 2 if pattern[index + 1] == "]" else 3
                    continue
            elif char == "(":
                depth += 1
            elif char == ")":
                if depth == 0:
                    break
                depth -= 1
            index += 1
        pattern = pattern[:at] + "(?i:" + pattern[at + 4 : index] + ")" + pattern[index:]


def _entropy(value: str) -> float:
    counts: dict[str, int] = {}
    for char in value:
        counts[char] = counts.get(char, 0) + 1
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values()) if value else 0.0


def _gitleaks_kind(rule_id: str) -> str:
    if rule_id == "private-key":
        return "private_key"
    if "password" in rule_id or rule_id == "curl-auth-user":
        return "password"
    if rule_id.startswith(("jwt", "generic")) or rule_id == "curl-auth-header":
        return "token"
    return "api_key"


def gitleaks(path: Path | None) -> tuple[Detector, int, int] | None:
    if path is None or not path.exists():
        return None
    config = tomllib.loads(path.read_text())
    glob = config.get("allowlist", {})
    glob_regexes = [re.compile(_translate(r)) for r in glob.get("regexes", [])]
    glob_stop = [w.lower() for w in glob.get("stopwords", [])]
    rules: list[tuple[str, re.Pattern[str], list[str], float | None, int | None, list[dict[str, Any]]]] = []
    skipped = 0
    for rule in config["rules"]:
        if "regex" not in rule:
            skipped += 1  # path-only rules
            continue
        try:
            compiled = re.compile(_translate(rule["regex"]))
            allowlists = []
            for allow in rule.get("allowlists", []):
                allowlists.append({**allow, "compiled": [re.compile(_translate(r)) for r in allow.get("regexes", [])]})
        except re.error:
            skipped += 1
            continue
        keywords = [k.lower() for k in rule.get("keywords", [])]
        rules.append((rule["id"], compiled, keywords, rule.get("entropy"), rule.get("secretGroup"), allowlists))

    def allowed(allow: dict[str, Any], secret: str, match: str, line: str) -> bool:
        target = {"match": match, "line": line}.get(allow.get("regexTarget", "secret"), secret)
        checks = []
        if allow["compiled"]:
            checks.append(any(r.search(target) for r in allow["compiled"]))
        if allow.get("stopwords"):
            checks.append(any(w.lower() in secret.lower() for w in allow["stopwords"]))
        if "paths" in allow and not checks:
            return False
        return all(checks) if allow.get("condition") == "AND" else any(checks)

    def detect(text: str) -> Spans:
        lowered = text.lower()
        spans: Spans = []
        for rule_id, compiled, keywords, entropy, group, allowlists in rules:
            if keywords and not any(k in lowered for k in keywords):
                continue
            for match in compiled.finditer(text):
                index = group or next((i for i in range(1, (compiled.groups or 0) + 1) if match.group(i)), 0)
                secret = match.group(index)
                if not secret:
                    continue
                if entropy is not None and _entropy(secret) < entropy:
                    continue
                if any(r.search(secret) for r in glob_regexes) or any(w in secret.lower() for w in glob_stop):
                    continue
                line_start = text.rfind("\n", 0, match.start()) + 1
                line_end = text.find("\n", match.end())
                line = text[line_start : line_end if line_end >= 0 else len(text)]
                if any(allowed(allow, secret, match.group(0), line) for allow in allowlists):
                    continue
                spans.append((match.start(index), match.end(index), _gitleaks_kind(rule_id)))
        return spans

    return detect, len(rules), skipped


def union(*detectors: Detector) -> Detector:
    return lambda text: [span for detector in detectors for span in detector(text)]


# -- report ------------------------------------------------------------------------------------


def _row(name: str, scores: Scores) -> str:
    cells = []
    for kind in KINDS:
        tally = scores.by_kind[kind]
        precision = f"{tally.precision:.2f}" if tally.hits + tally.false else "  - "
        cells.append(f"{tally.recall:.2f}/{precision}")
    secrets = scores.subset(CREDENTIAL_KINDS)
    overall = scores.overall
    return (
        f"{name:22} {' '.join(f'{c:>9}' for c in cells)} | "
        f"{secrets.recall:.3f}/{secrets.precision:.3f} | {overall.recall:.3f}/{overall.precision:.3f}"
    )


def cost(detector: Detector, text: str, repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        started = time.process_time()
        detector(text)
        best = min(best, time.process_time() - started)
    return best / (len(text) / 1024) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--gitleaks", type=Path, help="gitleaks' config/gitleaks.toml")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--errors", help="list a candidate's misses and false positives")
    args = parser.parse_args()

    candidates: dict[str, Detector] = {"ours": ours()}
    ds = detect_secrets()
    if ds is not None:
        candidates["detect-secrets"] = ds
        candidates["ours+detect-secrets"] = union(candidates["ours"], ds)
    gl = gitleaks(args.gitleaks)
    if gl is not None:
        candidates["gitleaks"] = gl[0]
        candidates["ours+gitleaks"] = union(candidates["ours"], gl[0])
        print(f"gitleaks: {gl[1]} rules translated, {gl[2]} skipped (path-only or untranslatable)")

    positives = [c for c in CASES if c.secrets]
    print(
        f"corpus: {len(CASES)} strings, {len(positives)} with {sum(len(c.secrets) for c in positives)} secrets,"
        f" {len(CASES) - len(positives)} look-alikes ({sum(c.source == 'gitleaks' for c in CASES)} from gitleaks)"
    )
    print(f"{'recall/precision':22} {' '.join(f'{k[:9]:>9}' for k in KINDS)} | credentials | overall")
    results = {name: score(detector) for name, detector in candidates.items()}
    for name, scores in results.items():
        print(_row(name, scores))

    text = "\n".join(c.text for c in CASES) + "".join(
        (ROOT / module).read_text() for module in ("runtime/recorder.py", "runtime/budget.py", "controlplane/plan.py")
    )
    print(f"\ncost on {len(text) / 1024:.0f} KB (best of {args.repeat}; CPU µs per KB, ratio to ours):")
    base = cost(candidates["ours"], text, args.repeat)
    for name, detector in candidates.items():
        spent = base if name == "ours" else cost(detector, text, args.repeat)
        print(f"  {name:22} {spent:9.0f} µs/KB  x{spent / base:5.1f}")

    if args.errors:
        scores = results[args.errors]
        for case, secret in scores.missed:
            print(f"MISS {secret.kind:12} {secret.value[:50]!r:54} in {case.text[:70]!r}")
        for case, flagged in scores.false:
            print(f"FP   {flagged[:50]!r:67} in {case.text[:70]!r}")


if __name__ == "__main__":
    main()
