namespace Pipelines.Persistence.Postgres;

/// <summary>
/// The PostgreSQL schema, as the ordered list of migrations that builds it (numbered on their own, apart from SQLite's
/// <see cref="SchemaMigrations"/>). Append new migrations at the end with the next version number; never edit or reorder
/// shipped ones, because existing databases have already run them.
/// </summary>
/// <remarks>
/// The tables and columns are SQLite's, so the stores in <see cref="Sql"/> run the same statements on both: times are
/// <c>bigint</c> unix milliseconds (UTC), JSON is kept as <c>text</c> exactly as written (<c>jsonb</c> would reorder
/// keys and respell numbers of metrics and samples), flags are <c>boolean</c>, and the text columns the stores sort by
/// are <c>COLLATE "C"</c>, so they sort by code point as SQLite's do, whatever the database's locale. Where the layout
/// differs, the store is PostgreSQL's own: the run store keeps a row per step execution (<see cref="PostgresRunStore"/>),
/// where SQLite keeps JSON chunks.
/// </remarks>
public static class PostgresMigrations
{
    public static IReadOnlyList<SchemaMigration> All { get; } =
    [
        new(1, "definition versions and the designer's drafts", """
            CREATE TABLE definition_versions (
                name         text COLLATE "C" NOT NULL,
                version      integer NOT NULL CHECK (version >= 1),
                hash         text    NOT NULL,
                yaml         text    NOT NULL,
                published_at bigint  NOT NULL,
                retracted_at bigint,
                PRIMARY KEY (name, version)
            );
            CREATE INDEX definition_versions_by_hash ON definition_versions (name, hash);

            CREATE TABLE definition_drafts (
                name     text COLLATE "C" PRIMARY KEY,
                yaml     text   NOT NULL,
                saved_at bigint NOT NULL
            );
            """),
        new(2, "the artifact index: one record per artifact, its producer and consumers", """
            CREATE TABLE artifacts (
                digest        text    PRIMARY KEY,
                kind          text    NOT NULL,
                size          bigint  NOT NULL,
                is_directory  boolean NOT NULL,
                created_at    bigint  NOT NULL,
                producer_run  text,
                producer_step text
            );

            CREATE TABLE artifact_consumers (
                digest  text NOT NULL,
                run_id  text COLLATE "C" NOT NULL,
                step_id text COLLATE "C" NOT NULL,
                PRIMARY KEY (digest, run_id, step_id)
            );
            """),
        new(3, "human reviews and their decisions", """
            CREATE TABLE reviews (
                id           text COLLATE "C" PRIMARY KEY,
                run_id       text    NOT NULL,
                step_id      text    NOT NULL,
                title        text    NOT NULL,
                instructions text,
                samples      text    NOT NULL,
                rubric       text    NOT NULL,
                reviewers    text    NOT NULL,
                approvals    integer NOT NULL,
                reject_on    text    NOT NULL,
                deadline_at  bigint,
                on_timeout   text    NOT NULL,
                status       text    NOT NULL,
                created_at   bigint  NOT NULL,
                decided_at   bigint,
                UNIQUE (run_id, step_id)
            );
            CREATE INDEX reviews_by_status ON reviews (status, created_at);

            CREATE TABLE review_decisions (
                review_id text   NOT NULL REFERENCES reviews (id),
                reviewer  text COLLATE "C" NOT NULL,
                decision  text   NOT NULL,
                scores    text   NOT NULL,
                comment   text,
                at        bigint NOT NULL,
                PRIMARY KEY (review_id, reviewer)
            );
            """),
        new(4, "schedule state: when each trigger last fired and the run it started", """
            CREATE TABLE schedule_state (
                pipeline      text COLLATE "C" NOT NULL,
                trigger_index integer NOT NULL,
                last_fire_at  bigint,
                last_run_id   text,
                PRIMARY KEY (pipeline, trigger_index)
            );
            """),
        new(5, "the model registry: versions with lineage, tags and variants, aliases and every move of them", """
            CREATE TABLE model_versions (
                model         text COLLATE "C" NOT NULL,
                version       integer NOT NULL CHECK (version >= 1),
                source        text    NOT NULL,
                base_model    text,
                dataset       text,
                adapter       text,
                run_id        text,
                step_id       text,
                metrics       text,
                review        text,
                variant       text,
                tags          text    NOT NULL DEFAULT '{}',
                registered_at bigint  NOT NULL,
                variants      text    NOT NULL DEFAULT '{}',
                PRIMARY KEY (model, version)
            );

            CREATE TABLE model_aliases (
                model    text COLLATE "C" NOT NULL,
                alias    text    NOT NULL,
                version  integer NOT NULL,
                moved_at bigint  NOT NULL,
                PRIMARY KEY (model, alias),
                FOREIGN KEY (model, version) REFERENCES model_versions (model, version)
            );

            -- Append-only: every move of every alias, in order.
            CREATE TABLE model_alias_moves (
                id           bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                model        text    NOT NULL,
                alias        text    NOT NULL,
                from_version integer,
                to_version   integer NOT NULL,
                actor        text    NOT NULL,
                reason       text,
                rollback     boolean NOT NULL DEFAULT false,
                moved_at     bigint  NOT NULL
            );
            CREATE INDEX model_alias_moves_by_alias ON model_alias_moves (model, alias, id);
            """),
        new(6, "the served requests' log: every request's figures, sampled prompts and outputs (redacted), user feedback", """
            CREATE TABLE served_requests (
                id                text COLLATE "C" PRIMARY KEY,
                model             text             NOT NULL,
                name              text             NOT NULL,
                alias             text,
                version           integer          NOT NULL,
                variant           text             NOT NULL,
                at                bigint           NOT NULL,
                prompt            text,
                output            text,
                finish_reason     text             NOT NULL,
                prompt_tokens     integer          NOT NULL,
                completion_tokens integer          NOT NULL,
                latency           double precision NOT NULL,
                ttft              double precision,
                rating            double precision,
                comment           text,
                correction        text
            );
            CREATE INDEX served_requests_by_model ON served_requests (model, at);
            """),
        new(7, "runs, a row per step execution, logs and the step cache (the run store)", """
            CREATE TABLE runs (
                id               text COLLATE "C" PRIMARY KEY,
                pipeline         text COLLATE "C" NOT NULL,
                version          integer NOT NULL,
                status           text    NOT NULL,
                params           text    NOT NULL,
                trigger_name     text    NOT NULL,
                no_cache         boolean NOT NULL DEFAULT false,
                timeout_ms       bigint,
                created_at       bigint  NOT NULL,
                started_at       bigint,
                finished_at      bigint,
                error            text,
                cancel_requested boolean NOT NULL DEFAULT false,
                owner            text,
                lease_expires_at bigint,
                crash_takeovers  integer NOT NULL DEFAULT 0,
                crash_progress   integer
            );
            CREATE INDEX runs_by_created ON runs (created_at, id);
            CREATE INDEX runs_by_pipeline ON runs (pipeline, created_at);
            CREATE INDEX runs_by_status ON runs (status, created_at);
            -- The heartbeat's renewal and cancel checks: the runs one owner holds.
            CREATE INDEX runs_by_owner ON runs (owner, status) WHERE owner IS NOT NULL;

            -- A row per step execution (a plain step, a matrix step, one per combination "sweep[0]"), not SQLite's
            -- chunks: row locks and MVCC make a row cheap here, and a row is what a step claim can lock. seq is the
            -- order the run's journal first stored it in.
            CREATE TABLE steps (
                run_id          text COLLATE "C" NOT NULL,
                step_id         text COLLATE "C" NOT NULL,
                seq             bigint  NOT NULL,
                parent_id       text,
                matrix          text,
                status          text    NOT NULL,
                attempts        integer NOT NULL,
                failures        integer NOT NULL,
                cached          boolean NOT NULL,
                started_at      bigint,
                finished_at     bigint,
                next_attempt_at bigint,
                lease_owner     text,
                inputs          text,
                outputs         text,
                error           text,
                cache_key       text,
                bookmark        text,
                resume          text,
                PRIMARY KEY (run_id, step_id)
            );
            CREATE INDEX steps_in_order ON steps (run_id, seq);

            CREATE TABLE step_logs (
                run_id  text COLLATE "C" NOT NULL,
                step_id text COLLATE "C" NOT NULL,
                seq     bigint NOT NULL,
                at      bigint NOT NULL,
                line    text   NOT NULL,
                PRIMARY KEY (run_id, step_id, seq)
            );

            -- key = sha256(activity type@version, resolved inputs, digests of input artifacts)
            CREATE TABLE step_cache (
                cache_key  text   PRIMARY KEY,
                outputs    text   NOT NULL,
                run_id     text   NOT NULL,
                step_id    text   NOT NULL,
                created_at bigint NOT NULL
            );
            """),
        new(8, "the step queue: attempts handed from a run's coordinator to the workers of a pool, claimed under leases", """
            CREATE TABLE step_queue (
                run_id           text COLLATE "C" NOT NULL,
                step_id          text COLLATE "C" NOT NULL,
                attempt          integer NOT NULL,
                pool             text,
                uses             text    NOT NULL,
                inputs           text    NOT NULL,
                cache_key        text,
                lookup           boolean NOT NULL,
                timeout_ms       bigint,
                resume           text,
                queued_at        bigint  NOT NULL,
                status           text    NOT NULL CHECK (status IN ('queued', 'claimed', 'finished')),
                owner            text,
                lease_expires_at bigint,
                claims           integer NOT NULL,
                outcome          text,
                finished_at      bigint,
                PRIMARY KEY (run_id, step_id)
            );
            CREATE INDEX step_queue_claimable ON step_queue (queued_at) WHERE status <> 'finished';

            CREATE TABLE step_attempts (
                run_id      text COLLATE "C" NOT NULL,
                step_id     text COLLATE "C" NOT NULL,
                attempt     integer NOT NULL,
                claim       integer NOT NULL,
                owner       text    NOT NULL,
                queued_at   bigint  NOT NULL,
                claimed_at  bigint  NOT NULL,
                finished_at bigint,
                ended       text CHECK (ended IN ('succeeded', 'failed', 'cancelled', 'suspended', 'released')),
                PRIMARY KEY (run_id, step_id, attempt, claim)
            );
            """),
        new(9, "what running attempts log and report, relayed live by their coordinators", """
            ALTER TABLE step_queue ADD COLUMN progress text;
            ALTER TABLE step_queue ADD COLUMN progress_seq integer NOT NULL DEFAULT 0;

            CREATE TABLE step_live (
                run_id  text COLLATE "C" NOT NULL,
                step_id text COLLATE "C" NOT NULL,
                attempt integer NOT NULL,
                claim   integer NOT NULL,
                line_no integer NOT NULL,
                line    text    NOT NULL,
                PRIMARY KEY (run_id, step_id, attempt, claim, line_no)
            );
            """),
    ];
}
