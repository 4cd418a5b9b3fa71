using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipelines.Cli;

/// <summary>How commands print JSON: indented, and without escaping quotes, '+' or non-ASCII text people want to read.</summary>
public static class JsonOutput
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Format(JsonNode node) => node.ToJsonString(Options);
}
