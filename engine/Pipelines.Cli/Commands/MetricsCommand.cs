using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Pipelines.Activities.Evaluation.Metrics;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines metrics rouge|bleu|chrf --references FILE... --predictions FILE [--json]</c>: ROUGE, BLEU and chrF of
/// files whose line i is segment i, computed as rouge_score and sacrebleu compute them. Several --references files give
/// each segment several references.
/// </summary>
public static class MetricsCommand
{
    public static Command Create(Func<ParseResult, CliContext> context) =>
        new("metrics", "Score predictions against references with ROUGE, BLEU or chrF, exactly as rouge_score and sacrebleu do")
        {
            RougeCommand(context),
            BleuCommand(context),
            ChrfCommand(context),
        };

    private static Command RougeCommand(Func<ParseResult, CliContext> context)
    {
        var stem = new Option<bool>("--stem") { Description = "Stem words longer than three letters with the Porter stemmer (rouge_score's use_stemmer)" };
        var command = new Command("rouge", "ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum (rouge_score), averaged over segments") { stem };
        var files = Files.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var (predictions, references) = files.Read(result, skipsEmptyReferences: false);
            var scores = Rouge.Corpus(predictions, references, result.GetValue(stem));
            if (result.GetValue(files.Json))
            {
                var json = new JsonObject();
                foreach (var (name, score) in scores.ByName())
                {
                    json[name] = new JsonObject { ["precision"] = score.Precision, ["recall"] = score.Recall, ["fmeasure"] = score.FMeasure };
                }

                await cli.Out.WriteLineAsync(JsonOutput.Format(json));
            }
            else
            {
                foreach (var (name, score) in scores.ByName())
                {
                    await cli.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                        $"{name,-10} P = {score.Precision:0.0000}  R = {score.Recall:0.0000}  F = {score.FMeasure:0.0000}"));
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command BleuCommand(Func<ParseResult, CliContext> context)
    {
        var tokenize = new Option<string>("--tokenize")
        {
            Description = "How to split segments into tokens (sacrebleu's tokenizers)",
            DefaultValueFactory = _ => "13a",
        };
        tokenize.AcceptOnlyFromAmong([.. BleuTokenization.Names]);
        var smooth = new Option<string>("--smooth") { Description = "How to smooth orders without a match", DefaultValueFactory = _ => "exp" };
        smooth.AcceptOnlyFromAmong("exp", "floor", "add-k", "none");
        var smoothValue = new Option<double?>("--smooth-value") { Description = "The value of floor (default 0.1) or add-k (default 1)" };
        var sentence = new Option<bool>("--sentence") { Description = "Score each segment on its own (sentence BLEU, with effective order)" };
        var command = new Command("bleu", "Corpus or sentence BLEU (sacrebleu)") { tokenize, smooth, smoothValue, sentence };
        var files = Files.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var (predictions, references) = files.Read(result, skipsEmptyReferences: true);
            var options = new BleuOptions
            {
                Tokenizer = BleuTokenization.Parse(result.GetValue(tokenize)!),
                Smoothing = result.GetValue(smooth) switch
                {
                    "floor" => BleuSmoothing.Floor,
                    "add-k" => BleuSmoothing.AddK,
                    "none" => BleuSmoothing.None,
                    _ => BleuSmoothing.Exp,
                },
                SmoothValue = result.GetValue(smoothValue),
            };

            var scores = result.GetValue(sentence)
                ? Bleu.Sentences(predictions, references, options)
                : [Bleu.Corpus(predictions, references, options)];
            if (result.GetValue(files.Json))
            {
                JsonNode json = result.GetValue(sentence) ? new JsonArray([.. scores.Select(Json)]) : Json(scores[0]);
                await cli.Out.WriteLineAsync(JsonOutput.Format(json));
            }
            else
            {
                foreach (var score in scores) await cli.Out.WriteLineAsync(score.ToString());
            }

            return ExitCodes.Ok;
        });
        return command;

        static JsonObject Json(BleuScore score) => new()
        {
            ["score"] = score.Score,
            ["precisions"] = new JsonArray([.. score.Precisions.Select(p => JsonValue.Create(p))]),
            ["bp"] = score.BrevityPenalty,
            ["ratio"] = score.Ratio,
            ["hyp_len"] = score.HypothesisLength,
            ["ref_len"] = score.ReferenceLength,
        };
    }

    private static Command ChrfCommand(Func<ParseResult, CliContext> context)
    {
        var wordOrder = new Option<int>("--word-order") { Description = "Word n-gram order: 0 for chrF, 2 for chrF++", DefaultValueFactory = _ => 0 };
        var command = new Command("chrf", "chrF or chrF++ (sacrebleu)") { wordOrder };
        var files = Files.AddTo(command);
        command.SetAction(async (result, ct) =>
        {
            var cli = context(result);
            var order = result.GetValue(wordOrder);
            if (order < 0) throw new UserError($"--word-order must be 0 or more, not {order}", "0 gives chrF, 2 gives chrF++");

            var (predictions, references) = files.Read(result, skipsEmptyReferences: true);
            var score = Chrf.Corpus(predictions, references, new ChrfOptions { WordOrder = order });
            await cli.Out.WriteLineAsync(result.GetValue(files.Json) ? JsonOutput.Format(new JsonObject { ["score"] = score.Score }) : score.ToString());
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The options every metric takes, and reading the files they name.</summary>
    private sealed record Files(Option<string[]> References, Option<string> Predictions, Option<bool> Json)
    {
        public static Files AddTo(Command command)
        {
            var files = new Files(
                new Option<string[]>("--references", "-r")
                {
                    Description = "Reference files, line i being segment i; several files give each segment several references",
                    Required = true,
                    Arity = ArgumentArity.OneOrMore,
                    AllowMultipleArgumentsPerToken = true,
                },
                new Option<string>("--predictions", "-p") { Description = "The predictions file, line i being segment i", Required = true },
                new Option<bool>("--json") { Description = "Print the scores as JSON" });
            command.Options.Add(files.References);
            command.Options.Add(files.Predictions);
            command.Options.Add(files.Json);
            return files;
        }

        /// <summary>
        /// The predictions and the reference streams, checked to have one line per segment each. Where empty references
        /// are skipped (BLEU, chrF), a segment whose line is empty in every references file has no reference at all.
        /// </summary>
        public (string[] Predictions, IReadOnlyList<string?>[] References) Read(ParseResult result, bool skipsEmptyReferences)
        {
            var predictionsPath = result.GetValue(Predictions)!;
            var referencePaths = result.GetValue(References)!;
            var predictions = Lines(predictionsPath);
            var references = referencePaths.Select(Lines).ToArray();
            for (var k = 0; k < references.Length; k++)
            {
                if (references[k].Length != predictions.Length)
                {
                    throw new UserError(
                        $"{referencePaths[k]} has {Count(references[k].Length)} but {predictionsPath} has {Count(predictions.Length)}",
                        "line i of each file is segment i, so every file needs the same number of lines");
                }
            }

            if (predictions.Length == 0) throw new UserError($"{predictionsPath} is empty", "give one prediction per line");

            if (skipsEmptyReferences)
            {
                for (var i = 0; i < predictions.Length; i++)
                {
                    if (references.All(r => r[i].Length == 0))
                    {
                        throw new UserError($"line {i + 1} is empty in every references file, so segment {i + 1} has no reference",
                            "BLEU and chrF skip empty references (sacrebleu's way to give a segment fewer); give each segment at least one");
                    }
                }
            }

            return (predictions, references);
        }

        private static string Count(int lines) => lines == 1 ? "1 line" : $"{lines} lines";

        private static string[] Lines(string path)
        {
            try
            {
                return File.ReadAllLines(path);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw new UserError($"no such file: {path}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new UserError($"cannot read {path}: {e.Message}");
            }
        }
    }
}
