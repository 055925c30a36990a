"""What the runtime records: usage per request (what idle shutdown and spend read) and training
samples (what retention trims and export reads). The recorder writes them in batches, off the
request path."""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Integer,
    Select,
    String,
    Table,
    Text,
    and_,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    select,
    type_coerce,
    update,
)
from sqlalchemy.sql import FromClause

from controlplane.errors import DataError
from controlplane.store import rows as converted
from controlplane.store.budget import add_spend
from controlplane.store.database import Database
from controlplane.store.tables import reservations
from controlplane.store.tables import samples as sample_table
from controlplane.store.tables import usage as usage_table
from controlplane.values import Label, Outcome, Sample, Usage, UsageTotals
from controlplane.values.records import content_digest

if TYPE_CHECKING:  # export's values: imported when export runs, not by every command opening a store
    from controlplane.values.data import SampleFilter, TrainingRow, TrainingTuple

#: Rows fetched from the database at a time while export streams: memory stays at one batch.
STREAM_BATCH = 2_000
#: Repeated contents export holds in memory to de-duplicate (~150 bytes each); past this, the
#: database probes per row instead.
MAX_REPEATED = 100_000

_Record = TypeVar("_Record", Usage, Sample)


def usage_totals_query(project: str, *, since: datetime | None = None, until: datetime | None = None) -> Select[Any]:
    """Per role: requests, tokens, cost, first and last request in [since, until) (compiled for
    the stdlib reader too: `reads.py`)."""
    table = usage_table
    query = select(
        table.c.role,
        func.count(),
        func.sum(table.c.input_tokens),
        func.sum(table.c.output_tokens),
        func.sum(table.c.cost_micros),
        func.min(table.c.at),
        func.max(table.c.at),
    ).where(table.c.project == project)
    return _between(query, table.c.at, since, until).group_by(table.c.role)


class Records:
    def __init__(self, database: Database) -> None:
        self.database = database

    def record(self, usage: Sequence[Usage] = (), samples: Sequence[Sample] = ()) -> None:
        """Write a batch in one transaction: the recorder calls this off the request path."""
        if not usage and not samples:
            return
        with self.database.transaction("write") as connection:
            if usage:
                fresh = _unwritten(connection, usage_table, usage)
                if fresh:
                    connection.execute(insert(usage_table), [_usage_row(u) for u in fresh])
                    for project in sorted({u.project for u in fresh}):
                        costs = [(u.role, u.at, _micros(u)) for u in fresh if u.project == project]
                        add_spend(connection, self.database.dialect, project, costs)
                # the cost is in request_spend now: its reservation goes in the same transaction
                # (a replayed record whose reservation has gone already changes nothing)
                settled = [u.reservation for u in usage if u.reservation is not None]
                if settled:
                    connection.execute(delete(reservations).where(reservations.c.id.in_(settled)))
            if samples:
                fresh_samples = _unwritten(connection, sample_table, samples)
                if fresh_samples:
                    connection.execute(insert(sample_table), [_sample_row(s) for s in fresh_samples])

    def record_usage(
        self,
        project: str,
        role: str,
        *,
        at: datetime,
        input_tokens: int = 0,
        output_tokens: int = 0,
        latency_ms: float = 0.0,
        cost_usd: float = 0.0,
        outcome: Outcome = "ok",
        reason: str | None = None,
    ) -> None:
        """One request's usage, written at once."""
        self.record(
            usage=[
                Usage(
                    project=project,
                    role=role,
                    at=at,
                    input_tokens=input_tokens,
                    output_tokens=output_tokens,
                    latency_ms=latency_ms,
                    cost_usd=cost_usd,
                    outcome=outcome,
                    reason=reason,
                )
            ]
        )

    def usage(
        self, project: str, *, since: datetime | None = None, until: datetime | None = None, role: str | None = None
    ) -> list[Usage]:
        table = usage_table
        query = _between(select(table).where(table.c.project == project), table.c.at, since, until)
        if role is not None:
            query = query.where(table.c.role == role)
        with self.database.transaction("read") as connection:
            rows = connection.execute(query.order_by(table.c.at, table.c.id)).all()
        return [
            Usage(
                project=r.project,
                role=r.role,
                at=r.at,
                input_tokens=r.input_tokens,
                output_tokens=r.output_tokens,
                latency_ms=r.latency_ms,
                cost_usd=r.cost_micros / 1_000_000,
                outcome=r.outcome,
                reason=r.reason,
                record_id=r.record_id,
            )
            for r in rows
        ]

    def usage_totals(
        self, project: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> dict[str, UsageTotals]:
        """Per role: requests, tokens, request cost, first and last request in [since, until)."""
        with self.database.transaction("read") as connection:
            return converted.usage_totals(connection.execute(usage_totals_query(project, since=since, until=until)))

    def recent_outputs(self, project: str, role: str, limit: int) -> list[int]:
        """Output tokens of the role's last `limit` answered requests, newest first: what the
        budget estimates a request's output from."""
        table = usage_table
        query = (
            select(table.c.output_tokens)
            .where(table.c.project == project, table.c.role == role, table.c.outcome == "ok")
            .order_by(table.c.id.desc())
            .limit(limit)
        )
        with self.database.transaction("read") as connection:
            return [int(n) for n in connection.execute(query).scalars()]

    def last_requests(self, project: str) -> dict[str, datetime]:
        """When each role last had a request: what idle shutdown measures from."""
        return {role: totals.last_at for role, totals in self.usage_totals(project).items()}

    def usage_cost_buckets(
        self, project: str, *, since: datetime, until: datetime, bucket_seconds: int
    ) -> dict[tuple[str, datetime], int]:
        """Request cost in micro-dollars per (role, bucket start) in [since, until), buckets being
        UTC-aligned spans of `bucket_seconds` (3600: hours, 86400: days). Summed in the database:
        a month of requests is not read row by row."""
        table = usage_table
        seconds: Any
        if self.database.dialect == "sqlite":
            seconds = cast(func.strftime("%s", table.c.at), Integer)
        else:
            seconds = cast(func.floor(func.extract("epoch", table.c.at)), BigInteger)
        bucket = (seconds - seconds % bucket_seconds).label("bucket")
        query = select(table.c.role, bucket, func.sum(table.c.cost_micros)).where(table.c.project == project)
        query = _between(query, table.c.at, since, until).group_by(table.c.role, bucket)
        with self.database.transaction("read") as connection:
            rows = connection.execute(query).all()
        return {(row[0], datetime.fromtimestamp(int(row[1]), timezone.utc)): int(row[2] or 0) for row in rows}

    def samples(
        self,
        project: str,
        *,
        role: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> list[Sample]:
        table = sample_table
        query = _between(select(table).where(table.c.project == project), table.c.at, since, until)
        if role is not None:
            query = query.where(table.c.role == role)
        query = query.order_by(table.c.at, table.c.id)
        if limit is not None:
            query = query.limit(limit)
        with self.database.transaction("read") as connection:
            rows = connection.execute(query).all()
        return [Sample.model_validate(row, from_attributes=True) for row in rows]

    def sample_counts(self, project: str) -> dict[str, int]:
        table = sample_table
        query = select(table.c.role, func.count()).where(table.c.project == project).group_by(table.c.role)
        with self.database.transaction("read") as connection:
            return {role: count for role, count in connection.execute(query).all()}

    def count_samples(self, project: str, *, before: datetime | None = None) -> dict[str, int]:
        """Samples per role, all or only those before `before`: what a retention dry run counts."""
        table = sample_table
        query = select(table.c.role, func.count()).where(table.c.project == project)
        if before is not None:
            query = query.where(table.c.at < before)
        with self.database.transaction("read") as connection:
            return {role: count for role, count in connection.execute(query.group_by(table.c.role)).all()}

    def delete_samples_before(self, project: str, before: datetime) -> int:
        """Retention by age; returns how many went."""
        table = sample_table
        with self.database.transaction("write") as connection:
            result = connection.execute(delete(table).where(table.c.project == project, table.c.at < before))
        return result.rowcount

    def trim_samples(self, project: str, role: str, keep: int) -> int:
        """Retention by count: keep the newest `keep` samples of a role; returns how many went."""
        table = sample_table
        mine = (table.c.project == project, table.c.role == role)
        newest = select(table.c.id).where(*mine).order_by(table.c.at.desc(), table.c.id.desc()).limit(keep)
        with self.database.transaction("write") as connection:
            result = connection.execute(delete(table).where(*mine, table.c.id.not_in(select(newest.subquery().c.id))))
        return result.rowcount

    def sample(self, project: str, sample_id: int) -> Sample:
        table = sample_table
        query = select(table).where(table.c.project == project, table.c.id == sample_id)
        with self.database.transaction("read") as connection:
            row = connection.execute(query).first()
        if row is None:
            raise DataError(
                f"no training sample {sample_id} in project {project}",
                hint="`reasoning data export` and `reasoning data stats` show what there is",
            )
        return Sample.model_validate(row, from_attributes=True)

    def label_sample(self, project: str, sample_id: int, label: Label | None, note: str | None = None) -> Sample:
        """Set (or, with None, clear) a sample's label and note; returns the sample as it now is."""
        table = sample_table
        with self.database.transaction("write") as connection:
            result = connection.execute(
                update(table).where(table.c.project == project, table.c.id == sample_id).values(label=label, note=note)
            )
        if result.rowcount == 0:
            self.sample(project, sample_id)  # raises the DataError that says so
        return self.sample(project, sample_id)

    def hash_unhashed(self, project: str, *, batch: int = 1_000) -> int:
        """Give samples written before content hashes (NULL) theirs; returns how many. SQL has no
        portable sha256, so it is computed here, a batch per transaction."""
        table = sample_table
        done = 0
        while True:
            query = select(table.c.id, table.c.role, table.c.prompt, table.c.answer).where(
                table.c.project == project, table.c.content_hash.is_(None)
            )
            with self.database.transaction("write") as connection:
                rows = connection.execute(query.order_by(table.c.id).limit(batch)).all()
                for row in rows:
                    digest = content_digest(row.role, row.prompt, row.answer)
                    connection.execute(update(table).where(table.c.id == row.id).values(content_hash=digest))
            done += len(rows)
            if len(rows) < batch:
                return done

    def training_rows(
        self, project: str, selection: SampleFilter, *, limit: int | None = None, batch: int = STREAM_BATCH
    ) -> Iterator[TrainingRow]:
        """`training_batches`, a row at a time and with names: for tests and callers that take few."""
        from controlplane.values.data import TrainingRow

        make = TrainingRow._make
        for rows in self.training_batches(project, selection, limit=limit, batch=batch):
            yield from map(make, rows)

    def training_batches(
        self, project: str, selection: SampleFilter, *, limit: int | None = None, batch: int = STREAM_BATCH
    ) -> Generator[list[TrainingTuple], None, None]:
        """The selected samples in the order they were recorded, streamed `batch` rows at a time
        as plain tuples in `TrainingRow`'s order, so memory stays flat however many there are.
        The read transaction lasts as long as the iteration.

        The rows come from the driver's cursor itself: SQLAlchemy builds and binds the query,
        and its rows (a `Row` each, then a named tuple) cost more than the rest of a row's read
        while every column is an integer or text the driver already returns as it is. PostgreSQL
        streams the result (psycopg's `stream`, `batch` rows a chunk): the server produces the
        next rows while this process turns the last ones into lines, with no round trip per
        batch as a server-side cursor's FETCH takes; the socket's buffer bounds what is ahead.

        De-duplication keeps the first sample of each content in the selection. Asking the
        database, per row, whether an earlier one has its hash is an index probe in hash order,
        which is random: past the page cache, a read per row (at a million samples, three times
        the rest of the export's CPU). So the contents the project holds more than once are read
        first, in one sequential pass over the (project, content_hash, id) index; the stream then
        passes the first sample of each of those it meets, and every other sample as it is.
        Memory grows with the repeated contents only; past `MAX_REPEATED` of them, the database
        decides per row after all (`_first_of_its_content`)."""
        table = sample_table
        query = select(
            table.c.id,
            table.c.format,
            type_coerce(table.c.prompt, Text),
            table.c.answer,
            table.c.content_hash,
        ).where(*_selected(table, project, selection))
        with self.database.transaction("read") as connection:
            repeated: set[str] = set()
            if selection.dedup:
                last = connection.execute(select(func.max(table.c.id)).where(table.c.project == project)).scalar()
                # a sample written from here on is not in this export: it cannot be missed as a repeat
                query = query.where(table.c.id <= (last or 0))
                found = _repeated_contents(connection, project, last or 0)
                if found is None:
                    query = query.where(_first_of_its_content(table, project, selection))
                else:
                    repeated = found
            query = query.order_by(table.c.id)
            if limit is not None and not repeated:
                query = query.limit(limit)
            try:
                batches = _driver_batches(connection, query, batch)
                if not repeated:
                    yield from batches
                    return
                seen: set[str] = set()
                left = -1 if limit is None else limit
                for rows in batches:
                    kept = []
                    for row in rows:
                        content = row[4]
                        if content in repeated:
                            if content in seen:
                                continue
                            seen.add(content)
                        kept.append(row)
                        left -= 1
                        if left == 0:
                            yield kept
                            return
                    yield kept
            except connection.dialect.loaded_dbapi.Error as error:
                raise self.database.error("read samples from", error) from None

    def sample_stats(self, project: str, *, since_24h: datetime, max_chars: int) -> list[dict[str, Any]]:
        """Per role, summed in the database: counts, first and last, the last 24 h, sources,
        labels, samples longer than `max_chars` and distinct contents."""
        table = sample_table

        def count_when(condition: ColumnElement[bool]) -> Any:
            return func.sum(case((condition, 1), else_=0))

        size = func.length(table.c.answer) + func.length(table.c.prompt)
        query = (
            select(
                table.c.role,
                func.min(table.c.at),
                func.max(table.c.at),
                func.count(),
                count_when(table.c.at >= since_24h),
                count_when(table.c.source == "custom"),
                count_when(table.c.source == "fallback"),
                count_when(table.c.label == "good"),
                count_when(table.c.label == "bad"),
                count_when(size > max_chars),
                func.count(func.distinct(func.coalesce(table.c.content_hash, cast(table.c.id, String)))),
            )
            .where(table.c.project == project)
            .group_by(table.c.role)
            .order_by(table.c.role)
        )
        with self.database.transaction("read") as connection:
            rows = connection.execute(query).all()
        keys = ("samples", "last_24h", "custom", "fallback", "good", "bad", "too_long", "distinct")
        stats = []
        for role, first, last, *counts in rows:
            stats.append(
                {"role": role, "first_at": first, "last_at": last, **dict(zip(keys, map(_int, counts), strict=True))}
            )
        return stats


def _int(value: Any) -> int:
    return int(value or 0)


def _repeated_contents(connection: Connection, project: str, last: int) -> set[str] | None:
    """The content hashes the project's samples up to id `last` hold more than once (whatever
    the selection: a superset of the selection's repeats); None when there are more than
    `MAX_REPEATED`. A covering index scan in hash order, no table read."""
    table = sample_table
    query = (
        select(table.c.content_hash)
        .where(table.c.project == project, table.c.content_hash.is_not(None), table.c.id <= last)
        .group_by(table.c.content_hash)
        .having(func.count() > 1)
        .limit(MAX_REPEATED + 1)
    )
    found = set(connection.execute(query).scalars())
    return None if len(found) > MAX_REPEATED else found


def _driver_batches(connection: Connection, query: Select[Any], batch: int) -> Iterator[list[TrainingTuple]]:
    """`query`'s rows in lists of `batch`, as the DBAPI driver returns them (no `Row` wrapper).
    SQLAlchemy compiles it and processes its parameters (a `UtcDateTime` bound as SQLite's
    text); the columns it selects need no result processing (integers and text)."""
    dialect = connection.dialect
    compiled = query.compile(dialect=dialect)
    values = compiled.construct_params()
    for name, bind in compiled.binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None and name in values:
            values[name] = process(values[name])
    parameters: Any = [values[name] for name in compiled.positiontup or ()] if compiled.positional else values
    driver = connection.connection.driver_connection
    if dialect.name == "postgresql":
        cursor = driver.cursor()  # type: ignore[union-attr]
        rows: list[TrainingTuple] = []
        # psycopg's chunked mode (libpq 17+; row by row before): rows as the server sends them
        for row in cursor.stream(str(compiled), parameters, size=batch):
            rows.append(row)
            if len(rows) == batch:
                yield rows
                rows = []
        if rows:
            yield rows
        return
    cursor = driver.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), parameters)
        while rows := cursor.fetchmany(batch):
            yield rows
    finally:
        cursor.close()


def _first_of_its_content(table: FromClause, project: str, selection: SampleFilter) -> ColumnElement[bool]:
    """True for the sample no earlier one in the selection has the content of (NULL, no hash yet,
    equals nothing: such a sample is its own content)."""
    earlier = sample_table.alias("earlier")
    return ~exists().where(
        *_selected(earlier, project, selection),
        earlier.c.content_hash == table.c.content_hash,
        earlier.c.id < table.c.id,
    )


def _selected(table: FromClause, project: str, selection: SampleFilter) -> list[ColumnElement[bool]]:
    """The WHERE clauses of `selection` over `table` (the samples table or an alias of it)."""
    wanted: list[ColumnElement[bool]] = [table.c.project == project]
    if selection.role is not None:
        wanted.append(table.c.role == selection.role)
    if selection.since is not None:
        wanted.append(table.c.at >= selection.since)
    if selection.until is not None:
        wanted.append(table.c.at < selection.until)
    if selection.source != "all":
        wanted.append(table.c.source == selection.source)
    label = selection.label
    if label == "usable":
        wanted.append(func.coalesce(table.c.label, "") != "bad")
    elif label == "unlabeled":
        wanted.append(table.c.label.is_(None))
    elif label != "any":
        wanted.append(table.c.label == label)
    return [and_(*wanted)]


def _sample_row(sample: Sample) -> dict[str, Any]:
    row = sample.model_dump(exclude={"id"})
    if row["content_hash"] is None:
        row["content_hash"] = sample.digest()
    return row


def _unwritten(connection: Connection, table: Table, items: Sequence[_Record]) -> list[_Record]:
    """The items whose `record_id` the table does not hold yet (nor an earlier item of the batch)."""
    ids = [i.record_id for i in items if i.record_id is not None]
    known: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        known.update(connection.execute(select(table.c.record_id).where(table.c.record_id.in_(chunk))).scalars())
    fresh: list[_Record] = []
    for item in items:
        if item.record_id is not None:
            if item.record_id in known:
                continue
            known.add(item.record_id)
        fresh.append(item)
    return fresh


def _usage_row(usage: Usage) -> dict[str, Any]:
    row = usage.model_dump(exclude={"cost_usd", "reservation"})
    row["cost_micros"] = _micros(usage)
    return row


def _micros(usage: Usage) -> int:
    return round(usage.cost_usd * 1_000_000)


def _between(query: Select[Any], column: Any, since: datetime | None, until: datetime | None) -> Select[Any]:
    """[since, until): a request at `until` belongs to the next bucket."""
    if since is not None:
        query = query.where(column >= since)
    if until is not None:
        query = query.where(column < until)
    return query
