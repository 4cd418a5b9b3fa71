namespace Pipelines.Activities.Models.Export.Onnx;

/// <summary>How <see cref="OnnxDecoder"/> runs a model.</summary>
public sealed record OnnxDecoderOptions
{
    /// <summary>Threads one operator may use; 0 lets ONNX Runtime choose (one per core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Runs on the CUDA execution provider when this ONNX Runtime build and machine have it; the CPU otherwise.</summary>
    public bool PreferCuda { get; init; }
}
