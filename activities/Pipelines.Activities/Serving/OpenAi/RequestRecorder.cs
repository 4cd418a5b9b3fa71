using System.Security.Cryptography;
using System.Text;
using Pipelines.Activities.Data;
using Pipelines.Monitoring;
using Pipelines.Runtime.Stores;

namespace Pipelines.Activities.Serving.OpenAi;

/// <summary>
/// Writes every answered request to the store's request log (<see cref="IRequestLog"/>): its figures always, its prompt
/// and output only for the sampled share (<c>Serving:SampleRate</c>, 0 by default, so by default no prompt or output is
/// kept anywhere), and then with personal data replaced by the curation redactor's placeholders ([EMAIL], [PHONE], ...).
/// A request is sampled or not by a hash of its id, so the choice is the same wherever it is made.
/// </summary>
internal sealed class RequestRecorder(IRequestLog log, double sampleRate)
{
    private readonly PiiRedactor _redactor = new(PiiKinds.All);

    /// <summary>Whether request <paramref name="id"/> is in the sampled share <paramref name="rate"/> (0 to 1), by a hash of the id.</summary>
    public static bool Sampled(string id, double rate) =>
        rate >= 1 || (rate > 0 && BitConverter.ToUInt64(SHA256.HashData(Encoding.UTF8.GetBytes(id))) % 1_000_000 < rate * 1_000_000);

    /// <summary>A user's text (a feedback's comment or correction) with personal data replaced, as sampled prompts are.</summary>
    public string Redact(string text) => _redactor.Redact(text, new int[PiiKinds.All.Count]);

    public Task RecordAsync(ServedModel model, string id, string prompt, CompletionResult result)
    {
        var sampled = Sampled(id, sampleRate);
        var counts = new int[PiiKinds.All.Count];
        return log.AppendAsync(new LoggedRequest(
            id, model.Id, model.Version.Model, model.Alias, model.Version.Version, model.Variant, result.Timings.Submitted,
            sampled ? _redactor.Redact(prompt, counts) : null, sampled ? _redactor.Redact(result.Text, counts) : null,
            result.FinishReason.ToString().ToLowerInvariant(), result.PromptTokens, result.CompletionTokens,
            result.Timings.EndToEnd.TotalSeconds, result.Timings.TimeToFirstToken?.TotalSeconds), CancellationToken.None);
    }
}
