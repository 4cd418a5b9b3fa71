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

    // Property names (and status values) encoded once: the writer would otherwise escape and transcode each per step.
    private static readonly JsonEncodedText Id = JsonEncodedText.Encode("id"), Parent = JsonEncodedText.Encode("parent"),
        Matrix = JsonEncodedText.Encode("matrix"), Status = JsonEncodedText.Encode("status"), Attempts = JsonEncodedText.Encode("attempts"),
        Failures = JsonEncodedText.Encode("failures"), Cached = JsonEncodedText.Encode("cached"), Started = JsonEncodedText.Encode("started"),
        Finished = JsonEncodedText.Encode("finished"), NextAttempt = JsonEncodedText.Encode("next_attempt"), Owner = JsonEncodedText.Encode("owner"),
        Inputs = JsonEncodedText.Encode("inputs"), Outputs = JsonEncodedText.Encode("outputs"), Error = JsonEncodedText.Encode("error"),
        CacheKey = JsonEncodedText.Encode("cache_key"), Bookmark = JsonEncodedText.Encode("bookmark"), Resume = JsonEncodedText.Encode("resume");

    private static readonly Dictionary<string, JsonEncodedText> Statuses =
        Enum.GetValues<Runtime.StepStatus>().Select(Runtime.StatusNames.Name).ToDictionary(name => name, name => JsonEncodedText.Encode(name), StringComparer.Ordinal);

    private static void Write(Utf8JsonWriter writer, StepRow step)
    {
        writer.WriteStartObject();
        writer.WriteString(Id, step.StepId);
        if (step.ParentId is not null) writer.WriteString(Parent, step.ParentId);
        Raw(writer, Matrix, step.Matrix);
        if (Statuses.TryGetValue(step.Status, out var status)) writer.WriteString(Status, status);
        else writer.WriteString(Status, step.Status);
        if (step.Attempts != 0) writer.WriteNumber(Attempts, step.Attempts);
        if (step.Failures != 0) writer.WriteNumber(Failures, step.Failures);
        if (step.Cached) writer.WriteBoolean(Cached, true);
        Number(writer, Started, step.StartedAt);
        Number(writer, Finished, step.FinishedAt);
        Number(writer, NextAttempt, step.NextAttemptAt);
        if (step.LeaseOwner is not null) writer.WriteString(Owner, step.LeaseOwner);
        Raw(writer, Inputs, step.Inputs);
        Raw(writer, Outputs, step.Outputs);
        if (step.Error is not null) writer.WriteString(Error, step.Error);
        if (step.CacheKey is not null) writer.WriteString(CacheKey, step.CacheKey);
        if (step.Bookmark is not null) writer.WriteString(Bookmark, step.Bookmark);
        Raw(writer, Resume, step.Resume);
        writer.WriteEndObject();
    }

    private static void Number(Utf8JsonWriter writer, JsonEncodedText name, long? value)
    {
        if (value is { } number) writer.WriteNumber(name, number);
    }

    private static void Raw(Utf8JsonWriter writer, JsonEncodedText name, string? json)
    {
        if (json is null) return;
        writer.WritePropertyName(name);
        if (json == "{}")
        {
            // The most common value (no inputs, no outputs), written without transcoding and validating it.
            writer.WriteStartObject();
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteRawValue(json);
        }
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
