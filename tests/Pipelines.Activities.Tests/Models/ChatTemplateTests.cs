using System.Text.Json.Nodes;
using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Tokenization;

namespace Pipelines.Activities.Tests.Models;

/// <summary>
/// Chat templates in the styles of the model families that serve chats (written here from the formats' descriptions),
/// rendered to the exact prompt transformers' <c>apply_chat_template</c> gives, and the errors a template can make,
/// with where.
/// </summary>
public sealed class ChatTemplateTests
{
    private static readonly Dictionary<string, string> Tokens = new()
    {
        ["bos_token"] = "<s>",
        ["eos_token"] = "</s>",
    };

    private static readonly ChatMessage System = new("system", "Be brief.");
    private static readonly ChatMessage User = new("user", "Hello");
    private static readonly ChatMessage Assistant = new("assistant", "Hi there ");
    private static readonly ChatMessage Follow = new("user", "Bye");

    private static string Render(string template, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = true, IReadOnlyDictionary<string, string>? tokens = null) =>
        ChatTemplate.Parse(template).Render(messages, addGenerationPrompt, tokens ?? Tokens);

    private const string ChatMl = """
        {% for message in messages %}{% if loop.first and message['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}
        """;

    [Fact]
    public void ChatMl_puts_each_message_between_im_start_and_im_end_and_opens_the_assistants_turn()
    {
        Assert.Equal("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n", Render(ChatMl, [User]));
        Assert.Equal("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\nHi there <|im_end|>\n",
            Render(ChatMl, [System, User, Assistant], addGenerationPrompt: false));
    }

    private const string Llama2 = """
        {% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\n' + system_message + '\n<</SYS>>\n\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}
        """;

    [Fact]
    public void Llama2_folds_the_system_prompt_into_the_first_inst_and_closes_answers_with_eos()
    {
        Assert.Equal("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHello [/INST] Hi there </s><s>[INST] Bye [/INST]", Render(Llama2, [System, User, Assistant, Follow]));
        Assert.Equal("<s>[INST] Hello [/INST]", Render(Llama2, [User]));
    }

    private const string Llama3 = """
        {{- bos_token }}
        {%- for message in messages %}
            {{- '<|start_header_id|>' + message.role + '<|end_header_id|>\n\n' + message.content | trim + '<|eot_id|>' }}
        {%- endfor %}
        {%- if add_generation_prompt %}
            {{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
        {%- endif %}

        """;

    [Fact]
    public void Llama3_wraps_each_role_in_header_ids_and_trims_contents()
    {
        var tokens = new Dictionary<string, string> { ["bos_token"] = "<|begin_of_text|>", ["eos_token"] = "<|eot_id|>" };

        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHello<|eot_id|>"
            + "<|start_header_id|>assistant<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
            Render(Llama3, [System, User, Assistant, Follow], tokens: tokens));
    }

    // trim_blocks drops the newline after each {% %} line, while each {{ }} line keeps its own; the template's last newline goes.
    private const string Zephyr = """
        {% for message in messages %}
        {% if message['role'] == 'user' %}
        {{ '<|user|>\n' + message['content'] + eos_token }}
        {% elif message['role'] == 'system' %}
        {{ '<|system|>\n' + message['content'] + eos_token }}
        {% elif message['role'] == 'assistant' %}
        {{ '<|assistant|>\n'  + message['content'] + eos_token }}
        {% endif %}
        {% if loop.last and add_generation_prompt %}
        {{ '<|assistant|>' }}
        {% endif %}
        {% endfor %}

        """;

    [Fact]
    public void Zephyr_renders_line_per_tag_templates_with_hugging_faces_trim_blocks()
    {
        Assert.Equal("<|system|>\nBe brief.</s>\n<|user|>\nHello</s>\n<|assistant|>\n", Render(Zephyr, [System, User]));
        Assert.Equal("<|user|>\nHello</s>\n", Render(Zephyr, [User], addGenerationPrompt: false));
    }

    private const string Gemma = """
        {{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %}
        """;

    [Fact]
    public void Gemma_calls_the_assistant_model_and_refuses_a_system_message()
    {
        var tokens = new Dictionary<string, string> { ["bos_token"] = "<bos>", ["eos_token"] = "<eos>" };

        Assert.Equal("<bos><start_of_turn>user\nHello<end_of_turn>\n<start_of_turn>model\nHi there<end_of_turn>\n<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n",
            Render(Gemma, [User, Assistant, Follow], tokens: tokens));
        var refused = Assert.Throws<ChatTemplateException>(() => Render(Gemma, [System, User], tokens: tokens));
        Assert.True(refused.Raised);
        Assert.Equal("System role not supported", refused.Message);
        Assert.Equal((1, 59), (refused.Line, refused.Column));
    }

    private const string Mistral = """
        {%- if messages[0]['role'] == 'system' %}
            {%- set system_message = messages[0]['content'] %}
            {%- set loop_messages = messages[1:] %}
        {%- else %}
            {%- set loop_messages = messages %}
        {%- endif %}

        {{- bos_token }}
        {%- for message in loop_messages %}
            {%- if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
                {{- raise_exception('After the optional system message, conversation roles must alternate user/assistant/user/assistant/...') }}
            {%- endif %}
            {%- if message['role'] == 'user' %}
                {%- if loop.last and system_message is defined %}
                    {{- '[INST] ' + system_message + '\n\n' + message['content'] + '[/INST]' }}
                {%- else %}
                    {{- '[INST] ' + message['content'] + '[/INST]' }}
                {%- endif %}
            {%- elif message['role'] == 'assistant' %}
                {{- ' ' + message['content'] + eos_token}}
            {%- else %}
                {{- raise_exception('Only user and assistant roles are supported, with the exception of an initial optional system message!') }}
            {%- endif %}
        {%- endfor %}
        """;

    [Fact]
    public void Mistral_puts_the_system_message_in_the_last_inst()
    {
        Assert.Equal("<s>[INST] Hello[/INST] Hi there </s>[INST] Be brief.\n\nBye[/INST]", Render(Mistral, [System, User, Assistant, Follow]));
    }

    [Fact]
    public void Mistral_refuses_messages_that_do_not_alternate_where_its_raise_exception_stands()
    {
        var refused = Assert.Throws<ChatTemplateException>(() => Render(Mistral, [User, Follow]));

        Assert.True(refused.Raised);
        Assert.Equal("After the optional system message, conversation roles must alternate user/assistant/user/assistant/...", refused.Reason);
        Assert.Equal((11, 13), (refused.Line, refused.Column));
    }

    [Fact]
    public void A_namespace_carries_a_value_out_of_a_loop_while_a_plain_set_stays_inside()
    {
        const string template = """
            {%- set ns = namespace(last_user=-1) %}{% set seen = 'none' %}
            {%- for m in messages %}{% set seen = m.role %}{% if m.role == 'user' %}{% set ns.last_user = loop.index0 %}{% endif %}{% endfor -%}
            {{ ns.last_user }} {{ seen }}
            """;

        Assert.Equal("2 none", Render(template, [User, Assistant, Follow]));
    }

    [Fact]
    public void Loops_slices_filters_and_tests_behave_as_in_jinja()
    {
        Assert.Equal("1/3:user,2/3:assistant,3/3:user.", Render("{% for m in messages %}{{ loop.index }}/{{ loop.length }}:{{ m.role }}{{ '.' if loop.last else ',' }}{% endfor %}", [User, Assistant, Follow]));
        Assert.Equal("assistant user|user|user assistant", Render("{{ (messages[1:] | map(attribute='role') | join(' ')) }}|{{ messages[-1].role }}|{% for m in messages[::-1][:2] %}{{ m['role'] }}{{ ' ' if not loop.last }}{% endfor %}", [User, Assistant, Follow]));
        Assert.Equal("""[{"role": "user", "content": "Hello"}]""", Render("{{ messages | tojson }}", [User]));
        Assert.Equal("HELLO hello 5 fallback True False True", Render("{{ messages[0].content | upper }} {{ 'HeLLo' | lower }} {{ messages[0].content | length }} {{ missing | default('fallback') }} {{ missing is not defined }} {{ none is string }} {{ 'ell' in messages[0].content }}", [User]));
        Assert.Equal("a-b", Render("{% set parts = ['a'] + ['b'] %}{{ parts[0] ~ '-' ~ parts[1] }}", [User]));
        Assert.Equal("system:Be brief.", Render("{% for m in messages if m.role == 'system' %}{{ m.role }}:{{ m.content }}{% else %}no system{% endfor %}", [System, User]));
        Assert.Equal("no system", Render("{% for m in messages if m.role == 'system' %}x{% else %}no system{% endfor %}", [User]));
        Assert.Equal("01", Render("{% for i in range(5) %}{% if i == 2 %}{% break %}{% endif %}{{ i }}{% endfor %}", [User]));
        Assert.Equal("[1, 'a', None, True]", Render("{{ [1, 'a', none, true] }}", [User]));
        Assert.Equal("True ['a', 'b', '', 'c'] 1000.0", Render("{{ messages[0].content.endswith(('x', 'lo')) }} {{ 'a,b,,c'.split(',') }} {{ 1e3 }}", [User]));
        Assert.Equal("7 -1 2.5 2 1 8 -3", Render("{{ 3 + 4 }} {{ -1 }} {{ 5 / 2 }} {{ 5 // 2 }} {{ -5 % 3 }} {{ 2 ** 3 }} {{ 3 - 6 }}", [User]));
    }

    [Fact]
    public void The_first_newline_after_a_block_and_the_indent_before_one_go_while_a_minus_strips_all()
    {
        Assert.Equal("    A\nB\n", Render("{% if true %}\n    A\n{% endif %}\n  {% if true %}\nB\n{% endif %}\n", [User]));
        Assert.Equal("AB", Render("A   \n  {{- 'B' -}}  \n ", [User]));
        Assert.Equal("x", Render("  {% if true %}x{% endif %}", [User]));
        Assert.Equal("  x", Render("  {%+ if true %}x{% endif %}", [User]));
    }

    [Fact]
    public void A_tokenizer_folder_gives_its_chat_template_from_the_config_a_default_named_one_or_chat_template_jinja()
    {
        using var folder = new TinyModels.TempFolder();
        TokenizerTests.Learned().Save(folder.Path);
        var configPath = folder.Sub("tokenizer_config.json");
        void Configure(JsonNode? template)
        {
            var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
            config["chat_template"] = template;
            File.WriteAllText(configPath, config.ToJsonString());
        }

        string? RenderedBy(string directory)
        {
            var tokenizer = TextTokenizer.Load(directory);
            return ChatTemplate.Of(tokenizer)?.Render([User], true, tokenizer.NamedTokens);
        }

        Assert.Null(RenderedBy(folder.Path));
        Configure("{{ bos_token }}{{ messages[0].content }}");
        Assert.Equal("<|endoftext|>Hello", RenderedBy(folder.Path));
        Configure(new JsonArray(new JsonObject { ["name"] = "tool_use", ["template"] = "tools" }, new JsonObject { ["name"] = "default", ["template"] = "chat" }));
        Assert.Equal("chat", RenderedBy(folder.Path));

        File.WriteAllText(folder.Sub("chat_template.jinja"), "jinja {{ messages | length }}\n");
        var copy = folder.Sub("copy");
        TextTokenizer.Load(folder.Path).Save(copy);
        Assert.Equal("jinja 1", RenderedBy(copy));

        File.Delete(folder.Sub("chat_template.jinja"));
        Configure(new JsonArray(new JsonObject { ["name"] = "tool_use", ["template"] = "tools" }));
        var error = Assert.Throws<ModelFormatException>(() => RenderedBy(folder.Path));
        Assert.Contains("chat templates named tool_use but none named 'default'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{{ messages | wordwrap }}", 1, 15, "unknown filter 'wordwrap'")]
    [InlineData("ok\n  {% macro greet(name) %}hi{% endmacro %}", 2, 6, "'{% macro %}' is not supported")]
    [InlineData("{% for m in messages %}\n{% if m.role %}x\n{% endfor %}", 3, 4, "expected '{% endif %}' to close the '{% if %}' of line 2, column 4, found '{% endfor %}'")]
    [InlineData("{% if x %}abc", 1, 4, "'{% if %}' is never closed: '{% endif %}' is missing")]
    [InlineData("{{ messages[0].content.wrap(3) }}", 1, 4, "unknown method 'wrap'")]
    [InlineData("{{ strftime(1) }}", 1, 4, "unknown function 'strftime'")]
    [InlineData("{{ messages is iterable and x is sorted }}", 1, 34, "unknown test 'sorted'")]
    [InlineData("{{ 'open }}", 1, 4, "this string is never closed")]
    [InlineData("text {{ messages", 1, 6, "this '{{' is never closed")]
    [InlineData("{% endif %}", 1, 4, "'{% endif %}' has no statement it belongs to")]
    [InlineData("{% set x %}y{% endset %}", 1, 4, "block assignments")]
    [InlineData("{% for m in messages recursive %}{% endfor %}", 1, 22, "recursive loops are not supported")]
    public void A_construct_the_renderer_does_not_have_is_refused_when_parsed_with_its_place(string template, int line, int column, string reason)
    {
        var error = Assert.Throws<ChatTemplateException>(() => ChatTemplate.Parse(template, "tokenizer_config.json's chat_template"));

        Assert.Equal((line, column), (error.Line, error.Column));
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.StartsWith($"tokenizer_config.json's chat_template, line {line}, column {column}: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{{ nothing.role }}", 1, 4, "'nothing' is undefined")]
    [InlineData("\n{{ messages[0].content + 1 }}", 2, 24, "unsupported operand types for +: 'str' and 'int'")]
    [InlineData("{% for x in 3 %}{% endfor %}", 1, 13, "'int' object is not iterable")]
    public void A_mistake_found_while_rendering_names_its_place(string template, int line, int column, string reason)
    {
        var parsed = ChatTemplate.Parse(template);

        var error = Assert.Throws<ChatTemplateException>(() => parsed.Render([User], true, Tokens));

        Assert.False(error.Raised);
        Assert.Equal((line, column, reason), (error.Line, error.Column, error.Reason));
    }
}
