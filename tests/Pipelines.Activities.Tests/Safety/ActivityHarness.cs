using System.Text.Json.Nodes;
using Pipelines.Artifacts;
using Pipelines.Persistence;
using Pipelines.Persistence.Sql;
using Pipelines.Persistence.Sqlite;

namespace Pipelines.Activities.Tests.Safety;

/// <summary>
/// Runs one activity of the built-in catalog on JSON inputs, as the runtime binds them, with a real artifact store (a
/// SQLite file) in a temporary data directory.
/// </summary>
internal sealed class ActivityHarness : IDisposable
{
    private readonly Data.TemporaryFolder _folder = new();

    public string Path => _folder.Path;

    public string Write(string relative, string text) => _folder.Write(relative, text);

    public ArtifactStore? Artifacts { get; private set; }

    public List<string> Log { get; } = [];

    /// <summary>Progress the activities reported, in order.</summary>
    public List<ProgressUpdate> Progress { get; } = [];

    /// <summary>The data directory the activities see.</summary>
    public string DataDirectory => System.IO.Path.Join(_folder.Path, "data");

    /// <param name="activity">The instance to run (one built with test settings); default: the catalog's.</param>
    public async Task<JsonObject> RunAsync(string uses, JsonObject inputs, object? activity = null)
    {
        var data = DataDirectory;
        Directory.CreateDirectory(data);
        Artifacts ??= new ArtifactStore(new SqlArtifactIndex(new SqliteDialect(await SqliteDatabase.OpenAsync(data, CancellationToken.None))), data);
        var (type, version) = (uses.Split('@')[0], int.Parse(uses.Split('@')[1], System.Globalization.CultureInfo.InvariantCulture));
        var descriptor = BuiltInActivities.CreateCatalog().Find(type, version) ?? throw new InvalidOperationException($"no activity {uses}");
        var context = new ActivityContext
        {
            RunId = "run-1",
            StepId = "step",
            Artifacts = Artifacts,
            DataDirectory = data,
            Log = line => { lock (Log) Log.Add(line); },
            Progress = new Recorder(Progress),
        };
        return await descriptor.ExecuteAsync(inputs, context, CancellationToken.None, activity is null ? null : _ => activity);
    }

    /// <summary>The folder of a directory artifact named by an output.</summary>
    public string PathOf(JsonNode? reference) => Artifacts!.PathOf(ArtifactReference.Parse((string)reference!));

    public void Dispose() => _folder.Dispose();

    /// <summary>Keeps every report, synchronously (Progress&lt;T&gt; would post them to the thread pool).</summary>
    private sealed class Recorder(List<ProgressUpdate> updates) : IProgress<ProgressUpdate>
    {
        public void Report(ProgressUpdate value)
        {
            lock (updates) updates.Add(value);
        }
    }
}
