using Pipelines.Diagnostics;
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

/// <summary>
/// One <c>${{ }}</c> expression found in the document, kept for reference checks after all steps are read;
/// <paramref name="Locator"/> is shared by every expression of the same value.
/// </summary>
internal sealed record ExpressionSite(string StepId, SiteKind Kind, ScalarNode Node, TemplatePart Part, ParsedExpression Expression, ScalarLocator Locator)
{
    /// <summary>Where character <paramref name="offset"/> of the expression's text is in the file.</summary>
    public SourceLocation Locate(int offset) => Locator.Locate(Part.Offset + offset);
}
