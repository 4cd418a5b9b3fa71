namespace Pipelines.Artifacts;

// The names the run store's writer prepares the lineage statements by, until that writer moves behind a contract too.
public sealed partial class ArtifactStore
{
    internal const string RecordProducerSql = Persistence.Sqlite.SqliteArtifactIndex.RecordProducerSql;

    internal const string RecordConsumerSql = Persistence.Sqlite.SqliteArtifactIndex.RecordConsumerSql;
}
