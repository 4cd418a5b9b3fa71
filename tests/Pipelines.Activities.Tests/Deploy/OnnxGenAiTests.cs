using Microsoft.ML.OnnxRuntimeGenAI;
using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Export.Onnx;
using Pipelines.Activities.Models.Generation;
using Pipelines.Activities.Tests.Models;

namespace Pipelines.Activities.Tests.Deploy;

/// <summary>An exported folder is what ONNX Runtime GenAI loads: its config, graph and our tokenizer.json, generating TorchSharp's tokens.</summary>
public sealed class OnnxGenAiTests
{
    [Theory]
    [InlineData("llama")]
    [InlineData("gpt2")]
    public void Onnx_runtime_genai_generates_torchsharps_greedy_tokens_from_an_export(string architecture)
    {
        var (model, tokenizer) = ModelPresets.Create(architecture, "tiny");
        using var folder = new TinyModels.TempFolder();
        OnnxExport.Write(model, tokenizer, null, folder.Path);
        var prompt = TextGenerator.PromptIds(tokenizer, "The meeting moved to Thursday");
        const int newTokens = 24;
        var expected = TextGenerator.GenerateIds(model, [prompt], new GenerationOptions { MaxNewTokens = newTokens, Greedy = true }, TextGenerator.StopIds(model, tokenizer), tokenizer.PadId)[0];

        using var genAiModel = new Model(folder.Path);
        using var genAiTokenizer = new Tokenizer(genAiModel);
        using var encoded = genAiTokenizer.Encode("The meeting moved to Thursday");
        Assert.Equal(tokenizer.Encode("The meeting moved to Thursday"), encoded[0].ToArray());

        using var parameters = new GeneratorParams(genAiModel);
        parameters.SetSearchOption("max_length", prompt.Length + newTokens);
        parameters.SetSearchOption("do_sample", false);
        using var generator = new Generator(genAiModel, parameters);
        generator.AppendTokens(prompt);
        while (!generator.IsDone()) generator.GenerateNextToken();
        var generated = generator.GetSequence(0).ToArray()[prompt.Length..].Where(t => t != tokenizer.EosId).ToArray();

        Assert.NotEmpty(generated);
        Assert.Equal(expected, generated);
    }
}
