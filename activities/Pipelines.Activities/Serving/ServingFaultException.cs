namespace Pipelines.Activities.Serving;

/// <summary>The batcher's loop failed (the inner exception says how): every request it held ends with this, and it accepts no more.</summary>
public sealed class ServingFaultException(string message, Exception inner) : Exception(message, inner);
