namespace Pipelines.Definitions;

/// <summary>
/// The regular expressions of the pipeline format, in one place: the loader validates with them and the JSON Schema
/// publishes them, so an editor and <c>pipelines validate</c> always agree. ECMAScript-compatible on purpose, and
/// ASCII digits only ([0-9], not \d, which in .NET also matches other scripts' digits).
/// </summary>
public static class FormatPatterns
{
    public const string PipelineName = "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$";
    public const string LabelKey = "^[a-z0-9]([a-z0-9._/-]{0,61}[a-z0-9])?$";
    public const string ParamName = "^[A-Za-z_][A-Za-z0-9_]{0,62}$";
    public const string MatrixKey = "^[A-Za-z_][A-Za-z0-9_]*$";
    public const string StepId = "^[a-z][a-z0-9_]{0,62}$";
    public const string Memory = "^[0-9]+([.][0-9]+)?(Ki|Mi|Gi|Ti)$";
    public const string PoolName = "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$";
    /// <summary>A served model as a monitor names it: NAME@ALIAS or NAME/VERSION, optionally #VARIANT (registry names: <c>RegistryNames</c>).</summary>
    public const string RegistryTarget = "^(registry://)?[a-z0-9][a-z0-9._-]{0,62}(@[a-z0-9][a-z0-9._-]{0,62}|/[1-9][0-9]{0,9})(#[a-z0-9][a-z0-9._-]{0,62})?$";
    public const string Duration = "^([0-9]+([.][0-9]+)?(ms|s|m|h|d))+$";
}
