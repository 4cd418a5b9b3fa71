using System.Text.Json.Nodes;

namespace Pipelines.Activities.Training;

/// <summary>What every fine-tuning activity takes: the model, the data, and the loop's hyperparameters.</summary>
public record FineTuningInputs
{
    [Port("The model to adapt: a Hugging Face–format folder (config.json, model.safetensors, tokenizer files), as an artifact (artifact://sha256/...) or a local path.")]
    [LocalPath]
    public required string BaseModel { get; init; }

    [Port("Training data: a JSONL artifact or file of {prompt, completion} (loss on the completion only) or {text}.")]
    [LocalPath]
    public required string Dataset { get; init; }

    [Port("Validation data in the same format; enables val_loss, eval_every, early stopping and keeping the best step.")]
    [LocalPath]
    public string? Validation { get; init; }

    [Port("Peak learning rate (AdamW).")]
    [Range(0, 1)]
    public double LearningRate { get; init; } = 2e-4;

    [Port("How the learning rate moves after warm-up.")]
    [OneOf(LearningRateSchedule.Cosine, LearningRateSchedule.Linear, LearningRateSchedule.Constant)]
    public string Schedule { get; init; } = LearningRateSchedule.Cosine;

    [Port("Optimizer steps over which the learning rate rises linearly from 0.")]
    [Range(0, 1_000_000)]
    public int WarmupSteps { get; init; }

    [Port("Passes over the training data (ignored when max_steps is set).")]
    [Range(1, 10_000)]
    public int Epochs { get; init; } = 1;

    [Port("Stop after this many optimizer steps (overrides epochs).")]
    [Range(1, 100_000_000)]
    public int? MaxSteps { get; init; }

    [Port("Examples per micro-batch.")]
    [Range(1, 65_536)]
    public int BatchSize { get; init; } = 8;

    [Port("Micro-batches per optimizer step; loss is averaged over all their tokens.")]
    [Range(1, 65_536)]
    public int GradientAccumulation { get; init; } = 1;

    [Port("Longest sequence in tokens; longer examples are cut at the end (with packing, the length of every sequence).")]
    [Range(2, 1_048_576)]
    public int MaxSeqLen { get; init; } = 512;

    [Port("Pack the training examples: each tokenized whole (BOS where the tokenizer asks, EOS at the end), one after another, cut into sequences of exactly max_seq_len tokens, so no step trains on padding and no text is cut off. Attention crosses example boundaries, as in GPT-style pretraining; for {text} corpora. Validation is not packed.")]
    public bool Packing { get; init; }

    [Port("AdamW weight decay (not applied to biases and norm weights).")]
    [Range(0, 10)]
    public double WeightDecay { get; init; }

    [Port("Gradients are clipped to this global L2 norm; 0 turns clipping off.")]
    [Range(0, 1_000_000)]
    public double MaxGradNorm { get; init; } = 1.0;

    [Port("Evaluate on the validation data every this many optimizer steps (and at the end); 0: only at the end.")]
    [Range(0, 100_000_000)]
    public int EvalEvery { get; init; }

    [Port("Stop when validation loss has not improved for this many evaluations; 0 never stops early.")]
    [Range(0, 1_000_000)]
    public int EarlyStoppingPatience { get; init; }

    [Port("Seed for initialisation, shuffling and dropout: the same seed gives the same result on CPU.")]
    public int Seed { get; init; } = 42;

    [Port("Where to train: cuda when a CUDA libtorch and a GPU are present (auto picks it), else cpu.")]
    [OneOf("auto", "cpu", "cuda")]
    public string Device { get; init; } = "auto";

    [Port("Precision of the model's weights; LoRA weights stay float32.")]
    [OneOf("float32", "bfloat16")]
    public string Dtype { get; init; } = "float32";

    [Port("Save a checkpoint (weights, optimizer, scheduler, RNG, data position) every this many optimizer steps; a killed run resumes from it. 0: never.")]
    [Range(0, 100_000_000)]
    public int CheckpointEvery { get; init; } = 50;
}

public sealed record LoraTrainingInputs : FineTuningInputs
{
    [Port("LoRA rank r.")]
    [Range(1, 4096)]
    public int Rank { get; init; } = 8;

    [Port("LoRA alpha; the update is scaled by alpha/r (alpha/√r with use_rslora).")]
    [Range(0, 1_000_000)]
    public double Alpha { get; init; } = 16;

    [Port("Dropout on the adapter's input.")]
    [Range(0, 1)]
    public double Dropout { get; init; } = 0.05;

    [Port("Which layers get adapters: a list of names (q_proj, v_proj), one regular expression over module paths, or all-linear. Default: q_proj, v_proj (Llama), c_attn (GPT-2).")]
    public JsonNode? TargetModules { get; init; }

    [Port("Scale by alpha/√r (rank-stabilised LoRA) instead of alpha/r.")]
    public bool UseRslora { get; init; }
}

public sealed record TrainingMetrics
{
    [Port("Loss of the first optimizer step, before any update.")]
    public required double InitialTrainLoss { get; init; }

    [Port("Mean training loss over the last tenth of the steps (at least 1, at most 10 steps).")]
    public required double FinalTrainLoss { get; init; }

    [Port("Best validation loss (mean over tokens); null without validation data.")]
    public double? ValLoss { get; init; }

    [Port("The step whose weights were kept: the best validation loss, or the last step without validation.")]
    public required int BestStep { get; init; }

    [Port("Optimizer steps taken.")]
    public required int Steps { get; init; }

    [Port("Tokens read per second of training (validation and checkpoints excluded).")]
    public required double TokensPerSecond { get; init; }

    [Port("Peak resident memory of the process while training (MB); GPU memory is not counted.")]
    public required double PeakMemoryMb { get; init; }
}

public sealed record LoraTrainingOutputs
{
    [Port("The adapter: a folder with adapter_config.json and adapter_model.safetensors (PEFT format).")]
    public required string Adapter { get; init; }

    [Port("The base model the adapter was trained on, as the step read it (a registry:// reference resolved to its artifact or folder): the lineage deploy.promote records.")]
    public string? BaseModel { get; init; }

    [Port("Losses, steps, throughput and memory.")]
    public required TrainingMetrics Metrics { get; init; }

    [Port("The loss curve: loss.csv (step, learning rate, train and validation loss) and loss.png.")]
    public required string Curve { get; init; }
}

public sealed record FullTrainingOutputs
{
    [Port("The fine-tuned model: a Hugging Face–format folder.")]
    public required string Model { get; init; }

    [Port("Losses, steps, throughput and memory.")]
    public required TrainingMetrics Metrics { get; init; }

    [Port("The loss curve: loss.csv (step, learning rate, train and validation loss) and loss.png.")]
    public required string Curve { get; init; }
}
