"""The schema as SQLAlchemy Core tables (the migrations under ``migrations/`` create it).

JSON values (metadata, input, output) are stored as TEXT holding their RFC 8785 canonical form:
it round-trips exactly on both databases (``\\u0000`` stays an escape, numbers keep their
ECMAScript spelling) and re-hashing what is read gives the stored content hash.
Free text (descriptions, a run's error, an evaluation's label, explanation and error) is stored
as its JSON string literal (:class:`FreeText`), for the same reason: PostgreSQL's ``text`` cannot
hold U+0000 and SQLite's can, and ``"a\\u0000b"`` is the same text on both.
Timestamps are ISO-8601 UTC strings.
"""

from __future__ import annotations

from typing import Any

import orjson
import sqlalchemy as sa


class FreeText(sa.TypeDecorator[str]):
    """Text written as its JSON string literal and read back from it, so that every string
    (U+0000 included) reads back exactly on both databases; NULL stays NULL (``count(error)``
    counts errored runs). The request models refuse lone surrogates before they get here."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: sa.Dialect) -> str | None:
        return None if value is None else orjson.dumps(value).decode("utf-8")

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> str | None:
        return None if value is None else str(orjson.loads(value))


metadata = sa.MetaData()

CREATE = "CREATE"
"""``revision_kind`` of an example's first revision, or of one that revives a deleted example."""
PATCH = "PATCH"
"""``revision_kind`` of a revision that changes a live example's content."""
DELETE = "DELETE"
"""``revision_kind`` of a revision that deletes an example (no content, no hash)."""

datasets = sa.Table(
    "datasets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("description", FreeText, nullable=True),
    sa.Column("metadata", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
    sa.UniqueConstraint("name", name="uq_datasets_name"),
    sqlite_autoincrement=True,
)

dataset_versions = sa.Table(
    "dataset_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    sa.Column("description", FreeText, nullable=True),
    sa.Column("metadata", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("example_count", sa.Integer, nullable=False),
    sa.Column("created_count", sa.Integer, nullable=False),
    sa.Column("updated_count", sa.Integer, nullable=False),
    sa.Column("deleted_count", sa.Integer, nullable=False),
    sa.Index("ix_dataset_versions_dataset_id_id", "dataset_id", "id"),
    sqlite_autoincrement=True,
)

# The digest of each version's manifest (migration 0009), written with the version: an upsert
# that carries the client's `manifest_digest` is a no-op when it equals the latest version's,
# found by one indexed read whatever the dataset's size. A table of its own so the versions
# table stays as it is; a version made before 0009 gets its row the first time it is needed.
dataset_version_digests = sa.Table(
    "dataset_version_digests",
    metadata,
    sa.Column(
        "version_id",
        sa.Integer,
        sa.ForeignKey("dataset_versions.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("digest", sa.String(64), nullable=False),
)

# The references of dataset_examples and dataset_example_revisions are not enforced on
# PostgreSQL since migration 0012 (their checks were half of a bulk load's database work): an
# upsert writes these rows holding the dataset's row lock, and deleting a dataset deletes them
# itself. SQLite keeps the constraints; its upserts run without foreign key checks.
dataset_examples = sa.Table(
    "dataset_examples",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    sa.Column("source_id", sa.Text, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    # Current state: the latest revision is (id, current_version_id) in the revisions; an
    # upsert's diff is one pass over these rows, whatever the number of past versions.
    sa.Column("current_content_hash", sa.String(64), nullable=True),
    sa.Column("current_version_id", sa.Integer, nullable=True),
    sa.Column("is_deleted", sa.Boolean, nullable=False),
    sa.UniqueConstraint("dataset_id", "source_id", name="uq_dataset_examples_dataset_id_source_id"),
    # A version's examples are paged by id: without it SQLite read the dataset's examples by
    # (dataset_id, source_id) and sorted them all for each page.
    sa.Index("ix_dataset_examples_dataset_id_id", "dataset_id", "id"),
    sqlite_autoincrement=True,
)

# Keyed by (example_id, version_id) since migration 0016 on PostgreSQL; SQLite's table keeps
# its rowid `id` column, which no code names.
dataset_example_revisions = sa.Table(
    "dataset_example_revisions",
    metadata,
    sa.Column(
        "example_id", sa.Integer, sa.ForeignKey("dataset_examples.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "version_id", sa.Integer, sa.ForeignKey("dataset_versions.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("input", sa.Text, nullable=True),
    sa.Column("output", sa.Text, nullable=True),
    sa.Column("metadata", sa.Text, nullable=True),
    sa.Column("content_hash", sa.String(64), nullable=True),
    sa.Column("revision_kind", sa.String(6), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.PrimaryKeyConstraint("example_id", "version_id", name="pk_dataset_example_revisions"),
    sa.Index("ix_dataset_example_revisions_version_id", "version_id"),
)

# Experiments: a task run on every example of one dataset version. Each run keeps the content hash
# of the example at that version, so a run names the exact content it saw even after the example
# changed in later versions.
experiments = sa.Table(
    "experiments",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    sa.Column(
        "dataset_version_id",
        sa.Integer,
        sa.ForeignKey("dataset_versions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.Text, nullable=True),
    sa.Column("description", FreeText, nullable=True),
    sa.Column("metadata", sa.Text, nullable=False),
    sa.Column("repetitions", sa.Integer, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    # The user's name for the task's code and prompt (migration 0004): equal ones say a rerun
    # may reuse results.
    sa.Column("task_version", sa.Text, nullable=True),
    # The selection of the version's examples it runs on (migration 0007), canonical JSON
    # (RFC 8785) of the request's `selection`; null: every example of the version.
    sa.Column("selection", sa.Text, nullable=True),
    # Counted up by every write to its runs or evaluations (migration 0011): a computed
    # comparison or summary kept by a server process is still right while it is unchanged.
    sa.Column("results_revision", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_experiments_dataset_id_id", "dataset_id", "id"),
    sqlite_autoincrement=True,
)

experiment_examples = sa.Table(
    "experiment_examples",
    metadata,
    sa.Column(
        "experiment_id", sa.Integer, sa.ForeignKey("experiments.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "example_id", sa.Integer, sa.ForeignKey("dataset_examples.id", ondelete="CASCADE"), nullable=False
    ),
    sa.PrimaryKeyConstraint("experiment_id", "example_id", name="pk_experiment_examples"),
)
"""The examples an experiment with a selection selected (migration 0007), found once when it is
created: its version never changes."""

experiment_runs = sa.Table(
    "experiment_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "experiment_id", sa.Integer, sa.ForeignKey("experiments.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column(
        "example_id", sa.Integer, sa.ForeignKey("dataset_examples.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("repetition_number", sa.Integer, nullable=False),
    sa.Column("output", sa.Text, nullable=True),
    sa.Column("error", FreeText, nullable=True),
    sa.Column("start_time", sa.String(32), nullable=False),
    sa.Column("end_time", sa.String(32), nullable=False),
    # What the run cost (migration 0004), null when not reported.
    sa.Column("latency_ms", sa.Float, nullable=True),
    sa.Column("tokens_in", sa.BigInteger, nullable=True),
    sa.Column("tokens_out", sa.BigInteger, nullable=True),
    sa.Column("cost", sa.Float, nullable=True),
    sa.Column("currency", sa.Text, nullable=True),
    # The run an incremental rerun copied this one from; the copy outlives it (deleting that
    # run's experiment clears the link). No foreign key on PostgreSQL since migration 0010;
    # SQLite keeps the one of migration 0004.
    sa.Column("reused_from_run_id", sa.Integer, nullable=True),
    sa.UniqueConstraint(
        "experiment_id",
        "example_id",
        "repetition_number",
        name="uq_experiment_runs_experiment_id_example_id_repetition_number",
    ),
    # Deleting a dataset's examples cascades to runs: without it PostgreSQL scans every run.
    sa.Index("ix_experiment_runs_example_id", "example_id"),
    sa.Index("ix_experiment_runs_reused_from_run_id", "reused_from_run_id"),
    # No index of latencies (dropped by migration 0013): its random-order insertions cost a
    # copy of 99,000 runs more than the summary's read of them saved.
    sqlite_autoincrement=True,
)

experiment_evaluations = sa.Table(
    "experiment_evaluations",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.Integer, sa.ForeignKey("experiment_runs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("score", sa.Float, nullable=True),
    sa.Column("label", FreeText, nullable=True),
    sa.Column("explanation", FreeText, nullable=True),
    sa.Column("metadata", sa.Text, nullable=False),
    sa.Column("error", FreeText, nullable=True),
    sa.Column("annotator_kind", sa.String(8), nullable=False),
    sa.Column("start_time", sa.String(32), nullable=False),
    sa.Column("end_time", sa.String(32), nullable=False),
    sa.Column("latency_ms", sa.Float, nullable=True),
    sa.Column("evaluator_version", sa.Text, nullable=True),
    sa.UniqueConstraint("run_id", "name", name="uq_experiment_evaluations_run_id_name"),
    sqlite_autoincrement=True,
)
# An experiment's counts, latency and usage as its summary and a comparison answer them
# (migration 0015), canonical JSON (RFC 8785), computed at its `results_revision`: a read uses
# the row only while the experiment's revision is still that one.
experiment_costs = sa.Table(
    "experiment_costs",
    metadata,
    sa.Column(
        "experiment_id",
        sa.Integer,
        sa.ForeignKey("experiments.id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    sa.Column("results_revision", sa.Integer, nullable=False),
    sa.Column("costs", sa.Text, nullable=False),
)

# SQLite only (migration 0014): what a comparison reads of an evaluation, so that it never visits
# the row; PostgreSQL's B-tree entries are too small for an unbounded label or error.
EVALUATION_SCORES_INDEX = "ix_experiment_evaluations_run_id_name_scores"
sa.Index(
    EVALUATION_SCORES_INDEX,
    experiment_evaluations.c.run_id,
    experiment_evaluations.c.name,
    experiment_evaluations.c.score,
    experiment_evaluations.c.label,
    experiment_evaluations.c.error,
).ddl_if(dialect="sqlite")

# Tags (migration 0005): a name a team gives one version of a dataset ("baseline"), unique per
# dataset and movable; every create, move and delete is an event, so a tag's history survives
# its deletion. A tag follows its version and its dataset when they are deleted.
version_tags = sa.Table(
    "version_tags",
    metadata,
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column(
        "version_id", sa.Integer, sa.ForeignKey("dataset_versions.id", ondelete="CASCADE"), nullable=False
    ),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Column("updated_at", sa.String(32), nullable=False),
    sa.PrimaryKeyConstraint("dataset_id", "name", name="pk_version_tags"),
    sa.Index("ix_version_tags_version_id", "version_id"),
)

TAG_CREATED = "created"
TAG_MOVED = "moved"
TAG_DELETED = "deleted"
"""``version_tag_events.action``: ``version_id`` is null for a deletion, ``previous_version_id``
for a creation."""

version_tag_events = sa.Table(
    "version_tag_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    sa.Column("tag", sa.Text, nullable=False),
    sa.Column("action", sa.String(8), nullable=False),
    # No references: the history is a log of what was, read as it was written.
    sa.Column("version_id", sa.Integer, nullable=True),
    sa.Column("previous_version_id", sa.Integer, nullable=True),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Index("ix_version_tag_events_dataset_id_tag_id", "dataset_id", "tag", "id"),
    sqlite_autoincrement=True,
)

dataset_schemas = sa.Table(
    "dataset_schemas",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    # Canonical JSON (RFC 8785) of each part's schema; null: no schema for that part.
    sa.Column("input_schema", sa.Text, nullable=True),
    sa.Column("output_schema", sa.Text, nullable=True),
    sa.Column("metadata_schema", sa.Text, nullable=True),
    sa.Column("forced", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
    sa.Index("ix_dataset_schemas_dataset_id_id", "dataset_id", "id"),
    sqlite_autoincrement=True,
)
"""A dataset's schema changes, oldest first; the newest row is its schema (three nulls after a
deletion)."""
