using Pipelines.Activities;
using Pipelines.Definitions;
using Pipelines.Persistence;

namespace Pipelines.Schedules;

/// <summary>
/// One <c>triggers:</c> entry of a pipeline's latest non-retracted version, at position <see cref="Index"/>.
/// Its runs use <see cref="Trigger"/>'s pinned version when it has one, else the latest.
/// </summary>
public sealed record ScheduledTrigger(string Pipeline, int Version, int Index, TriggerDefinition Trigger)
{
    /// <summary>Names the trigger in Quartz keys and in <c>RunRequest.Trigger</c>: <c>pipeline#index</c>.</summary>
    public string Name => $"{Pipeline}#{Index}";

    /// <summary>The version its runs use.</summary>
    public int RunVersion => Trigger.Version ?? Version;

    /// <summary>
    /// The triggers of <paramref name="pipeline"/>'s latest non-retracted version; none when every version is retracted,
    /// or when that version no longer validates against <paramref name="catalog"/> (it could start no run anyway).
    /// </summary>
    public static async Task<IReadOnlyList<ScheduledTrigger>> LoadAsync(Runtime.Stores.IDefinitionStore definitions, ActivityCatalog catalog, string pipeline,
        CancellationToken ct)
    {
        if (await definitions.GetAsync(pipeline, null, ct) is not { } latest) return [];
        var loaded = PipelineLoader.Load(latest.Reference, latest.Yaml, catalog);
        if (!loaded.Succeeded) return [];
        return [.. loaded.Pipeline!.Triggers.Select((t, i) => new ScheduledTrigger(latest.Name, latest.Version, i, t))];
    }

    /// <summary>The triggers of every published pipeline, by pipeline name then index.</summary>
    public static async Task<IReadOnlyList<ScheduledTrigger>> LoadAllAsync(Runtime.Stores.IDefinitionStore definitions, ActivityCatalog catalog, CancellationToken ct)
    {
        var all = new List<ScheduledTrigger>();
        foreach (var summary in await definitions.ListNamesAsync(ct))
        {
            if (summary.LatestVersion is null) continue;
            all.AddRange(await LoadAsync(definitions, catalog, summary.Name, ct));
        }

        return all;
    }
}
