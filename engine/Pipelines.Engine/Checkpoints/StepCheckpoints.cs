using System.Text.Json;

namespace Pipelines.Checkpoints;

/// <summary>
/// The checkpoints of one step of one run: what an activity receives to save progress and resume from it. Saves are
/// atomic; loads return null (or default) when nothing was saved, as on a first attempt.
/// </summary>
public sealed class StepCheckpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly CheckpointStore _store;

    internal StepCheckpoints(CheckpointStore store, string runId, string stepId)
    {
        _store = store;
        RunId = runId;
        StepId = stepId;
        // Refuse bad ids now rather than at the first save, deep inside an activity (the path is resolved at use).
        CheckpointStore.CheckIds(runId, stepId);
    }

    public string RunId { get; }

    public string StepId { get; }

    /// <summary>The step's checkpoint folder (created on first use) for large files the activity manages itself.</summary>
    public string Directory => _store.GetDirectory(RunId, StepId);

    public Task SaveAsync(string name, ReadOnlyMemory<byte> content, CancellationToken ct) =>
        _store.SaveAsync(RunId, StepId, name, content, ct);

    public Task SaveAsync(string name, Stream content, CancellationToken ct) =>
        _store.SaveAsync(RunId, StepId, name, content, ct);

    public Task<byte[]?> LoadAsync(string name, CancellationToken ct) =>
        _store.LoadAsync(RunId, StepId, name, ct);

    public Stream? OpenRead(string name) => _store.OpenRead(RunId, StepId, name);

    /// <summary>Saves <paramref name="value"/> as JSON (System.Text.Json, web defaults: camelCase names).</summary>
    public Task SaveJsonAsync<T>(string name, T value, CancellationToken ct) =>
        SaveAsync(name, JsonSerializer.SerializeToUtf8Bytes(value, Json), ct);

    /// <summary>The value saved with <see cref="SaveJsonAsync{T}"/>, or default when none was saved.</summary>
    public async Task<T?> LoadJsonAsync<T>(string name, CancellationToken ct)
    {
        var content = await LoadAsync(name, ct);
        return content is null ? default : JsonSerializer.Deserialize<T>(content, Json);
    }
}
