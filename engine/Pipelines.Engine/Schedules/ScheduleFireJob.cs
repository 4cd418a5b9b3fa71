using Quartz;

namespace Pipelines.Schedules;

/// <summary>The Quartz job behind every trigger: hands the firing to <see cref="ScheduledRunStarter"/>.</summary>
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
