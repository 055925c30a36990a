"""`reasoning data stats`: what training data each role has, and whether it is worth a fine-tune.

Everything is summed in the database (a million samples are not read), and the verdict is a
function of those sums alone (`readiness`), with the reasons it gives.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from controlplane.data.format import CHARS_PER_TOKEN
from controlplane.store import Store
from controlplane.values.data import DataStats, Readiness, RoleStats

#: Fewer samples than this: not worth a fine-tune. Together accepts a file of one (SDK 3.1.1
#: `MIN_SAMPLES = 1`), but a LoRA fine-tune on fewer than a hundred examples of a decision rarely
#: moves the model; Together's guides start from several hundred.
MIN_SAMPLES = 100
#: No sample newer than this: the data no longer says what the agent sees now.
STALE_AFTER = timedelta(days=7)
#: Share of samples over the length limit past which the role is not ready (export would drop them).
MAX_TOO_LONG_SHARE = 0.1
#: The length limit when none is given: the SFT `max_seq_length` of many of Together's base
#: models (each model's is in `GET /v1/fine-tunes/models/limits`, `max_seq_length_sft`).
DEFAULT_MAX_SEQ_LENGTH = 8192


def stats(store: Store, project: str, roles: list[str], now: datetime, *, max_seq_length: int) -> DataStats:
    """Per role (every role of the manifest, and any other the store has samples of)."""
    store.hash_unhashed(project)  # so samples recorded before hashes count as duplicates too
    found = {row["role"]: row for row in store.sample_stats(
        project, since_24h=now - timedelta(hours=24), max_chars=max_seq_length * CHARS_PER_TOKEN)}  # fmt: skip
    out = []
    for role in sorted({*roles, *found}):
        row = found.get(role) or _empty(role)
        out.append(
            RoleStats(
                role=role,
                samples=row["samples"],
                first_at=row["first_at"],
                last_at=row["last_at"],
                last_24h=row["last_24h"],
                custom=row["custom"],
                fallback=row["fallback"],
                duplicates=row["samples"] - row["distinct"],
                good=row["good"],
                bad=row["bad"],
                unlabeled=row["samples"] - row["good"] - row["bad"],
                too_long=row["too_long"],
                readiness=readiness(row, now, max_seq_length),
            )
        )
    return DataStats(project=project, at=now, max_seq_length=max_seq_length, roles=tuple(out))


def readiness(row: dict[str, Any], now: datetime, max_seq_length: int) -> Readiness:
    """The verdict on one role's sums: not ready (too few usable, mostly too long), ready with
    warnings (one source only, stale, some too long), or ready."""
    usable = row["distinct"] - row["bad"]
    blocking, warnings = [], []
    if usable < MIN_SAMPLES:
        blocking.append(
            f"too few samples for a fine-tune: {usable} usable (distinct, not labeled bad), at least {MIN_SAMPLES}"
        )
    if row["samples"] and row["too_long"] > MAX_TOO_LONG_SHARE * row["samples"]:
        blocking.append(
            f"{row['too_long']} of {row['samples']} samples are longer than max_seq_length {max_seq_length} tokens"
            " (estimated): export would drop them"
        )
    elif row["too_long"]:
        warnings.append(f"{row['too_long']} sample(s) longer than max_seq_length {max_seq_length}: export drops them")
    if row["samples"] and (row["custom"] == 0 or row["fallback"] == 0):
        only = "fallback" if row["custom"] == 0 else "custom"
        why = (
            "distillation from the fallback only: nothing shows how the custom model does"
            if only == "fallback"
            else "the custom model's own answers only: no teacher signal from the fallback"
        )
        warnings.append(f"one source only ({only}): {why}")
    if row["last_at"] is not None and now - row["last_at"] > STALE_AFTER:
        warnings.append(f"stale: the newest sample is {(now - row['last_at']).days} days old")
    if blocking:
        return Readiness(verdict="not ready", reasons=(*blocking, *warnings))
    return Readiness(verdict="ready with warnings" if warnings else "ready", reasons=tuple(warnings))


def _empty(role: str) -> dict[str, Any]:
    keys = ("samples", "last_24h", "custom", "fallback", "good", "bad", "too_long", "distinct")
    return {"role": role, "first_at": None, "last_at": None, **dict.fromkeys(keys, 0)}
