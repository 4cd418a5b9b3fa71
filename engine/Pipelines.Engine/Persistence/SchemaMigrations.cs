namespace Pipelines.Persistence;

/// <summary>
/// The schema, as the ordered list of migrations that builds it. Append new migrations at the end with the
/// next version number; never edit or reorder shipped ones, because existing databases have already run them.
/// </summary>
/// <remarks>
/// Times are INTEGER unix milliseconds (UTC): they sort and compare as numbers, need no parsing, and cannot
/// carry a stray offset or a local time.
/// </remarks>
public static class SchemaMigrations
{
    public static IReadOnlyList<SchemaMigration> All { get; } =
    [
        new(1, "definition versions", """
            CREATE TABLE definition_versions (
                id           INTEGER PRIMARY KEY,
                name         TEXT    NOT NULL,
                version      INTEGER NOT NULL CHECK (version >= 1),
                hash         TEXT    NOT NULL,
                yaml         TEXT    NOT NULL,
                published_at INTEGER NOT NULL,
                retracted_at INTEGER,
                UNIQUE (name, version)
            ) STRICT;
            CREATE INDEX definition_versions_by_hash ON definition_versions (name, hash);
            """),
        new(2, "runs, steps, logs, cache, artifacts", """
            CREATE TABLE runs (
                id               TEXT    PRIMARY KEY,
                pipeline         TEXT    NOT NULL,
                version          INTEGER NOT NULL,
                status           TEXT    NOT NULL,
                params           TEXT    NOT NULL,
                trigger_name     TEXT    NOT NULL,
                no_cache         INTEGER NOT NULL DEFAULT 0,
                timeout_ms       INTEGER,
                created_at       INTEGER NOT NULL,
                started_at       INTEGER,
                finished_at      INTEGER,
                error            TEXT,
                cancel_requested INTEGER NOT NULL DEFAULT 0,
                owner            TEXT,
                lease_expires_at INTEGER
            ) STRICT;
            CREATE INDEX runs_by_pipeline ON runs (pipeline, created_at);
            CREATE INDEX runs_by_status ON runs (status, created_at);

            -- One row per step execution: a plain step, or a matrix step and one child per combination ("sweep[0]").
            CREATE TABLE steps (
                run_id           TEXT    NOT NULL REFERENCES runs (id),
                step_id          TEXT    NOT NULL,
                parent_id        TEXT,
                matrix           TEXT,
                status           TEXT    NOT NULL,
                attempts         INTEGER NOT NULL DEFAULT 0,
                failures         INTEGER NOT NULL DEFAULT 0,
                cached           INTEGER NOT NULL DEFAULT 0,
                started_at       INTEGER,
                finished_at      INTEGER,
                next_attempt_at  INTEGER,
                lease_owner      TEXT,
                lease_expires_at INTEGER,
                inputs           TEXT,
                outputs          TEXT,
                error            TEXT,
                cache_key        TEXT,
                PRIMARY KEY (run_id, step_id)
            ) STRICT, WITHOUT ROWID;

            CREATE TABLE step_logs (
                run_id  TEXT    NOT NULL,
                step_id TEXT    NOT NULL,
                seq     INTEGER NOT NULL,
                at      INTEGER NOT NULL,
                line    TEXT    NOT NULL,
                PRIMARY KEY (run_id, step_id, seq)
            ) STRICT, WITHOUT ROWID;

            -- key = sha256(activity type@version, resolved inputs, digests of input artifacts)
            CREATE TABLE step_cache (
                cache_key  TEXT    PRIMARY KEY,
                outputs    TEXT    NOT NULL,
                run_id     TEXT    NOT NULL,
                step_id    TEXT    NOT NULL,
                created_at INTEGER NOT NULL
            ) STRICT;

            CREATE TABLE artifacts (
                digest        TEXT    PRIMARY KEY,
                kind          TEXT    NOT NULL,
                size          INTEGER NOT NULL,
                is_directory  INTEGER NOT NULL,
                created_at    INTEGER NOT NULL,
                producer_run  TEXT,
                producer_step TEXT
            ) STRICT;

            CREATE TABLE artifact_consumers (
                digest  TEXT NOT NULL,
                run_id  TEXT NOT NULL,
                step_id TEXT NOT NULL,
                PRIMARY KEY (digest, run_id, step_id)
            ) STRICT, WITHOUT ROWID;
            """),
        new(3, "bookmarks: steps waiting for people or the outside world", """
            ALTER TABLE steps ADD COLUMN bookmark TEXT;
            ALTER TABLE steps ADD COLUMN resume TEXT;
            CREATE INDEX steps_waiting ON steps (status) WHERE status = 'waiting';
            """),
        new(4, "human reviews and their decisions", """
            CREATE TABLE reviews (
                id           TEXT    PRIMARY KEY,
                run_id       TEXT    NOT NULL,
                step_id      TEXT    NOT NULL,
                title        TEXT    NOT NULL,
                instructions TEXT,
                samples      TEXT    NOT NULL,
                rubric       TEXT    NOT NULL,
                reviewers    TEXT    NOT NULL,
                approvals    INTEGER NOT NULL,
                reject_on    TEXT    NOT NULL,
                deadline_at  INTEGER,
                on_timeout   TEXT    NOT NULL,
                status       TEXT    NOT NULL,
                created_at   INTEGER NOT NULL,
                decided_at   INTEGER,
                UNIQUE (run_id, step_id)
            ) STRICT;
            CREATE INDEX reviews_by_status ON reviews (status, created_at);

            CREATE TABLE review_decisions (
                review_id TEXT    NOT NULL REFERENCES reviews (id),
                reviewer  TEXT    NOT NULL,
                decision  TEXT    NOT NULL,
                scores    TEXT    NOT NULL,
                comment   TEXT,
                at        INTEGER NOT NULL,
                PRIMARY KEY (review_id, reviewer)
            ) STRICT, WITHOUT ROWID;
            """),
        new(5, "schedule state: when each trigger last fired and the run it started", """
            CREATE TABLE schedule_state (
                pipeline      TEXT    NOT NULL,
                trigger_index INTEGER NOT NULL,
                last_fire_at  INTEGER,
                last_run_id   TEXT,
                PRIMARY KEY (pipeline, trigger_index)
            ) STRICT, WITHOUT ROWID;
            """),
        new(6, "step executions stored as per-run chunks of up to 32 (StepChunks) instead of a row each", """
            -- A rowid table: new chunks are appended at the end of the table's B-tree, so a commit writes few pages;
            -- keyed by (run_id, chunk), documents of runs finishing in any order would split pages all over it.
            CREATE TABLE step_chunks (
                id     INTEGER PRIMARY KEY,
                run_id TEXT    NOT NULL,
                chunk  INTEGER NOT NULL,
                steps  TEXT    NOT NULL,
                UNIQUE (run_id, chunk)
            ) STRICT;

            INSERT INTO step_chunks (run_id, chunk, steps)
            SELECT run_id, chunk, json_group_array(json(step)) FROM (
                SELECT run_id,
                       (row_number() OVER (PARTITION BY run_id ORDER BY step_id) - 1) / 32 AS chunk,
                       json_object('id', step_id, 'parent', parent_id, 'matrix', json(matrix), 'status', status,
                                   'attempts', attempts, 'failures', failures, 'cached', json(iif(cached, 'true', 'false')),
                                   'started', started_at, 'finished', finished_at, 'next_attempt', next_attempt_at,
                                   'owner', lease_owner, 'inputs', json(inputs), 'outputs', json(outputs), 'error', error,
                                   'cache_key', cache_key, 'bookmark', bookmark, 'resume', json(resume)) AS step
                FROM steps ORDER BY run_id, step_id)
            GROUP BY run_id, chunk;

            DROP INDEX steps_waiting;
            DROP TABLE steps;
            """),
        new(7, "runs count take-overs from a dead owner that found no step finished since the last one (the dead-letter rule)", """
            ALTER TABLE runs ADD COLUMN crash_takeovers INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE runs ADD COLUMN crash_progress INTEGER;
            """),
        new(8, "the model registry: versions with lineage and tags, aliases and every move of them", """
            CREATE TABLE model_versions (
                model         TEXT    NOT NULL,
                version       INTEGER NOT NULL CHECK (version >= 1),
                source        TEXT    NOT NULL,
                base_model    TEXT,
                dataset       TEXT,
                adapter       TEXT,
                run_id        TEXT,
                step_id       TEXT,
                metrics       TEXT,
                review        TEXT,
                variant       TEXT,
                tags          TEXT    NOT NULL DEFAULT '{}',
                registered_at INTEGER NOT NULL,
                PRIMARY KEY (model, version)
            ) STRICT;

            CREATE TABLE model_aliases (
                model    TEXT    NOT NULL,
                alias    TEXT    NOT NULL,
                version  INTEGER NOT NULL,
                moved_at INTEGER NOT NULL,
                PRIMARY KEY (model, alias),
                FOREIGN KEY (model, version) REFERENCES model_versions (model, version)
            ) STRICT;

            -- Append-only: every move of every alias, in order (MLflow's aliases keep no history).
            CREATE TABLE model_alias_moves (
                id           INTEGER PRIMARY KEY,
                model        TEXT    NOT NULL,
                alias        TEXT    NOT NULL,
                from_version INTEGER,
                to_version   INTEGER NOT NULL,
                actor        TEXT    NOT NULL,
                reason       TEXT,
                rollback     INTEGER NOT NULL DEFAULT 0,
                moved_at     INTEGER NOT NULL
            ) STRICT;
            CREATE INDEX model_alias_moves_by_alias ON model_alias_moves (model, alias, id);
            """),
        new(9, "model versions carry their variants (exported, quantized forms by name)", """
            ALTER TABLE model_versions ADD COLUMN variants TEXT NOT NULL DEFAULT '{}';
            """),
        new(10, "the served requests' log: every request's figures, sampled prompts and outputs (redacted), user feedback", """
            CREATE TABLE served_requests (
                id                TEXT    PRIMARY KEY,
                model             TEXT    NOT NULL,
                name              TEXT    NOT NULL,
                alias             TEXT,
                version           INTEGER NOT NULL,
                variant           TEXT    NOT NULL,
                at                INTEGER NOT NULL,
                prompt            TEXT,
                output            TEXT,
                finish_reason     TEXT    NOT NULL,
                prompt_tokens     INTEGER NOT NULL,
                completion_tokens INTEGER NOT NULL,
                latency           REAL    NOT NULL,
                ttft              REAL,
                rating            REAL,
                comment           TEXT
            ) STRICT;
            CREATE INDEX served_requests_by_model ON served_requests (model, at);
            """),
        new(11, "feedback may carry a correction: the answer the user wanted", """
            ALTER TABLE served_requests ADD COLUMN correction TEXT;
            """),
        new(12, "the designer's drafts: per pipeline name the text last saved, apart from the published versions", """
            CREATE TABLE definition_drafts (
                name     TEXT    PRIMARY KEY,
                yaml     TEXT    NOT NULL,
                saved_at INTEGER NOT NULL
            ) STRICT;
            """),
    ];
}
