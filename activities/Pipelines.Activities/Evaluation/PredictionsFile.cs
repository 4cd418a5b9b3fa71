using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pipelines.Activities.Evaluation;

/// <summary>
/// Every evaluated sample as JSON Lines: <c>{line, prompt, reference, prediction, scores}</c>, and
/// <c>baseline_prediction</c>, <c>baseline_scores</c> when there is a baseline; scores as <see cref="SampleScore.Values"/>.
/// </summary>
public static class PredictionsFile
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Write(IReadOnlyList<EvaluationRecord> records, EvaluatedSystem model, EvaluatedSystem? baseline = null)
    {
        var text = new StringBuilder();
        for (var i = 0; i < records.Count; i++)
        {
            var line = new JsonObject
            {
                ["line"] = records[i].Line,
                ["prompt"] = records[i].Prompt,
                ["reference"] = records[i].Reference,
                ["prediction"] = model.Samples[i].Prediction,
                ["scores"] = Scores(model.Samples[i]),
            };
            if (baseline is not null)
            {
                line["baseline_prediction"] = baseline.Samples[i].Prediction;
                line["baseline_scores"] = Scores(baseline.Samples[i]);
            }

            text.Append(line.ToJsonString(Compact)).Append('\n');
        }

        return text.ToString();
    }

    private static JsonObject Scores(SampleScore sample) => new(sample.Values().Select(v => KeyValuePair.Create(v.Key, (JsonNode?)v.Value)));
}
