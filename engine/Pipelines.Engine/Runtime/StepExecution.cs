using System.Text.Json.Nodes;
using Pipelines.Definitions;
using Pipelines.Persistence;

namespace Pipelines.Runtime;

/// <summary>
/// One execution inside a run's aggregate: a step, or one combination of a matrix step (<c>sweep[2]</c>, whose
/// <see cref="Parent"/> is the matrix step). Mutated only by the run's coordinator, on its one logical thread.
/// </summary>
internal sealed class StepExecution(string id, StepDefinition definition)
{
    public string Id { get; } = id;

    public StepDefinition Definition { get; } = definition;

    public StepExecution? Parent { get; init; }

    public List<StepExecution>? Children { get; set; }

    public JsonObject? Matrix { get; init; }

    public StepStatus Status { get; set; } = StepStatus.Pending;

    /// <summary>The status last announced (as an event) by the coordinator, so an unchanged one is not announced again.</summary>
    public StepStatus Announced { get; set; } = StepStatus.Pending;

    public int Attempts { get; set; }

    /// <summary>Failed attempts: what the retry budget counts (an attempt lost to a crash is not a failure).</summary>
    public int Failures { get; set; }

    public bool Cached { get; set; }

    public long? StartedAt { get; set; }

    public long? FinishedAt { get; set; }

    public long? NextAttemptAt { get; set; }

    public string? LeaseOwner { get; set; }

    /// <summary>An attempt executes in this process now (claimed and started, its result not yet applied).</summary>
    public bool Executing { get; set; }

    /// <summary>The executing attempt holds one of the process's execution slots (inline attempts do not).</summary>
    public bool HoldsSlot { get; set; }

    /// <summary>Caught running when the run was taken over: its attempt may still be in the step queue, to be adopted rather than run again.</summary>
    public bool Recovered { get; set; }

    /// <summary>The executing attempt's telemetry (span and clock).</summary>
    public RuntimeMetrics.StepAttempt Telemetry { get; set; }

    public JsonObject? Inputs { get; set; }

    public JsonObject? Outputs { get; set; }

    public string? Error { get; set; }

    public string? CacheKey { get; set; }

    /// <summary>What the step waits for while <see cref="StepStatus.Waiting"/> (e.g. <c>review</c>).</summary>
    public string? Bookmark { get; set; }

    /// <summary>What its bookmark was resumed with (a review's decisions); given to the next attempt.</summary>
    public System.Text.Json.Nodes.JsonNode? Resume { get; set; }

    /// <summary>The row that stores this execution; every secret <paramref name="mask"/> knows is masked in it.</summary>
    public StepRow ToRow(string runId, SecretMask mask) => new(runId, Id, Parent?.Id, Text(mask.Apply(Matrix)), Status.Name(), Attempts, Failures, Cached,
        StartedAt, FinishedAt, NextAttemptAt, LeaseOwner, Text(mask.Apply(Inputs)), Text(mask.Apply(Outputs)), mask.Apply(Error), CacheKey,
        Bookmark, mask.Apply(Resume)?.ToJsonString());

    private static string? Text(JsonObject? value) => value switch
    {
        null => null,
        { Count: 0 } => "{}",
        _ => value.ToJsonString(),
    };

    public void Load(StepRow row)
    {
        Status = StatusNames.ParseStep(row.Status);
        Attempts = row.Attempts;
        Failures = row.Failures;
        Cached = row.Cached;
        StartedAt = row.StartedAt;
        FinishedAt = row.FinishedAt;
        NextAttemptAt = row.NextAttemptAt;
        LeaseOwner = row.LeaseOwner;
        Inputs = row.Inputs is null ? null : JsonNode.Parse(row.Inputs)?.AsObject();
        Outputs = row.Outputs is null ? null : JsonNode.Parse(row.Outputs)?.AsObject();
        Error = row.Error;
        CacheKey = row.CacheKey;
        Bookmark = row.Bookmark;
        Resume = row.Resume is null ? null : JsonNode.Parse(row.Resume);
    }
}
