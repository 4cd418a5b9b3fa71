using Pipelines.Activities.Data;

namespace Pipelines.Activities.Tests.Data;

/// <summary>Runs curation on a source without the runtime, as the activity does between reading its inputs and storing artifacts.</summary>
internal static class Curation
{
    public static CurationResult Run(DataCurationInputs inputs)
    {
        var settings = CurationSettings.From(inputs);
        return new DatasetCurator(settings).Curate(settings.ResolveSource(null), null, CancellationToken.None);
    }

    /// <summary>The split files' bytes and the card, as the activity would store them.</summary>
    public static (byte[] Train, byte[] Validation, byte[] Test, string Card) Outputs(DataCurationInputs inputs)
    {
        var result = Run(inputs);
        return (DatasetWriter.Examples(result.Splits[0]), DatasetWriter.Examples(result.Splits[1]), DatasetWriter.Examples(result.Splits[2]),
            DatasetCard.Render(result, CurationSettings.From(inputs)));
    }

    /// <summary>No quality filter but the empty ones.</summary>
    public static QualityFilterOptions NoFilters { get; } = new() { MinChars = 0, MaxChars = 0, MinWords = 0, MaxWords = 0, MaxSymbolRatio = 1, MaxRepeatedLineRatio = 1 };
}
