using System.Text.Json.Nodes;

namespace Pipelines.Activities;

/// <summary>Everything the engine, the schema and the designer know about one activity version.</summary>
public sealed record ActivityDescriptor(
    string Type,
    int Version,
    string Category,
    string Description,
    bool Deterministic,
    IReadOnlyList<PortDescriptor> Inputs,
    IReadOnlyList<PortDescriptor> Outputs)
{
    /// <summary>The YAML <c>uses:</c> value, e.g. <c>core.echo@1</c>.</summary>
    public string Uses => $"{Type}@{Version}";

    public required Type ImplementationType { get; init; }

    /// <summary>Runs on the run's loop without a slot (<see cref="ActivityAttribute.Inline"/>).</summary>
    public bool Inline { get; init; }

    /// <summary>The revision of what it computes, part of its cache key (<see cref="ActivityAttribute.Revision"/>).</summary>
    public int Revision { get; init; } = 1;

    internal Func<object, JsonObject, ActivityContext, CancellationToken, Task<JsonObject>> Execute { get; init; } = null!;

    public PortDescriptor? Input(string name) => Port(Inputs, name);

    public PortDescriptor? Output(string name) => Port(Outputs, name);

    /// <summary>A plain loop: the loader asks for every input of every step.</summary>
    private static PortDescriptor? Port(IReadOnlyList<PortDescriptor> ports, string name)
    {
        for (var i = 0; i < ports.Count; i++)
        {
            if (ports[i].Name == name) return ports[i];
        }

        return null;
    }

    /// <summary>
    /// Runs the activity on JSON inputs and returns its outputs as JSON. <paramref name="create"/> makes the
    /// activity instance (dependency injection in the host); by default its parameterless constructor is used.
    /// </summary>
    public Task<JsonObject> ExecuteAsync(JsonObject inputs, ActivityContext context, CancellationToken cancellationToken, Func<Type, object>? create = null)
    {
        var instance = create is null ? Activator.CreateInstance(ImplementationType)! : create(ImplementationType);
        return Execute(instance, inputs, context, cancellationToken);
    }
}
