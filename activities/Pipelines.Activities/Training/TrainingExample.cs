namespace Pipelines.Activities.Training;

/// <summary>
/// One tokenized example: <see cref="Ids"/> the model reads, <see cref="Labels"/> the tokens it is scored on
/// (<see cref="Ignored"/> where no loss is taken: the prompt of a prompt/completion pair, and padding).
/// <see cref="Source"/> names the file and line it came from.
/// </summary>
public sealed record TrainingExample(int[] Ids, int[] Labels, string Source)
{
    /// <summary>The label of a position that takes no loss (PyTorch's <c>ignore_index</c> default).</summary>
    public const int Ignored = -100;

    /// <summary>How many positions take loss after the causal shift (the first token is never predicted).</summary>
    public int ScoredTokens
    {
        get
        {
            var n = 0;
            for (var i = 1; i < Labels.Length; i++)
                if (Labels[i] != Ignored) n++;
            return n;
        }
    }
}
