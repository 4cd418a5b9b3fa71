namespace Pipelines.Activities.Serving;

/// <summary>One forward pass the batcher ran: a prompt's prefill (one sequence) or a decode step over <see cref="BatchSize"/> sequences.</summary>
public sealed record ForwardPass(bool Prefill, int BatchSize);
