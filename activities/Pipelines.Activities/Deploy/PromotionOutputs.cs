namespace Pipelines.Activities.Deploy;

public sealed record PromotionOutputs
{
    [Port("The registered model's name.")]
    public required string Name { get; init; }

    [Port("The version the alias points at now.")]
    public required int Version { get; init; }

    [Port("The version the alias pointed at before (null: the alias is new).")]
    public int? Previous { get; init; }

    [Port("Whether this step registered the version (false: `from` named one already registered).")]
    public required bool Registered { get; init; }

    [Port("The promoted version as a registry reference, registry://NAME/VERSION, usable wherever a model input is taken.")]
    public required string Reference { get; init; }

    [Port("The version's files (its source).")]
    public required string Source { get; init; }
}
