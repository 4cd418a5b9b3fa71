using Npgsql;
using Pipelines.Persistence;
using Pipelines.Persistence.Postgres;

namespace Pipelines.Schedules;

/// <summary>
/// The tables Quartz.NET's ADO job store reads and writes on PostgreSQL (<c>qrtz_*</c>, the layout of its PostgreSQL
/// delegate in Quartz 4.7), created by our own numbered migrations so that the schema has one owner and one version
/// (<c>pipelines_quartz_schema</c>), not a script someone has to remember to run. Every host runs
/// <see cref="MigrateAsync"/> at start-up; a transaction-scoped advisory lock makes hosts starting together take turns,
/// so the second finds the first's work done. Quartz then only validates what it finds.
/// </summary>
public static class QuartzTables
{
    /// <summary>The prefix Quartz is configured with; the tables are <c>qrtz_triggers</c> and so on.</summary>
    public const string Prefix = "qrtz_";

    // Any fixed number will do as long as nothing else in the database uses it: "quartz" in ASCII.
    private const long MigrationLock = 0x71_75_61_72_74_7A;

    /// <summary>Once shipped, a migration is never edited; a Quartz upgrade that needs more appends one.</summary>
    public static readonly IReadOnlyList<SchemaMigration> Migrations =
    [
        new(1, "Quartz.NET 4.7 job store: jobs, triggers by kind, calendars, pauses, firings, cluster check-ins, locks", """
            CREATE TABLE qrtz_job_details (
                sched_name        text    NOT NULL,
                job_group         text    NOT NULL,
                job_name          text    NOT NULL,
                description       text,
                job_class_name    text    NOT NULL,
                is_durable        boolean NOT NULL,
                is_nonconcurrent  boolean NOT NULL,
                is_update_data    boolean NOT NULL,
                requests_recovery boolean NOT NULL,
                job_data          bytea,
                CONSTRAINT qrtz_job_details_key PRIMARY KEY (sched_name, job_name, job_group)
            );

            -- One row per trigger whatever its kind; the kind's own columns live in the tables that follow.
            CREATE TABLE qrtz_triggers (
                sched_name              text     NOT NULL,
                trigger_group           text     NOT NULL,
                trigger_name            text     NOT NULL,
                job_group               text     NOT NULL,
                job_name                text     NOT NULL,
                description             text,
                trigger_type            text     NOT NULL,
                trigger_state           text     NOT NULL,
                priority                integer,
                start_time              bigint   NOT NULL,
                end_time                bigint,
                next_fire_time          bigint,
                prev_fire_time          bigint,
                calendar_name           text,
                misfire_instr           smallint,
                misfire_orig_fire_time  bigint,
                misfire_threshold       bigint,
                execution_group         varchar(200),
                preferred_node          varchar(200),
                preferred_node_auto     boolean  NOT NULL DEFAULT false,
                retry_policy            varchar(250),
                retry_attempt           integer,
                continues_trigger_group text,
                continues_trigger_name  text,
                continuation_condition  integer,
                overlap_policy          integer,
                fixed_delay             boolean,
                pause_reason            varchar(250),
                paused_by               varchar(200),
                paused_at               bigint,
                job_data                bytea,
                CONSTRAINT qrtz_triggers_key PRIMARY KEY (sched_name, trigger_name, trigger_group),
                CONSTRAINT qrtz_triggers_job FOREIGN KEY (sched_name, job_name, job_group)
                    REFERENCES qrtz_job_details (sched_name, job_name, job_group)
            );

            CREATE TABLE qrtz_cron_triggers (
                sched_name      text NOT NULL,
                trigger_group   text NOT NULL,
                trigger_name    text NOT NULL,
                cron_expression text NOT NULL,
                time_zone_id    text,
                CONSTRAINT qrtz_cron_triggers_key PRIMARY KEY (sched_name, trigger_name, trigger_group),
                CONSTRAINT qrtz_cron_triggers_trigger FOREIGN KEY (sched_name, trigger_name, trigger_group)
                    REFERENCES qrtz_triggers (sched_name, trigger_name, trigger_group) ON DELETE CASCADE
            );

            CREATE TABLE qrtz_simple_triggers (
                sched_name      text   NOT NULL,
                trigger_group   text   NOT NULL,
                trigger_name    text   NOT NULL,
                repeat_count    bigint NOT NULL,
                repeat_interval bigint NOT NULL,
                times_triggered bigint NOT NULL,
                CONSTRAINT qrtz_simple_triggers_key PRIMARY KEY (sched_name, trigger_name, trigger_group),
                CONSTRAINT qrtz_simple_triggers_trigger FOREIGN KEY (sched_name, trigger_name, trigger_group)
                    REFERENCES qrtz_triggers (sched_name, trigger_name, trigger_group) ON DELETE CASCADE
            );

            -- Calendar-interval, daily-time-interval and recurrence triggers keep their settings in these generic columns.
            CREATE TABLE qrtz_simprop_triggers (
                sched_name    text NOT NULL,
                trigger_group text NOT NULL,
                trigger_name  text NOT NULL,
                str_prop_1    text,
                str_prop_2    text,
                str_prop_3    text,
                int_prop_1    integer,
                int_prop_2    integer,
                long_prop_1   bigint,
                long_prop_2   bigint,
                dec_prop_1    numeric,
                dec_prop_2    numeric,
                bool_prop_1   boolean,
                bool_prop_2   boolean,
                time_zone_id  text,
                CONSTRAINT qrtz_simprop_triggers_key PRIMARY KEY (sched_name, trigger_name, trigger_group),
                CONSTRAINT qrtz_simprop_triggers_trigger FOREIGN KEY (sched_name, trigger_name, trigger_group)
                    REFERENCES qrtz_triggers (sched_name, trigger_name, trigger_group) ON DELETE CASCADE
            );

            CREATE TABLE qrtz_blob_triggers (
                sched_name    text NOT NULL,
                trigger_group text NOT NULL,
                trigger_name  text NOT NULL,
                blob_data     bytea,
                CONSTRAINT qrtz_blob_triggers_key PRIMARY KEY (sched_name, trigger_name, trigger_group),
                CONSTRAINT qrtz_blob_triggers_trigger FOREIGN KEY (sched_name, trigger_name, trigger_group)
                    REFERENCES qrtz_triggers (sched_name, trigger_name, trigger_group) ON DELETE CASCADE
            );

            CREATE TABLE qrtz_calendars (
                sched_name    text  NOT NULL,
                calendar_name text  NOT NULL,
                calendar      bytea NOT NULL,
                CONSTRAINT qrtz_calendars_key PRIMARY KEY (sched_name, calendar_name)
            );

            CREATE TABLE qrtz_paused_trigger_grps (
                sched_name    text NOT NULL,
                trigger_group text NOT NULL,
                pause_reason  varchar(250),
                paused_by     varchar(200),
                paused_at     bigint,
                CONSTRAINT qrtz_paused_trigger_grps_key PRIMARY KEY (sched_name, trigger_group)
            );

            CREATE TABLE qrtz_paused_job_grps (
                sched_name   text NOT NULL,
                job_group    text NOT NULL,
                pause_reason varchar(250),
                paused_by    varchar(200),
                paused_at    bigint,
                CONSTRAINT qrtz_paused_job_grps_key PRIMARY KEY (sched_name, job_group)
            );

            -- A firing in flight, owned by the instance that acquired it: what a surviving node recovers when that one dies.
            CREATE TABLE qrtz_fired_triggers (
                sched_name               text    NOT NULL,
                entry_id                 text    NOT NULL,
                trigger_group            text    NOT NULL,
                trigger_name             text    NOT NULL,
                instance_name            text    NOT NULL,
                fired_time               bigint  NOT NULL,
                sched_time               bigint  NOT NULL,
                priority                 integer NOT NULL,
                state                    text    NOT NULL,
                job_group                text,
                job_name                 text,
                is_nonconcurrent         boolean NOT NULL,
                requests_recovery        boolean,
                execution_group          varchar(200),
                progress                 integer,
                progress_message         varchar(250),
                interrupt_requested_time bigint,
                CONSTRAINT qrtz_fired_triggers_key PRIMARY KEY (sched_name, entry_id)
            );

            -- Each live instance's heartbeat; one whose check-in is overdue is taken for dead.
            CREATE TABLE qrtz_scheduler_state (
                sched_name        text   NOT NULL,
                instance_name     text   NOT NULL,
                last_checkin_time bigint NOT NULL,
                checkin_interval  bigint NOT NULL,
                quartz_version    varchar(20),
                CONSTRAINT qrtz_scheduler_state_key PRIMARY KEY (sched_name, instance_name)
            );

            -- Rows Quartz locks FOR UPDATE (TRIGGER_ACCESS, STATE_ACCESS) to serialise the cluster's changes.
            CREATE TABLE qrtz_locks (
                sched_name text NOT NULL,
                lock_name  text NOT NULL,
                CONSTRAINT qrtz_locks_key PRIMARY KEY (sched_name, lock_name)
            );

            -- What the acquisition and recovery queries look rows up by.
            CREATE INDEX qrtz_job_details_by_group ON qrtz_job_details (sched_name, job_group, job_name);
            CREATE INDEX qrtz_triggers_by_job ON qrtz_triggers (sched_name, job_name, job_group);
            CREATE INDEX qrtz_triggers_by_group ON qrtz_triggers (sched_name, trigger_group, trigger_name);
            CREATE INDEX qrtz_triggers_by_calendar ON qrtz_triggers (sched_name, calendar_name);
            CREATE INDEX qrtz_triggers_due ON qrtz_triggers (sched_name, trigger_state, next_fire_time, priority DESC, misfire_instr);
            CREATE INDEX qrtz_fired_triggers_by_instance ON qrtz_fired_triggers (sched_name, instance_name, requests_recovery);
            CREATE INDEX qrtz_fired_triggers_by_job ON qrtz_fired_triggers (sched_name, job_name, job_group);
            CREATE INDEX qrtz_fired_triggers_by_trigger ON qrtz_fired_triggers (sched_name, trigger_name, trigger_group);
            """),
    ];

    /// <summary>
    /// Brings the Quartz tables of <paramref name="address"/>'s database up to <see cref="Migrations"/>; safe when several
    /// hosts call it at once. Throws <see cref="StoreUnusableException"/> for a database a newer build has migrated.
    /// </summary>
    public static async Task MigrateAsync(PostgresAddress address, CancellationToken ct)
    {
        try
        {
            await MigrateOnceAsync(address, ct);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateTable)
        {
            throw new StoreUnusableException($"the schedule store {address} already holds Quartz tables that pipelines did not create ({e.TableName ?? e.MessageText})",
                "give --schedule-store a database of its own (pipelines creates and migrates its tables itself)");
        }
        catch (NpgsqlException e) when (e is not PostgresException { SqlState: not (PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification or PostgresErrorCodes.InvalidCatalogName) })
        {
            // Npgsql's own words name the server and the problem, never the password.
            throw new StoreUnusableException($"cannot use the schedule store {address}: {e.Message}",
                "check that the server is up and the user, password and database in --schedule-store are right (the database must exist)");
        }
    }

    private static async Task MigrateOnceAsync(PostgresAddress address, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(address.ConnectionString);
        await connection.OpenAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var locked = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({MigrationLock})", connection, transaction))
        {
            await locked.ExecuteNonQueryAsync(ct);
        }

        await using (var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS pipelines_quartz_schema (version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())", connection, transaction))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        await using var read = new NpgsqlCommand("SELECT COALESCE(max(version), 0) FROM pipelines_quartz_schema", connection, transaction);
        var current = (int)(await read.ExecuteScalarAsync(ct))!;
        if (current > Migrations.Count)
        {
            throw new StoreUnusableException($"the schedule store {address} was migrated by a newer pipelines (Quartz schema version {current}; this build knows up to {Migrations.Count})",
                "run that newer build, or give --schedule-store a database of its own");
        }

        foreach (var migration in Migrations.Skip(current))
        {
            await using var apply = new NpgsqlCommand(migration.Sql, connection, transaction);
            await apply.ExecuteNonQueryAsync(ct);
            await using var record = new NpgsqlCommand("INSERT INTO pipelines_quartz_schema (version) VALUES ($1)", connection, transaction) { Parameters = { new() { Value = migration.Version } } };
            await record.ExecuteNonQueryAsync(ct);
        }

        await transaction.CommitAsync(ct);
    }
}
