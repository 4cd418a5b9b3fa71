using System.Text.Json.Nodes;

namespace Pipelines.Monitoring;

/// <summary>
/// A window of a served model's traffic measured for a <c>monitor</c> trigger: <see cref="Facts"/> shaped as
/// <see cref="MonitorFacts"/>, or why there are none (<see cref="Unavailable"/>: the model is not served by this host,
/// or its alias names nothing).
/// </summary>
public sealed record MonitorObservation(JsonObject? Facts, string? Unavailable)
{
    public static MonitorObservation Of(JsonObject facts) => new(facts, null);

    public static MonitorObservation None(string why) => new(null, why);
}

/// <summary>
/// Measures served models for <c>monitor</c> triggers. The engine owns the contract and the vocabulary
/// (<see cref="MonitorFacts"/>); the serving module of <c>pipelines serve</c> implements it, since drift and quality
/// need the model's tokenizer and the detectors of the activities, which the engine must not reference.
/// </summary>
public interface IModelMonitor
{
    /// <summary>The facts of <paramref name="model"/> (a registry reference as the trigger writes it) over the <paramref name="window"/> up to now.</summary>
    Task<MonitorObservation> ObserveAsync(string model, TimeSpan window, CancellationToken ct);
}
