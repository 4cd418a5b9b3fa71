using System.Text.Json.Nodes;

namespace Pipelines.Activities.Deploy;

public sealed record PromotionInputs
{
    [Port("The registered model's name (1 to 63 lowercase letters, digits, '-', '_', '.'), e.g. email-subjects.")]
    public required string Name { get; init; }

    [Port("The alias to move to the promoted version: staging, production, champion or any name.")]
    public required string Alias { get; init; }

    [LocalPath]
    [Port("The model's files to register as a new version: an artifact (a model folder, e.g. model.quantize's `model`) or a folder. Leave it out and give `from` to move the alias to a version already registered.")]
    public string? Model { get; init; }

    [Port("An existing version to promote instead of registering one: NAME@ALIAS (email-subjects@staging: where that alias points now) or NAME/VERSION.")]
    public string? From { get; init; }

    [Port("Exported forms of the model registered with it, by name: model.quantize's `variants` ({int8: {folder: artifact://...}, ...}) or {name: artifact}.")]
    public JsonObject? Variants { get; init; }

    [Port("What `model` is, e.g. fp32.")]
    public string? Variant { get; init; }

    [Port("Lineage: the base model the version was made from (an artifact reference names it by content digest).")]
    public string? BaseModel { get; init; }

    [Port("Lineage: the training dataset.")]
    public string? Dataset { get; init; }

    [Port("Lineage: the adapter merged into the model.")]
    public string? Adapter { get; init; }

    [Port("The evaluation metrics stored with the version; a later gate.metric's `champion` compares with them.")]
    public JsonObject? Metrics { get; init; }

    [Port("The review outcome, e.g. approved (gate.human fails the run when rejected, so a promotion after it is approved).")]
    public string? Review { get; init; }

    [Port("Why the alias moves; kept in its history.")]
    public string? Reason { get; init; }

    [Port("Tags of the new version (key → value).")]
    public IReadOnlyDictionary<string, string>? Tags { get; init; }
}
