using static TorchSharp.torch;

namespace Pipelines.Activities.Training;

/// <summary>Picks where and in what precision to train: the same code runs on CPU and on CUDA.</summary>
public static class TrainingDevice
{
    public static Device Resolve(string device) => device switch
    {
        "cpu" => CPU,
        "cuda" when cuda.is_available() => CUDA,
        "cuda" => throw new ArgumentException("device is cuda, but no CUDA device is available to libtorch here (TorchSharp-cpu, or no GPU); use auto or cpu."),
        "auto" or "" => cuda.is_available() ? CUDA : CPU,
        _ => throw new ArgumentException($"Unknown device \"{device}\"; use auto, cpu or cuda."),
    };

    public static ScalarType Dtype(string dtype) => dtype switch
    {
        "float32" or "" => ScalarType.Float32,
        "bfloat16" => ScalarType.BFloat16,
        _ => throw new ArgumentException($"Unknown dtype \"{dtype}\"; use float32 or bfloat16."),
    };
}
