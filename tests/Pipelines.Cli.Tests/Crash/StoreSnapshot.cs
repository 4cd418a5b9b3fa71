using Pipelines.Persistence;

namespace Pipelines.Cli.Tests.Crash;

/// <summary>A run as the store holds it between two processes: its row, its step rows and its log lines per step.</summary>
public sealed record StoreSnapshot(RunRow Run, IReadOnlyDictionary<string, StepRow> Steps, IReadOnlyDictionary<string, IReadOnlyList<string>> Logs)
{
    public static async Task<StoreSnapshot> ReadAsync(string dataDirectory, string runId)
    {
        var store = new SqliteRunStore(await SqliteDatabase.OpenAsync(dataDirectory, CancellationToken.None));
        var run = await store.GetRunAsync(runId, CancellationToken.None) ?? throw new InvalidOperationException($"no run {runId}");
        var steps = (await Runtime.RunReport.StepsInOrderAsync(store, new Persistence.Sql.SqlDefinitionStore(new Persistence.Sqlite.SqliteDialect(store.Database)), run, CancellationToken.None)).ToDictionary(s => s.StepId, StringComparer.Ordinal);
        var logs = (await store.GetLogsAsync(runId, null, CancellationToken.None))
            .GroupBy(l => l.StepId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.OrderBy(l => l.Seq).Select(l => l.Line).ToList(), StringComparer.Ordinal);
        return new StoreSnapshot(run, steps, logs);
    }

    public int Succeeded => Steps.Values.Count(s => s.Status == "succeeded");

    public IReadOnlyList<string> LogsOf(string stepId) => Logs.TryGetValue(stepId, out var lines) ? lines : [];

    public string Describe() =>
        $"run {Run.Id} {Run.Status} owner={Run.Owner ?? "-"} error={Run.Error ?? "-"}\n"
        + string.Join('\n', Steps.Values.OrderBy(s => s.StepId, StringComparer.Ordinal)
            .Select(s => $"  {s.StepId,-4} {s.Status,-9} attempts={s.Attempts} failures={s.Failures} finished={s.FinishedAt} logs={LogsOf(s.StepId).Count} outputs={s.Outputs}"));
}
