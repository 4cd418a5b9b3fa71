using Pipelines.Diagnostics;
using Pipelines.Expressions;
using Pipelines.Yaml;

namespace Pipelines.Definitions;

/// <summary>Turns a YAML value into a <see cref="ValueTemplate"/>, checking the syntax of every expression in it.</summary>
internal sealed class TemplateBuilder(DiagnosticBag diagnostics, List<ExpressionSite> sites)
{
    public ValueTemplate Build(Node node, string stepId, SiteKind kind) => node switch
    {
        ScalarNode scalar => Scalar(scalar, stepId, kind),
        SequenceNode sequence => new ListValue(sequence.Items.Select(i => Build(i, stepId, kind)).ToList()),
        MappingNode mapping => new ObjectValue(mapping.Entries.Select(e => KeyValuePair.Create(e.Key.Value, Build(e.Value, stepId, kind))).ToList()),
        _ => new LiteralValue(null),
    };

    public ValueTemplate Scalar(ScalarNode scalar, string stepId, SiteKind kind)
    {
        if (!TemplateString.ContainsExpression(scalar.Value))
        {
            return new LiteralValue(YamlScalars.ToJson(scalar));
        }

        var template = TemplateString.Parse(scalar.Value, out var unclosedAt);
        var locator = new ScalarLocator(scalar);
        if (unclosedAt is { } at)
        {
            diagnostics.Error(DiagnosticCodes.ExpressionSyntax, locator.Locate(at), "unclosed expression: '${{' has no matching '}}'",
                "close it with }}, e.g. ${{ params.name }}");
        }

        foreach (var part in template.Parts.Where(p => p.IsExpression))
        {
            var parsed = ParsedExpression.Parse(part.Text);
            if (parsed.Error is { } error)
            {
                diagnostics.Error(DiagnosticCodes.ExpressionSyntax, locator.Locate(part.Offset + error.Offset),
                    $"invalid expression '{DiagnosticText.OneLine(part.Text, 60)}': {error.Message}", "expressions are JavaScript, e.g. ${{ steps.eval.outputs.score >= 0.3 }}");
                continue;
            }

            sites.Add(new ExpressionSite(stepId, kind, scalar, part, parsed, locator));
        }

        return new TemplateValue(template, scalar.Value);
    }
}
