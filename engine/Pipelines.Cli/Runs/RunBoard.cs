using Pipelines.Definitions;
using Pipelines.Persistence;
using Pipelines.Runtime;

namespace Pipelines.Cli.Runs;

/// <summary>
/// The state a run display shows: one <see cref="StepView"/> per step in definition order (matrix combinations
/// right after their step), brought up to date by the run's events. Used from one thread at a time.
/// </summary>
public sealed class RunBoard
{
    private readonly List<StepView> _steps = [];
    private readonly Dictionary<string, StepView> _byId = new(StringComparer.Ordinal);

    private RunBoard(RunRow run, int idWidth)
    {
        Run = run;
        Status = StatusNames.ParseRun(run.Status);
        IdWidth = idWidth;
    }

    public RunRow Run { get; }

    public RunStatus Status { get; private set; }

    public IReadOnlyList<StepView> Steps => _steps;

    /// <summary>The width step ids are padded to, so plain lines line up: the longest id, with room for <c>[n]</c> on matrix steps.</summary>
    public int IdWidth { get; }

    /// <summary>The board of a run as the store has it now, ordered and sized by its pipeline definition.</summary>
    public static async Task<RunBoard> LoadAsync(RunEngine engine, RunRow run, CancellationToken ct)
    {
        var rows = await engine.Runs.GetStepsAsync(run.Id, ct);
        var version = await engine.Definitions.GetAsync(run.Pipeline, run.Version, ct);
        var pipeline = version is null ? null : PlanOrNull(engine, version)?.Pipeline;
        var order = pipeline?.Steps.Select(s => s.Id).ToList() ?? (version is null ? [] : RunReport.StepOrder(version.Yaml));
        var width = Math.Max(
            pipeline?.Steps.Select(s => s.Id.Length + (s.Matrix is null ? 0 : 3)).DefaultIfEmpty(0).Max() ?? 0,
            rows.Select(r => r.StepId.Length).DefaultIfEmpty(0).Max());

        var board = new RunBoard(run, width);
        foreach (var row in RunReport.InOrder(run.Id, rows, order))
        {
            var step = board.Add(row.StepId, row.ParentId);
            step.Status = StatusNames.ParseStep(row.Status);
            step.Attempts = row.Attempts;
            step.Cached = row.Cached;
            step.Error = row.Error;
            step.Started = row.StartedAt is { } s ? DateTimeOffset.FromUnixTimeMilliseconds(s) : null;
            step.Finished = row.FinishedAt is { } f ? DateTimeOffset.FromUnixTimeMilliseconds(f) : null;
            if (step.Status == StepStatus.Succeeded) step.Fraction = 1;
        }

        return board;
    }

    /// <summary>The version's plan (made once per process, so a board loaded again reads no YAML); null when it no longer validates.</summary>
    private static RunPlan? PlanOrNull(RunEngine engine, DefinitionVersion version)
    {
        try
        {
            return engine.Plan(version);
        }
        catch (RunRequestException)
        {
            return null;
        }
    }

    /// <summary>Applies an event; returns the step it was about, if any.</summary>
    public StepView? Apply(RunEvent e)
    {
        switch (e)
        {
            case RunStatusChanged run:
                Status = run.Status;
                return null;
            case StepStatusChanged s:
                var step = Find(s.StepId);
                step.Status = s.Status;
                step.Attempts = s.Attempt;
                step.Cached = s.Cached;
                step.Error = s.Error;
                if (s.Status == StepStatus.Running)
                {
                    step.Started ??= s.At;
                    step.Finished = null;
                }
                else if (s.Status.IsTerminal())
                {
                    step.Finished = s.At;
                    if (s.Status == StepStatus.Succeeded) step.Fraction = 1;
                }
                else if (s.Status == StepStatus.Retrying)
                {
                    step.Fraction = null;
                    step.Message = null;
                }

                return step;
            case StepProgressed p:
                var progressed = Find(p.StepId);
                if (p.Fraction is { } fraction) progressed.Fraction = fraction;
                if (p.Message is { } message) progressed.Message = message;
                foreach (var (name, value) in p.Metrics ?? new Dictionary<string, double>()) progressed.SetMetric(name, value);
                return progressed;
            case StepLogged l:
                var logged = Find(l.StepId);
                logged.LastLog = l.Line;
                return logged;
            default:
                return null;
        }
    }

    private StepView Find(string id) => _byId.TryGetValue(id, out var step) ? step : Add(id, ParentOf(id));

    /// <summary>Adds a step at its place: a matrix combination among its step's combinations by index, anything else at the end.</summary>
    private StepView Add(string id, string? parentId)
    {
        var step = new StepView(id, parentId);
        var at = _steps.Count;
        if (parentId is not null && _byId.ContainsKey(parentId))
        {
            at = _steps.FindIndex(s => s.Id == parentId) + 1;
            while (at < _steps.Count && _steps[at].ParentId == parentId && Index(_steps[at].Id) < Index(id)) at++;
        }

        _steps.Insert(at, step);
        _byId[id] = step;
        return step;
    }

    private static int Index(string childId) =>
        int.TryParse(childId.AsSpan(childId.LastIndexOf('[') + 1).TrimEnd(']'), System.Globalization.CultureInfo.InvariantCulture, out var index) ? index : int.MaxValue;

    private static string? ParentOf(string id) => id.IndexOf('[', StringComparison.Ordinal) is > 0 and var open && id.EndsWith(']') ? id[..open] : null;
}
