using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Pipelines.Activities.Models;

namespace Pipelines.Api.Tests;

/// <summary>
/// A served model whose tokenizer_config.json carries a chat_template: model.quantize's export keeps it, the host
/// parses it when the model loads, and <c>/v1/chat/completions</c> prompts with the rendered conversation, one BOS,
/// its answer what ONNX Runtime generates alone from that prompt. A template the renderer cannot take stops the start.
/// </summary>
[Collection(OpenAiTestHost.Collection)]
public sealed class OpenAiChatTemplateTests : IAsyncLifetime
{
    private const string Secret = "app-secret-0123456789";

    // Zephyr-like, opening with bos_token while the tokenizer adds BOS itself (add_bos_token), refusing an assistant first.
    private const string Template =
        "{% if messages[0].role == 'assistant' %}{{ raise_exception('the conversation must not open with the assistant') }}{% endif %}"
        + "{{ bos_token }}{% for m in messages %}<|{{ m.role }}|>\n{{ m.content | trim }}{{ eos_token }}\n{% endfor %}"
        + "{% if add_generation_prompt %}<|assistant|>\n{% endif %}";

    private readonly string _data = Directory.CreateTempSubdirectory("pipelines-openai-template-test-").FullName;
    private readonly List<(ApiServer Server, HttpClient Client)> _hosts = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => OpenAiTestHost.StopAsync(_hosts, _data);

    private async Task<(HttpClient Client, string Export)> ServeAsync(string template)
    {
        var export = OpenAiTestHost.Export(Path.Combine(_data, "exports", "int8"), seed: 3, new JsonObject { ["chat_template"] = template, ["add_bos_token"] = true });
        await OpenAiTestHost.RegisterAsync(_data, export);
        var host = await OpenAiTestHost.StartAsync(_data, ["m@production"], new Dictionary<string, string?>(), null, ("app", Secret, ["inference"]));
        _hosts.Add(host);
        host.Item2.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Secret);
        return (host.Item2, export);
    }

    private static Task<HttpResponseMessage> ChatAsync(HttpClient client, params (string Role, string Content)[] messages) =>
        client.PostAsync("/v1/chat/completions", new StringContent(new JsonObject
        {
            ["model"] = "m@production",
            ["messages"] = new JsonArray([.. messages.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content"] = m.Content })]),
            ["max_tokens"] = 8,
            ["temperature"] = 0,
        }.ToJsonString(), Encoding.UTF8, "application/json"));

    [Fact]
    public async Task A_chat_is_prompted_with_the_models_own_template_with_one_bos()
    {
        var (client, export) = await ServeAsync(Template);
        const string rendered = "<|endoftext|><|system|>\nBe brief.<|endoftext|>\n<|user|>\nHello<|endoftext|>\n<|assistant|>\n";
        var tokenizer = TextTokenizer.Load(export);
        var (text, promptTokens, _) = OpenAiTestHost.Expected(export, rendered, 8);

        using var response = await ChatAsync(client, ("system", "Be brief."), ("user", " Hello "));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("chat_template", File.ReadAllText(Path.Combine(export, "tokenizer_config.json")), StringComparison.Ordinal);
        Assert.True(tokenizer.AddBos);
        Assert.Equal(tokenizer.BosId, tokenizer.Encode(rendered)[0]);
        Assert.Equal(tokenizer.Encode(rendered).Length, promptTokens); // the template's bos_token is the only BOS
        Assert.Equal(promptTokens, (int)body["usage"]!["prompt_tokens"]!);
        Assert.Equal(text, (string?)body["choices"]![0]!["message"]!["content"]);
    }

    [Fact]
    public async Task Messages_the_template_refuses_get_a_400_naming_messages_with_the_templates_reason()
    {
        var (client, _) = await ServeAsync(Template);

        using var response = await ChatAsync(client, ("assistant", "Hi"), ("user", "Hello"));
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(("invalid_request_error", "messages"), ((string?)error["type"], (string?)error["param"]));
        Assert.Equal("the model's chat template refuses these messages: the conversation must not open with the assistant", (string?)error["message"]);
    }

    [Fact]
    public async Task A_template_the_renderer_cannot_take_stops_the_start_naming_the_model_and_the_place()
    {
        var error = await Assert.ThrowsAsync<ApiConfigurationException>(() => ServeAsync("{% for m in messages %}{{ m.content | wordwrap(40) }}{% endfor %}"));

        Assert.Contains("cannot serve 'm@production': its chat template cannot be rendered: tokenizer_config.json's chat_template, line 1, column 39: unknown filter 'wordwrap'", error.Message, StringComparison.Ordinal);
    }
}
