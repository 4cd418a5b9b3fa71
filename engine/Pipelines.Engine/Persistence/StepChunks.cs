using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pipelines.Persistence;

/// <summary>
/// A run's step executions are stored as JSON documents of up to <see cref="Size"/> executions each (table
/// <c>step_chunks</c>), not a row per step. A run that changes ten steps in one pass writes one row instead of ten,
/// and the single writer's time per row is what bounds how many steps per second the store takes. Chunks keep a long
/// run from rewriting all of its steps at every transition: only the chunks that changed are written. Executions are
/// assigned to the last chunk in the order they are first stored and never move, so every chunk but the last is full.
/// </summary>
/// <remarks>
/// An execution is an object with the fields of <see cref="StepRow"/>: <c>id</c>, <c>parent</c>, <c>matrix</c>,
/// <c>status</c>, <c>attempts</c>, <c>failures</c>, <c>cached</c>, <c>started</c>, <c>finished</c>, <c>next_attempt</c>,
/// <c>owner</c>, <c>inputs</c>, <c>outputs</c>, <c>error</c>, <c>cache_key</c>, <c>bookmark</c>, <c>resume</c>. Absent
/// means null (zero and false for the counters and <c>cached</c>); JSON values (matrix, inputs, outputs, resume) are
/// embedded as JSON, so SQLite's JSON functions can reach into them.
/// </remarks>
public static class StepChunks
{
    /// <summary>Executions per chunk: a typical pipeline is one chunk; a 1,000-way matrix rewrites 32 at a time.</summary>
    public const int Size = 32;

    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The chunk document (UTF-8 JSON) holding <paramref name="steps"/> in order.</summary>
    public static byte[] Encode(IEnumerable<StepRow> steps)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        writer.Reset(buffer);
        writer.WriteStartArray();
        foreach (var step in steps) Write(writer, step);
        writer.WriteEndArray();
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    private static void Write(Utf8JsonWriter writer, StepRow step)
    {
        writer.WriteStartObject();
        writer.WriteString("id", step.StepId);
        if (step.ParentId is not null) writer.WriteString("parent", step.ParentId);
        Raw(writer, "matrix", step.Matrix);
        writer.WriteString("status", step.Status);
        if (step.Attempts != 0) writer.WriteNumber("attempts", step.Attempts);
        if (step.Failures != 0) writer.WriteNumber("failures", step.Failures);
        if (step.Cached) writer.WriteBoolean("cached", true);
        Number(writer, "started", step.StartedAt);
        Number(writer, "finished", step.FinishedAt);
        Number(writer, "next_attempt", step.NextAttemptAt);
        if (step.LeaseOwner is not null) writer.WriteString("owner", step.LeaseOwner);
        Raw(writer, "inputs", step.Inputs);
        Raw(writer, "outputs", step.Outputs);
        if (step.Error is not null) writer.WriteString("error", step.Error);
        if (step.CacheKey is not null) writer.WriteString("cache_key", step.CacheKey);
        if (step.Bookmark is not null) writer.WriteString("bookmark", step.Bookmark);
        Raw(writer, "resume", step.Resume);
        writer.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter writer, string name, long? value)
    {
        if (value is { } number) writer.WriteNumber(name, number);
    }

    private static void Raw(Utf8JsonWriter writer, string name, string? json)
    {
        if (json is null) return;
        writer.WritePropertyName(name);
        writer.WriteRawValue(json);
    }

    /// <summary>The executions of a chunk document of run <paramref name="runId"/>, in stored order.</summary>
    public static List<StepRow> Decode(string runId, string json)
    {
        using var document = JsonDocument.Parse(json);
        var steps = new List<StepRow>(document.RootElement.GetArrayLength());
        foreach (var step in document.RootElement.EnumerateArray()) steps.Add(Read(runId, step));
        return steps;
    }

    /// <summary>One execution: its properties read in one pass, whatever their order; null values count as absent.</summary>
    private static StepRow Read(string runId, JsonElement step)
    {
        string? id = null, parent = null, matrix = null, status = null, owner = null, inputs = null, outputs = null, error = null;
        string? cacheKey = null, bookmark = null, resume = null;
        long? started = null, finished = null, nextAttempt = null;
        int attempts = 0, failures = 0;
        var cached = false;
        foreach (var property in step.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null) continue;
            switch (property.Name)
            {
                case "id": id = value.GetString(); break;
                case "parent": parent = value.GetString(); break;
                case "matrix": matrix = value.GetRawText(); break;
                case "status": status = value.GetString(); break;
                case "attempts": attempts = value.GetInt32(); break;
                case "failures": failures = value.GetInt32(); break;
                case "cached": cached = value.ValueKind == JsonValueKind.True; break;
                case "started": started = value.GetInt64(); break;
                case "finished": finished = value.GetInt64(); break;
                case "next_attempt": nextAttempt = value.GetInt64(); break;
                case "owner": owner = value.GetString(); break;
                case "inputs": inputs = value.GetRawText(); break;
                case "outputs": outputs = value.GetRawText(); break;
                case "error": error = value.GetString(); break;
                case "cache_key": cacheKey = value.GetString(); break;
                case "bookmark": bookmark = value.GetString(); break;
                case "resume": resume = value.GetRawText(); break;
            }
        }

        return new StepRow(runId, id ?? throw new InvalidDataException($"a stored step of run {runId} has no id"), parent, matrix,
            status ?? throw new InvalidDataException($"stored step {id} of run {runId} has no status"), attempts, failures, cached,
            started, finished, nextAttempt, owner, inputs, outputs, error, cacheKey, bookmark, resume);
    }
}
