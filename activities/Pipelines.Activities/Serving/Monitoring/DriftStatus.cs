namespace Pipelines.Activities.Serving.Monitoring;

/// <summary>How a feature of the live window compares with its reference, in increasing order of concern.</summary>
public enum DriftStatus
{
    /// <summary>Below the warning threshold: the window looks like the training data.</summary>
    Ok,

    /// <summary>Between the warning and the drift thresholds: worth watching.</summary>
    Warn,

    /// <summary>At or above the drift threshold: the traffic no longer looks like what the model was trained on.</summary>
    Drift,
}
