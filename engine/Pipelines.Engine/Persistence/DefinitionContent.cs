using System.Security.Cryptography;
using System.Text;

namespace Pipelines.Persistence;

/// <summary>What makes two definitions "the same content": equal text once line endings are <c>\n</c>.</summary>
internal static class DefinitionContent
{
    // A file saved on Windows and the same file checked out on Linux must publish as one version.
    public static string NormaliseLineEndings(string yaml) =>
        yaml.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');

    /// <summary>
    /// The text a version or draft of <paramref name="name"/> is stored as (line endings normalised); throws
    /// <see cref="ArgumentException"/> when <paramref name="name"/> is not a pipeline name.
    /// </summary>
    public static string Checked(string name, string yaml)
    {
        if (!DefinitionReference.IsValidName(name))
            throw new ArgumentException($"'{name}' is not a pipeline name; names are 1 to 63 lowercase letters, digits and '-'.", nameof(name));
        return NormaliseLineEndings(yaml);
    }

    /// <summary>Lowercase hex SHA-256 of the UTF-8 bytes of already normalised text.</summary>
    public static string Hash(string normalisedYaml) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalisedYaml)));
}
