using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipelines.Activities.Models.Tokenization;

/// <summary>One message of a conversation, as a chat template sees it.</summary>
public sealed record ChatMessage(string Role, string Content);

/// <summary>
/// A model's own chat template: the Jinja text Hugging Face keeps in <c>tokenizer_config.json</c>'s <c>chat_template</c>
/// (or <c>chat_template.jinja</c>), parsed once and rendered per conversation the way transformers'
/// <c>apply_chat_template</c> does (<c>trim_blocks</c> and <c>lstrip_blocks</c> on; variables <c>messages</c>,
/// <c>add_generation_prompt</c>, the special tokens such as <c>bos_token</c>, <c>tools</c> and <c>documents</c> as none;
/// <c>raise_exception(msg)</c>, <c>namespace()</c>, <c>range()</c>, <c>strftime_now()</c>).
/// The renderer is a subset of Jinja — what chat templates use; anything else is refused by <see cref="Parse"/> with
/// its line and column (<see cref="ChatTemplateException"/>), so an unsupported template fails when it is loaded.
/// </summary>
public sealed class ChatTemplate
{
    private const string ConfigOrigin = "tokenizer_config.json's chat_template";

    private readonly IReadOnlyList<ChatTemplateNode> _nodes;

    private ChatTemplate(string source, string origin, IReadOnlyList<ChatTemplateNode> nodes)
    {
        Source = source;
        Origin = origin;
        _nodes = nodes;
    }

    /// <summary>The template's Jinja text.</summary>
    public string Source { get; }

    /// <summary>Where it came from (<c>tokenizer_config.json's chat_template</c> or <c>chat_template.jinja</c>), for messages.</summary>
    public string Origin { get; }

    /// <summary>Parses <paramref name="source"/>; a construct this renderer does not have throws <see cref="ChatTemplateException"/> naming where.</summary>
    public static ChatTemplate Parse(string source, string origin = "chat template")
    {
        try
        {
            return new ChatTemplate(source, origin, ChatTemplateParser.Parse(source));
        }
        catch (ChatTemplateException e)
        {
            throw new ChatTemplateException(e.Reason, e.Line, e.Column, origin: origin);
        }
    }

    /// <summary>
    /// The template of <paramref name="tokenizer"/>'s folder: <c>chat_template.jinja</c> when it has one (transformers'
    /// newer layout), else <c>tokenizer_config.json</c>'s <c>chat_template</c> — a string, or the entry named
    /// <c>default</c> of a list of <c>{name, template}</c>; null when it has none.
    /// </summary>
    public static ChatTemplate? Of(TextTokenizer tokenizer)
    {
        if (tokenizer.FileBytes("chat_template.jinja") is { } jinja) return Parse(Encoding.UTF8.GetString(jinja), "chat_template.jinja");
        if (tokenizer.FileBytes("tokenizer_config.json") is not { } config) return null;
        JsonNode? template;
        try
        {
            template = JsonNode.Parse(config)?["chat_template"];
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"tokenizer_config.json is not valid JSON ({e.Message})", "fix or regenerate the file");
        }

        return template switch
        {
            null => null,
            JsonValue value when value.TryGetValue<string>(out var text) => Parse(text, ConfigOrigin),
            JsonArray named => Parse(Default(named), ConfigOrigin),
            _ => throw new ModelFormatException("tokenizer_config.json's chat_template is neither a string nor a list of {name, template}", "fix or regenerate the file"),
        };
    }

    private static string Default(JsonArray named)
    {
        var templates = named.OfType<JsonObject>()
            .Select(t => (Name: t["name"] is JsonValue n && n.TryGetValue<string>(out var name) ? name : null, Text: t["template"] is JsonValue v && v.TryGetValue<string>(out var text) ? text : null))
            .ToList();
        return templates.FirstOrDefault(t => t.Name == "default").Text
            ?? throw new ModelFormatException($"tokenizer_config.json has chat templates named {string.Join(", ", templates.Select(t => t.Name ?? "(no name)"))} but none named 'default', the one a chat is rendered with",
                "name the template for chats 'default'");
    }

    /// <summary>
    /// The prompt for <paramref name="messages"/>; <paramref name="addGenerationPrompt"/> asks the template to open the
    /// assistant's turn. <paramref name="specialTokens"/> are the tokenizer's named tokens (<c>bos_token</c> → its text),
    /// <paramref name="now"/> what <c>strftime_now</c> formats. A template that refuses the messages
    /// (<c>raise_exception</c>) or fails on them throws <see cref="ChatTemplateException"/>.
    /// </summary>
    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, IReadOnlyDictionary<string, string>? specialTokens = null, DateTimeOffset? now = null)
    {
        var variables = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["messages"] = messages.Select(m => (object?)new Dictionary<string, object?>(StringComparer.Ordinal) { ["role"] = m.Role, ["content"] = m.Content }).ToList(),
            ["add_generation_prompt"] = addGenerationPrompt,
            ["tools"] = null,
            ["documents"] = null,
        };
        foreach (var (name, text) in specialTokens ?? new Dictionary<string, string>()) variables[name] = text;
        return ChatTemplateRenderer.Render(_nodes, variables, now);
    }
}
