using System.Text.Json;

namespace Pipelines.Api;

/// <summary>
/// The first problem with a JSON request body, or null. Besides syntax (in the reader's words) it refuses what
/// System.Text.Json parses only to fail later: a key given twice in one object (a JsonObject throws on first use,
/// elsewhere the last one would silently win) and a string that is not UTF-8 (it parses, then throws when read). Both
/// name the field, as a path like <c>params.who</c>, and the byte offset where it starts.
/// </summary>
/// <remarks>
/// .NET 10's <c>AllowDuplicateProperties = false</c> refuses duplicates too, but names neither the object nor the
/// offset, and it does not look at the text of strings; one pass of the reader does both.
/// </remarks>
internal static class JsonBodyCheck
{
    public static string? Problem(ReadOnlySpan<byte> body)
    {
        // Default options, as JsonNode.Parse's: what passes here parses there (a byte order mark fails both).
        var reader = new Utf8JsonReader(body);
        var open = new Stack<Container>();
        try
        {
            while (reader.Read())
            {
                var at = reader.TokenStartIndex;
                var token = reader.TokenType;
                if (open.TryPeek(out var parent) && parent.Keys is null && token is not (JsonTokenType.EndArray or JsonTokenType.EndObject)) parent.Index++;
                var field = parent?.Child;
                switch (token)
                {
                    case JsonTokenType.PropertyName:
                        if (!IsText(ref reader)) return $"a key {In(parent!.Path)} is not UTF-8 text (byte {at})";
                        var key = reader.GetString()!;
                        if (!parent!.Keys!.Add(key)) return $"the key '{key}' appears twice {In(parent.Path)} (byte {at})";
                        parent.Key = key;
                        break;
                    case JsonTokenType.String when !IsText(ref reader):
                        return $"{(field is null ? "the body" : $"'{field}'")} is not UTF-8 text (byte {at})";
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        open.Push(new Container(field ?? "", token == JsonTokenType.StartObject));
                        break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        open.Pop();
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            return $"the body is not valid JSON: {e.Message}";
        }

        return null;
    }

    /// <summary>Whether the string token decodes: invalid UTF-8 bytes and lone surrogate escapes (<c>\ud800</c>) do not.</summary>
    private static bool IsText(ref Utf8JsonReader reader)
    {
        try
        {
            reader.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string In(string path) => path.Length == 0 ? "in the body" : $"in '{path}'";

    /// <summary>An object (with the keys seen so far) or an array being read, and where it is.</summary>
    private sealed class Container(string path, bool isObject)
    {
        public string Path { get; } = path;

        public HashSet<string>? Keys { get; } = isObject ? new(StringComparer.Ordinal) : null;

        public string? Key { get; set; }

        public int Index { get; set; } = -1;

        /// <summary>The path of the value being read in this container: <c>params.who</c>, <c>items[2]</c>.</summary>
        public string Child => Keys is not null ? (Path.Length == 0 ? Key! : $"{Path}.{Key}") : $"{Path}[{Index}]";
    }
}
