using Pipelines.Expressions;
using Pipelines.Yaml;

namespace Pipelines.Definitions;

/// <summary>Where in a step an expression appears; decides which context names it may read.</summary>
internal enum SiteKind
{
    Input,
    When,
    Matrix,
    Select,
}

/// <summary>One <c>${{ }}</c> expression found in the document, kept for reference checks after all steps are read.</summary>
internal sealed record ExpressionSite(string StepId, SiteKind Kind, ScalarNode Node, TemplatePart Part, ParsedExpression Expression);
