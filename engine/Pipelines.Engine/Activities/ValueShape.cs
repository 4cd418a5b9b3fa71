namespace Pipelines.Activities;

public enum ValueKind
{
    Any,
    String,
    Number,
    Integer,
    Boolean,
    List,
    Object,
}

/// <summary>
/// The type of an input or output as a pipeline author sees it (JSON types). <see cref="Items"/> describes list
/// elements; <see cref="Properties"/> the fields of a structured object (null: any keys, values of
/// <see cref="Items"/> when given). <see cref="Format"/> refines strings, e.g. <c>duration</c>.
/// </summary>
public sealed record ValueShape(ValueKind Kind, ValueShape? Items = null, IReadOnlyList<PortDescriptor>? Properties = null, string? Format = null)
{
    public static readonly ValueShape Any = new(ValueKind.Any);

    /// <summary>How the type reads in messages and in the catalog: <c>number</c>, <c>list of string</c>.</summary>
    public string DisplayName => Kind switch
    {
        ValueKind.List => Items is null ? "list" : $"list of {Items.DisplayName}",
        ValueKind.String when Format is not null => $"string ({Format})",
        _ => Kind.ToString().ToLowerInvariant(),
    };
}
