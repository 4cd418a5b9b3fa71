using System.Text.Json.Nodes;
using Pipelines.Definitions;
using Pipelines.Expressions;
using Pipelines.Json;

namespace Pipelines.Runtime;

/// <summary>A matrix that cannot be expanded or selected from (an axis that is not a list, a select value that is not a number).</summary>
internal sealed class MatrixException(string message) : Exception(message);

/// <summary>Matrix fan-out (the cartesian product of the axes, first axis slowest) and <c>select</c>.</summary>
internal static class MatrixCombinations
{
    public static List<JsonObject> Expand(IReadOnlyList<KeyValuePair<string, ValueTemplate>> axes, ExpressionSandbox sandbox)
    {
        var combinations = new List<JsonObject> { new() };
        foreach (var (key, template) in axes)
        {
            if (template.Render(sandbox) is not JsonArray values)
            {
                throw new MatrixException($"axis '{key}' is not a list");
            }

            // Checked before the product is built: an axis computed by an expression can be a long list.
            if ((long)combinations.Count * values.Count > StepReader.MaxMatrixCombinations)
            {
                throw new MatrixException($"more than {StepReader.MaxMatrixCombinations} combinations");
            }

            combinations = combinations.SelectMany(c => values.Select(v =>
            {
                var next = c.DeepClone().AsObject();
                next[key] = v?.DeepClone();
                return next;
            })).ToList();
        }

        return combinations;
    }

    /// <summary>The outputs whose select expression (over <c>item</c>) is least (minimize) or greatest (maximize); the first wins ties.</summary>
    public static JsonNode? Select(SelectRule rule, IReadOnlyList<JsonObject> items, Func<JsonNode, ExpressionSandbox> sandboxFor)
    {
        JsonNode? best = null;
        double bestScore = 0;
        for (var i = 0; i < items.Count; i++)
        {
            var value = rule.Expression.Render(sandboxFor(items[i]));
            var score = JsonNumbers.AsDouble(value) ?? throw new MatrixException($"the select expression gave {value?.ToJsonString() ?? "null"} for {items[i]["matrix"]?.ToJsonString()}, not a number");
            if (best is null || (rule.Goal == SelectGoal.Minimize ? score < bestScore : score > bestScore))
            {
                best = items[i];
                bestScore = score;
            }
        }

        return best;
    }
}
