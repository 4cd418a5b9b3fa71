using Pipelines.Activities.Models;

namespace Pipelines.Activities.Tests.Safety;

/// <summary>The tiny Llama and GPT-2 presets saved as model folders once for a test class (an xunit class fixture).</summary>
public sealed class TinyModelFolders : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("pipelines-tiny-models-").FullName;

    public TinyModelFolders()
    {
        Llama = Save("llama", "tiny-llama");
        Gpt2 = Save("gpt2", "tiny-gpt2");
    }

    public string Llama { get; }

    public string Gpt2 { get; }

    /// <summary>Parameters of each folder's checkpoint, counted as model.select counts them.</summary>
    public Dictionary<string, long> Parameters { get; } = [];

    private string Save(string architecture, string name)
    {
        var directory = Path.Join(_root, name);
        var (model, tokenizer) = ModelPresets.Create(architecture, "tiny", seed: 1);
        using (model)
        {
            ModelFolder.Save(model, tokenizer, directory);
            Parameters[directory] = model.CheckpointTensors().Sum(t => t.Value.numel());
        }

        return directory;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
