namespace Pipelines.Yaml;

/// <summary>Bounds that keep hostile documents (alias bombs, deep nesting, huge files) cheap to reject.</summary>
public sealed record YamlLimits
{
    public static YamlLimits Default { get; } = new();

    /// <summary>A pipeline is a page or two of YAML; one mebibyte leaves room for large literal prompts.</summary>
    public int MaxBytes { get; init; } = 1024 * 1024;

    public int MaxDepth { get; init; } = 64;

    /// <summary>Nodes counted after aliases are expanded, so a billion-laughs document stops here.</summary>
    public int MaxNodes { get; init; } = 100_000;

    public int MaxAliases { get; init; } = 100;
}
