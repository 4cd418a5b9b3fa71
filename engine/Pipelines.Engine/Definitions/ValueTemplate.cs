using System.Text.Json.Nodes;
using Pipelines.Expressions;

namespace Pipelines.Definitions;

/// <summary>
/// A value from the YAML (a step input, a matrix axis, a condition) whose scalars may hold <c>${{ }}</c>
/// expressions. Rendering it in a scope gives the JSON value the activity receives.
/// </summary>
public abstract record ValueTemplate
{
    public abstract JsonNode? Render(ExpressionSandbox sandbox);

    /// <summary>True when rendering needs no scope (no expressions anywhere inside).</summary>
    public abstract bool IsLiteral { get; }
}

public sealed record LiteralValue(JsonNode? Value) : ValueTemplate
{
    public override bool IsLiteral => true;

    public override JsonNode? Render(ExpressionSandbox sandbox) => Value?.DeepClone();
}

public sealed record TemplateValue(TemplateString Template, string Text) : ValueTemplate
{
    public override bool IsLiteral => false;

    public override JsonNode? Render(ExpressionSandbox sandbox) => sandbox.Render(Template);
}

public sealed record ListValue(IReadOnlyList<ValueTemplate> Items) : ValueTemplate
{
    public override bool IsLiteral => Items.All(i => i.IsLiteral);

    public override JsonNode? Render(ExpressionSandbox sandbox) => new JsonArray(Items.Select(i => i.Render(sandbox)).ToArray());
}

public sealed record ObjectValue(IReadOnlyList<KeyValuePair<string, ValueTemplate>> Fields) : ValueTemplate
{
    public override bool IsLiteral => Fields.All(f => f.Value.IsLiteral);

    public override JsonNode? Render(ExpressionSandbox sandbox) =>
        new JsonObject(Fields.Select(f => KeyValuePair.Create(f.Key, f.Value.Render(sandbox))));
}
