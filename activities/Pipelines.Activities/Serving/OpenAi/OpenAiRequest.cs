using System.Text.Json;
using System.Text.Json.Nodes;
using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Generation;
using Pipelines.Activities.Models.Tokenization;

namespace Pipelines.Activities.Serving.OpenAi;

/// <summary>
/// A completions or chat completions body read into a <see cref="ServingRequest"/>, each field checked the way OpenAI's
/// API checks it and named in the error (<c>param</c>). Chat messages become one prompt by the model's own chat
/// template when it has one (rendered with <c>add_generation_prompt</c>; <c>developer</c> messages reach it as
/// <c>system</c>), else by the default: the messages' contents in order, system first, separated by a blank line (the
/// prompt our fine-tuned models were trained on is then the user's message itself).
/// </summary>
internal sealed record OpenAiRequest(ServingRequest Serving, string PromptText, bool Stream, bool IncludeUsage)
{
    private static readonly string[] Roles = ["system", "developer", "user", "assistant"];

    /// <summary>Reads <paramref name="body"/>; a chat's messages go through <paramref name="template"/> when the model has one, <paramref name="now"/> being what its <c>strftime_now</c> sees.</summary>
    public static OpenAiRequest Parse(JsonObject body, bool chat, TextTokenizer tokenizer, ChatTemplate? template = null, DateTimeOffset? now = null)
    {
        var prompt = chat ? ChatPrompt(body, tokenizer, template, now) : Prompt(body);
        if (Number(body, "n") is { } n && n != 1) throw new OpenAiRequestException("n", "n must be 1: one completion per request is served (send several requests)");
        if (body["logprobs"] is JsonValue logprobs && logprobs.GetValueKind() is not (JsonValueKind.False or JsonValueKind.Null))
            throw new OpenAiRequestException("logprobs", "logprobs are not served");
        var maxTokens = Number(body, chat && body.ContainsKey("max_completion_tokens") ? "max_completion_tokens" : "max_tokens") ?? 16;
        if (maxTokens < 1 || maxTokens != Math.Floor(maxTokens)) throw new OpenAiRequestException("max_tokens", $"max_tokens must be a whole number of 1 or more, not {maxTokens}");
        var temperature = Number(body, "temperature") ?? 1;
        if (temperature is < 0 or > 2) throw new OpenAiRequestException("temperature", $"temperature must be between 0 and 2, not {temperature}");
        var topP = Number(body, "top_p") ?? 1;
        if (topP is <= 0 or > 1) throw new OpenAiRequestException("top_p", $"top_p must be in (0, 1], not {topP}");
        var seed = Number(body, "seed");
        if (seed is { } s && s != Math.Floor(s)) throw new OpenAiRequestException("seed", "seed must be a whole number");

        var stream = Flag(body, "stream");
        var includeUsage = body["stream_options"] is JsonObject options && Flag(options, "include_usage", "stream_options.include_usage");
        return new OpenAiRequest(new ServingRequest
        {
            Prompt = TextGenerator.PromptIds(tokenizer, prompt),
            MaxTokens = (int)Math.Min(maxTokens, int.MaxValue),
            Temperature = temperature,
            TopP = topP,
            Seed = seed is { } value ? (long)value : null,
            StopIds = new HashSet<int> { tokenizer.EosId },
            StopStrings = Stops(body),
        }, prompt, stream, includeUsage);
    }

    /// <summary>A string field, or null when absent; another type is a 400 naming it.</summary>
    public static string? Text(JsonObject body, string field) => body[field] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => throw new OpenAiRequestException(field, $"{field} must be a string"),
    };

    private static string Prompt(JsonObject body) => body["prompt"] switch
    {
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        JsonArray { Count: 1 } list when list[0] is JsonValue one && one.GetValueKind() == JsonValueKind.String => one.GetValue<string>(),
        JsonArray => throw new OpenAiRequestException("prompt", "prompt must be one string (or a list of one): one completion per request is served"),
        null => throw new OpenAiRequestException("prompt", "you must provide a prompt"),
        _ => throw new OpenAiRequestException("prompt", "prompt must be a string"),
    };

    private static string ChatPrompt(JsonObject body, TextTokenizer tokenizer, ChatTemplate? template, DateTimeOffset? now)
    {
        if (body["messages"] is not JsonArray { Count: > 0 } messages) throw new OpenAiRequestException("messages", "messages must be a non-empty list of {role, content}");
        var parts = new List<ChatMessage>();
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i] is not JsonObject message) throw new OpenAiRequestException($"messages[{i}]", "each message must be an object {role, content}");
            var role = Text(message, "role") ?? throw new OpenAiRequestException($"messages[{i}].role", "each message needs a role");
            if (!Roles.Contains(role)) throw new OpenAiRequestException($"messages[{i}].role", $"role must be one of {string.Join(", ", Roles)}, not '{role}'");
            parts.Add(new ChatMessage(role == "developer" ? "system" : role, Content(message["content"], $"messages[{i}].content")));
        }

        if (template is null)
        {
            return string.Join("\n\n", parts.Where(p => p.Role == "system").Concat(parts.Where(p => p.Role != "system")).Select(p => p.Content));
        }

        try
        {
            return template.Render(parts, addGenerationPrompt: true, tokenizer.NamedTokens, now);
        }
        catch (ChatTemplateException e)
        {
            throw new OpenAiRequestException("messages", e.Raised
                ? $"the model's chat template refuses these messages: {e.Reason}"
                : $"the model's chat template fails on these messages: {template.Origin}, {e.Message}");
        }
    }

    /// <summary>A message's content: a string, or a list of text parts.</summary>
    private static string Content(JsonNode? content, string param) => content switch
    {
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        JsonArray parts => string.Concat(parts.Select((p, i) => p is JsonObject part && Text(part, "type") == "text" && Text(part, "text") is { } text
            ? text : throw new OpenAiRequestException($"{param}[{i}]", "only text parts are served ({type: \"text\", text})"))),
        _ => throw new OpenAiRequestException(param, "content must be a string or a list of text parts"),
    };

    private static IReadOnlyList<string> Stops(JsonObject body) => body["stop"] switch
    {
        null => [],
        JsonValue value when value.GetValueKind() == JsonValueKind.Null => [],
        JsonValue value when value.GetValueKind() == JsonValueKind.String => [value.GetValue<string>()],
        JsonArray { Count: <= 4 } list when list.All(s => s is JsonValue v && v.GetValueKind() == JsonValueKind.String) => [.. list.Select(s => s!.GetValue<string>())],
        _ => throw new OpenAiRequestException("stop", "stop must be a string or a list of up to 4 strings"),
    };

    private static double? Number(JsonObject body, string field) => body[field] switch
    {
        null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.Null => null,
        JsonValue value when value.GetValueKind() == JsonValueKind.Number => value.GetValue<double>(),
        _ => throw new OpenAiRequestException(field, $"{field} must be a number"),
    };

    private static bool Flag(JsonObject body, string field, string? param = null) => body[field] switch
    {
        null => false,
        JsonValue value when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>(),
        JsonValue value when value.GetValueKind() == JsonValueKind.Null => false,
        _ => throw new OpenAiRequestException(param ?? field, $"{param ?? field} must be true or false"),
    };
}
