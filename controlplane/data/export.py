"""`reasoning data export`: the selected samples as Together's fine-tuning file, streamed to disk.

    store.training_batches ─► format.line ─► format.encode ─► 1 MiB buffer ─► file
    (the driver's rows, 2,000     │ refused: counted per reason, with a few sample ids
     at a time, repeats left out)

Memory stays flat however many samples there are: rows come in batches from the driver
(PostgreSQL streams them, SQLite steps its cursor), each is turned into its line, encoded
(orjson: UTF-8 bytes, no text layer) and written, and only the skip counts are kept. A row costs
what it needs and no more: the driver's tuple, not a model nor a named tuple; a plain
conversation is checked against the format rules as it is copied (`format.line`); nothing is
validated twice. The file is written next to its final name and moved there at the
end, so an export that fails or is interrupted leaves nothing half-written, and an existing file
is replaced only with `force`. `bench/export.py` measures it (README, "Exporting training data").

`--split` sends a share of the lines to a validation file, chosen by content hash: the same
sample lands on the same side on every export, so a validation set never leaks into training.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Literal

from controlplane.data.format import Refused, encode, line, violations
from controlplane.errors import DataError
from controlplane.store import Store
from controlplane.values.data import ExportReport, SampleFilter, Skip

#: How often (in rows read, at least: it is reported a batch at a time) progress is reported.
PROGRESS_EVERY = 1_000
#: Sample ids kept per skip reason: enough to look a few up (`reasoning data label` takes them).
SKIP_IDS = 5

ExportFormat = Literal["jsonl", "json"]
#: Bytes buffered per output file before a write: a million lines make a thousand writes, not a million.
BUFFER_BYTES = 1 << 20
OnProgress = Callable[[int], None]


def default_name(role: str | None, now: datetime, fmt: ExportFormat = "jsonl") -> str:
    """`training-data-<role|all>-<YYYY-MM-DD>.jsonl`, the name the original service gave."""
    return f"training-data-{role or 'all'}-{now:%Y-%m-%d}.{fmt}"


def validation_path(output: Path) -> Path:
    return output.with_name(f"{output.stem}-validation{output.suffix}")


def export(
    store: Store,
    project: str,
    selection: SampleFilter,
    output: Path,
    now: datetime,
    *,
    fmt: ExportFormat = "jsonl",
    limit: int | None = None,
    split: float | None = None,
    force: bool = False,
    max_seq_length: int | None = None,
    on_progress: OnProgress | None = None,
) -> ExportReport:
    """Write the selection to `output` (and a validation share to `validation_path(output)`)."""
    if split is not None and not 0 < split < 1:
        raise DataError(f"--split {split}: the validation share must be between 0 and 1 (e.g. 0.1)")
    if limit is not None and limit < 1:
        raise DataError(f"--limit {limit}: must be at least 1")
    targets = [output, *([validation_path(output)] if split else [])]
    for target in targets:
        if target.exists() and not force:
            raise DataError(f"{target} exists", hint="pass --force to replace it, or -o to write elsewhere")
        if not target.parent.is_dir():
            raise DataError(f"cannot write {target}: {target.parent} is not a directory")
    if selection.dedup:
        store.hash_unhashed(project)  # samples recorded before hashes were: de-duplicated like the rest
    partial = [t.with_name(t.name + ".partial") for t in targets]
    skips: dict[str, tuple[int, list[int]]] = {}
    read = with_tools = reported = 0
    written = [0, 0]
    files: list[BinaryIO] = []
    try:
        files = [p.open("wb", buffering=BUFFER_BYTES) for p in partial]
        writers = [_Writer(f, fmt) for f in files]
        # the loop a million rows go through: nothing in it that a row does not need
        left = limit if limit is not None else -1
        write = writers[0].write
        for rows in store.training_batches(project, selection):
            for row in rows:
                read += 1
                try:
                    out = line(row, max_seq_length=max_seq_length)
                    data = encode(out)
                except Refused as refused:
                    count, ids = skips.get(str(refused), (0, []))
                    skips[str(refused)] = (count + 1, ids if len(ids) >= SKIP_IDS else [*ids, row[0]])
                    continue
                if split and _share(row[4], row[0]) < split:
                    writers[1].write(data)
                    written[1] += 1
                else:
                    write(data)
                    written[0] += 1
                if len(out) > 1:  # "messages" and "tools"
                    with_tools += 1
                left -= 1
                if left == 0:
                    break
            if on_progress is not None and read - reported >= PROGRESS_EVERY:
                on_progress(read)
                reported = read
            if left == 0:
                break
        for writer in writers:
            writer.close()
        for f in files:
            f.close()
        for source, target in zip(partial, targets, strict=True):
            os.replace(source, target)
    except OSError as error:
        raise DataError(f"cannot write {output}: {error.strerror or error}") from None
    finally:
        for f in files:
            f.close()
        for p in partial:
            p.unlink(missing_ok=True)
    if on_progress is not None:
        on_progress(read)
    return ExportReport(
        project=project,
        at=now,
        role=selection.role,
        format=fmt,
        output=str(output),
        written=written[0],
        validation_output=str(targets[1]) if split else None,
        validation_written=written[1],
        read=read,
        skipped=tuple(
            Skip(reason=reason, count=count, sample_ids=tuple(ids))
            for reason, (count, ids) in sorted(skips.items(), key=lambda item: -item[1][0])
        ),
        with_tools=with_tools,
    )


def check_lines(path: Path) -> list[str]:
    """Every problem with the lines of an exported JSONL file, by line number: our rules
    (`format.violations`), for tests and for a file someone edited by hand."""
    problems = []
    with path.open(encoding="utf-8") as lines:
        for number, text in enumerate(lines, 1):
            try:
                found = violations(json.loads(text))
            except ValueError as error:
                found = [f"not JSON: {error}"]
            problems += [f"line {number}: {problem}" for problem in found]
    return problems


class _Writer:
    """Lines out, as JSONL or as one JSON array (what `--format json` asks for)."""

    def __init__(self, file: BinaryIO, fmt: ExportFormat) -> None:
        self.file, self.fmt, self.first = file, fmt, True
        #: `data` is a line with its newline: JSONL writes it as it is
        self.write: Callable[[bytes], object] = file.write if fmt == "jsonl" else self._in_array

    def _in_array(self, data: bytes) -> None:
        self.file.write((b"[\n" if self.first else b",\n") + data[:-1])
        self.first = False

    def close(self) -> None:
        if self.fmt == "json":
            self.file.write(b"[]\n" if self.first else b"\n]\n")


def _share(content_hash: str | None, sample_id: int) -> float:
    """Where in [0, 1) a sample falls for the split: from its content, so it is stable."""
    if content_hash:
        return int(content_hash[:8], 16) / 2**32
    return (sample_id * 2654435761 % 2**32) / 2**32
