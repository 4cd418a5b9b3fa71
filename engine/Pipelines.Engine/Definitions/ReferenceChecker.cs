using Pipelines.Activities;
using Pipelines.Diagnostics;
using Pipelines.Expressions;

namespace Pipelines.Definitions;

/// <summary>
/// Checks that every name an expression reads exists where it is used — params, steps and their outputs, matrix keys,
/// run fields, <c>item</c> in select — and returns the steps it reads, which become upstream edges.
/// </summary>
internal sealed class ReferenceChecker(
    DiagnosticBag diagnostics,
    IReadOnlyDictionary<string, ParamDefinition> parameters,
    IReadOnlyDictionary<string, (StepDefinition Step, ActivityDescriptor? Activity)> steps,
    NearestName stepIds)
{
    public static readonly string[] RunFields = ["id", "pipeline", "version", "trigger", "started"];
    private static readonly string[] StepFields = ["outputs", "status"];
    private static readonly string[] MatrixOutputs = ["all", "best"];

    // Sets, not scans: a file may declare thousands of matrix keys and read them thousands of times.
    private NearestName? _nearParams;
    private readonly Dictionary<string, HashSet<string>> _matrixKeys = new(StringComparer.Ordinal);

    public IEnumerable<(string Upstream, SourceLocation At)> Check(ExpressionSite site)
    {
        var upstream = new List<(string, SourceLocation)>();
        foreach (var reference in site.Expression.References)
        {
            switch (reference.RootName)
            {
                case "params":
                    CheckParam(site, reference);
                    break;
                case "steps" when site.Kind == SiteKind.Select:
                    NotHere(site, reference, "in select, read the execution's outputs through `item`");
                    break;
                case "steps":
                    if (CheckStep(site, reference) is { } id) upstream.Add((id, site.Locate(reference.Root.Offset)));
                    break;
                case "matrix":
                    CheckMatrix(site, reference);
                    break;
                case "item" when site.Kind != SiteKind.Select:
                    NotHere(site, reference, "`item` is one execution's outputs, available only in `select`");
                    break;
                case "item":
                    CheckOutputs(site, reference, Activity(site.StepId), reference.Path, 0, site.StepId);
                    break;
                case "run":
                    if (reference.Path.Count > 0 && !RunFields.Contains(reference.Path[0].Name))
                    {
                        Unknown(site, reference.Path[0], DiagnosticCodes.UnknownName, $"run has no field {DiagnosticText.Quote(reference.Path[0].Name)}", RunFields);
                    }

                    break;
                case "secrets":
                    break;
                default:
                    if (!ParsedExpression.Globals.Contains(reference.RootName))
                    {
                        Unknown(site, reference.Root, DiagnosticCodes.UnknownName, $"unknown name {DiagnosticText.Quote(reference.RootName)} in expression",
                            ExpressionScope.Roots.Concat(ParsedExpression.Globals), $"expressions read {string.Join(", ", ExpressionScope.Roots)}");
                    }

                    break;
            }
        }

        return upstream;
    }

    private void CheckParam(ExpressionSite site, ExpressionReference reference)
    {
        if (reference.Path.Count == 0) return;
        var name = reference.Path[0];
        if (!parameters.ContainsKey(name.Name))
        {
            Unknown(site, name, DiagnosticCodes.UnknownParam, $"unknown param {DiagnosticText.Quote(name.Name)}", parameters.Keys,
                parameters.Count == 0 ? "the pipeline declares no params; add them under `params:`" : null,
                _nearParams ??= new NearestName(parameters.Keys));
        }
    }

    private string? CheckStep(ExpressionSite site, ExpressionReference reference)
    {
        if (reference.Path.Count == 0) return null;
        var id = reference.Path[0];
        if (!steps.TryGetValue(id.Name, out var target))
        {
            Unknown(site, id, DiagnosticCodes.UnknownStep, $"unknown step {DiagnosticText.Quote(id.Name)}", steps.Keys, near: stepIds);
            return null;
        }

        if (reference.Path.Count > 1 && !StepFields.Contains(reference.Path[1].Name))
        {
            Unknown(site, reference.Path[1], DiagnosticCodes.UnknownName, $"step {DiagnosticText.Quote(id.Name)} has no field {DiagnosticText.Quote(reference.Path[1].Name)}", StepFields);
        }
        else if (reference.Path.Count > 2 && reference.Path[1].Name == "outputs")
        {
            if (target.Step.Matrix is not null)
            {
                var field = reference.Path[2];
                if (!MatrixOutputs.Contains(field.Name))
                {
                    Unknown(site, field, DiagnosticCodes.UnknownOutput, $"step {DiagnosticText.Quote(id.Name)} has a matrix, so its outputs are 'all' and 'best', not {DiagnosticText.Quote(field.Name)}",
                        MatrixOutputs, "use outputs.best.NAME for the selected execution, or outputs.all for every one");
                }
                else if (field.Name == "best")
                {
                    CheckOutputs(site, reference, target.Activity, reference.Path, 3, id.Name);
                }
            }
            else
            {
                CheckOutputs(site, reference, target.Activity, reference.Path, 2, id.Name);
            }
        }

        return id.Name;
    }

    private void CheckOutputs(ExpressionSite site, ExpressionReference reference, ActivityDescriptor? activity, IReadOnlyList<PathSegment> path, int index, string stepId)
    {
        if (activity is null || path.Count <= index) return;
        var name = path[index];
        if (activity.Output(name.Name) is null)
        {
            Unknown(site, name, DiagnosticCodes.UnknownOutput, $"step {DiagnosticText.Quote(stepId)} ({activity.Uses}) has no output {DiagnosticText.Quote(name.Name)}",
                activity.Outputs.Select(o => o.Name),
                activity.Outputs.Count == 0 ? $"{activity.Uses} has no outputs" : $"its outputs are: {DiagnosticText.List(activity.Outputs.Select(o => o.Name))}");
        }
    }

    private void CheckMatrix(ExpressionSite site, ExpressionReference reference)
    {
        var matrix = steps.TryGetValue(site.StepId, out var own) ? own.Step.Matrix : null;
        if (matrix is null || site.Kind == SiteKind.Matrix)
        {
            NotHere(site, reference, site.Kind == SiteKind.Matrix
                ? "a matrix cannot read its own values"
                : $"step {DiagnosticText.Quote(site.StepId)} has no `matrix:`");
            return;
        }

        if (!_matrixKeys.TryGetValue(site.StepId, out var keys))
        {
            _matrixKeys[site.StepId] = keys = matrix.Select(a => a.Key).ToHashSet(StringComparer.Ordinal);
        }

        if (reference.Path.Count > 0 && !keys.Contains(reference.Path[0].Name))
        {
            Unknown(site, reference.Path[0], DiagnosticCodes.UnknownMatrixKey, $"unknown matrix key {DiagnosticText.Quote(reference.Path[0].Name)}", matrix.Select(a => a.Key));
        }
    }

    private ActivityDescriptor? Activity(string stepId) => steps.TryGetValue(stepId, out var s) ? s.Activity : null;

    private void NotHere(ExpressionSite site, ExpressionReference reference, string hint) =>
        diagnostics.Error(DiagnosticCodes.UnknownName, site.Locate(reference.Root.Offset), $"{DiagnosticText.Quote(reference.RootName)} is not available here", hint);

    /// <summary>
    /// An unknown name. The "did you mean" search runs only if the diagnostic is kept (see <see cref="DiagnosticBag"/>);
    /// <paramref name="near"/> is the prepared search for a large set of names, built once per document.
    /// </summary>
    private void Unknown(ExpressionSite site, PathSegment segment, string code, string message, IEnumerable<string> candidates, string? fallback = null, NearestName? near = null) =>
        diagnostics.Error(code, site.Locate(segment.Offset), message,
            () => (near ?? new NearestName(candidates)).Hint(segment.Name) ?? fallback ?? (candidates.Any() ? $"known: {DiagnosticText.List(candidates)}" : null));
}
