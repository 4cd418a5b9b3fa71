using Pipelines.Activities.Models;
using Pipelines.Activities.Models.Export.Onnx;
using Pipelines.Activities.Serving;
using Pipelines.Activities.Tests.Models;

namespace Pipelines.Activities.Tests.Serving;

/// <summary>A tiny model exported for ONNX Runtime, a decoder to run requests alone on, and batchers over it.</summary>
public sealed class ServedModel : IDisposable
{
    private readonly TinyModels.TempFolder _folder = new();

    public ServedModel(string architecture)
    {
        (var model, Tokenizer) = ModelPresets.Create(architecture, "tiny");
        ContextWindow = model.ContextWindow;
        OnnxExport.Write(model, Tokenizer, null, _folder.Path);
        Alone = OnnxDecoder.Open(_folder.Path, new OnnxDecoderOptions { IntraOpThreads = 1 });
    }

    public TextTokenizer Tokenizer { get; }

    /// <summary>The export's folder.</summary>
    public string Directory => _folder.Path;

    public int ContextWindow { get; }

    /// <summary>Runs each request by itself: what every batched result is compared with.</summary>
    public OnnxDecoder Alone { get; }

    public ContinuousBatcher Batcher(int maxBatchSize = 4, int maxWaiting = 64, TimeProvider? clock = null) =>
        new(OnnxDecoder.Open(_folder.Path, new OnnxDecoderOptions { IntraOpThreads = 1 }), Tokenizer,
            ContinuousBatcherOptions.ForExport(_folder.Path) with { MaxBatchSize = maxBatchSize, MaxWaiting = maxWaiting }, clock);

    /// <summary>The greedy tokens of <paramref name="prompt"/> alone, stopping at EOS as the batcher does.</summary>
    public int[] Greedy(int[] prompt, int maxTokens) => Alone.Generate(prompt, maxTokens, new HashSet<int> { Tokenizer.EosId });

    public void Dispose()
    {
        Alone.Dispose();
        _folder.Dispose();
    }
}
