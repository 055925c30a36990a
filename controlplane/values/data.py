"""Training data out of the store: which samples (`SampleFilter`), what `data stats` and
`data export` report (`DataStats`, `ExportReport`), and the lean row export streams
(`TrainingRow`)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, NamedTuple

from controlplane.values.common import Moment, Value, Versioned
from controlplane.values.reconcile import Deletion
from controlplane.values.records import PromptFormat

#: Which labels an export takes: `usable` (the default) is everything not labeled bad.
LabelFilter = Literal["usable", "good", "bad", "unlabeled", "any"]
SourceFilter = Literal["custom", "fallback", "all"]


class SampleFilter(Value):
    """Which samples a command reads: [since, until) on `at`, and the rest by equality."""

    role: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    source: SourceFilter = "all"
    label: LabelFilter = "usable"
    #: leave out a sample whose content an earlier sample in the same selection already has
    dedup: bool = True


class TrainingRow(NamedTuple):
    """One sample as export reads it: what a training line is made of, and no more.

    A named tuple, not a pydantic `Value` (validating each would cost more than the export
    itself) nor a frozen dataclass (whose `__init__` sets each field through
    `object.__setattr__`): export streams a million of these. The store makes them; nothing
    else does."""

    id: int
    format: PromptFormat
    #: the prompt's JSON as stored: the exporter parses it once, the store not at all
    prompt_json: str
    answer: str
    content_hash: str | None


#: A `TrainingRow` as the store streams it to export: the same fields, by position (a million
#: named tuples cost more than the rest of their read). Neither has the role or the source: a
#: line is not made of them, and each column read costs a million driver calls.
TrainingTuple = tuple[int, str, str, str, "str | None"]


class Readiness(Value):
    """Whether a role's data is worth a fine-tune now, and why (not)."""

    verdict: Literal["ready", "ready with warnings", "not ready"]
    reasons: tuple[str, ...] = ()


class RoleStats(Value):
    role: str
    samples: int
    first_at: Moment | None
    last_at: Moment | None
    last_24h: int
    custom: int
    fallback: int
    #: samples whose content an earlier sample of the role already has
    duplicates: int
    good: int
    bad: int
    unlabeled: int
    #: samples estimated longer than `max_seq_length` tokens (4 characters a token)
    too_long: int
    readiness: Readiness

    @property
    def custom_share(self) -> float:
        return self.custom / self.samples if self.samples else 0.0


class DataStats(Versioned):
    project: str
    at: Moment
    max_seq_length: int
    roles: tuple[RoleStats, ...]

    @property
    def samples(self) -> int:
        return sum(r.samples for r in self.roles)


class Skip(Value):
    """Samples export left out for one reason, and the first few of their ids."""

    reason: str
    count: int
    sample_ids: tuple[int, ...]


class ExportReport(Versioned):
    project: str
    at: Moment
    role: str | None
    format: Literal["jsonl", "json"]
    output: str
    #: lines in `output`
    written: int
    #: the validation file and its lines, when `--split` asked for one
    validation_output: str | None = None
    validation_written: int = 0
    #: samples read from the store (duplicates left out by the query are not among them)
    read: int
    skipped: tuple[Skip, ...] = ()
    #: lines that carry a top-level `tools`
    with_tools: int = 0


class Cleanup(Versioned):
    """What `data cleanup` deleted (with `dry_run`, would delete), by the retention rule."""

    project: str
    at: Moment
    dry_run: bool
    days: int
    keep: int
    deletions: tuple[Deletion, ...]

    @property
    def samples(self) -> int:
        return sum(d.samples for d in self.deletions)
