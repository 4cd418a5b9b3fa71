namespace Pipelines.Artifacts;

// The lineage statements the run store's writer prepares once for many rows, in SQLite's named-parameter form; the
// index behind IArtifactIndex runs the same statements for single records (Persistence/Sql/SqlArtifactIndex).
public sealed partial class ArtifactStore
{
    /// <summary>
    /// Sets the producer ($digest, $run_id, $step_id) unless one is set: the first producer wins, because the same
    /// content made again later (by a rerun, or another pipeline) was not first made there.
    /// </summary>
    internal const string RecordProducerSql = """
        UPDATE artifacts SET producer_run = $run_id, producer_step = $step_id
        WHERE digest = $digest AND producer_run IS NULL
        """;

    /// <summary>Adds a consumer ($digest, $run_id, $step_id) of an artifact the store has a record of; once per step.</summary>
    internal const string RecordConsumerSql = """
        INSERT OR IGNORE INTO artifact_consumers (digest, run_id, step_id)
        SELECT $digest, $run_id, $step_id WHERE EXISTS (SELECT 1 FROM artifacts WHERE digest = $digest)
        """;
}
