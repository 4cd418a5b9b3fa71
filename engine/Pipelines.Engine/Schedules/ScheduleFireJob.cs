using Quartz;

namespace Pipelines.Schedules;

/// <summary>
/// The Quartz job behind every trigger: hands the firing to <see cref="ScheduledRunStarter"/>. A clustered store gives
/// each firing to one host; no concurrent execution makes a trigger's next firing wait for this one across the cluster,
/// so "is its previous run still going" is asked after the previous firing has recorded its run.
/// </summary>
[DisallowConcurrentExecution]
public sealed class ScheduleFireJob(ScheduledRunStarter starter) : IJob
{
    public const string PipelineKey = "pipeline";
    public const string IndexKey = "index";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var data = context.MergedJobDataMap;
        var pipeline = Convert.ToString(data[PipelineKey], System.Globalization.CultureInfo.InvariantCulture) ?? "";
        var index = Convert.ToInt32(data[IndexKey], System.Globalization.CultureInfo.InvariantCulture);
        await starter.FireAsync(pipeline, index, context.ScheduledFireTimeUtc ?? context.FireTimeUtc, cancellationToken);
    }
}
