using System.Text.Json;
using System.Text.Json.Nodes;
using Pipelines.Activities.Models.Tokenization;

namespace Pipelines.Activities.Models.Export.Onnx;

/// <summary>
/// <c>genai_config.json</c>, which ONNX Runtime GenAI reads to drive the decoder: the model type, the graph's input and
/// output names (<c>%d</c> is the layer), the attention sizes (the cache's head size, padded as the graph pads it),
/// special token ids and greedy search defaults. GenAI is told to keep past and present apart (present is the past
/// plus the new tokens), which GroupQueryAttention supports as well as one shared buffer.
/// GenAI's model type says how it drives the graph, not what is inside: its <c>gpt2</c> type expects one combined
/// <c>past_%d</c> tensor per layer, while our GPT-2 graph has the separate key and value caches of its decoder-only
/// (<c>llama</c>) type, so every export declares that one. config.json still says which architecture it is.
/// </summary>
internal static class GenAiConfig
{
    public const string FileName = "genai_config.json";
    public const string DecoderOnlyType = "llama";
    public const string PastKey = "past_key_values.%d.key";
    public const string PastValue = "past_key_values.%d.value";
    public const string PresentKey = "present.%d.key";
    public const string PresentValue = "present.%d.value";

    public static void Write(CausalLanguageModel model, TextTokenizer tokenizer, string path)
    {
        var (heads, kvHeads, headSize, hidden) = model.Config switch
        {
            LlamaConfig l => (l.NumAttentionHeads, l.KeyValueHeads, l.HeadDimension, l.HiddenSize),
            Gpt2Config g => (g.NHead, g.NHead, g.NEmbd / g.NHead, g.NEmbd),
            _ => throw new ArgumentException($"no GenAI model type for {model.Architecture}"),
        };
        var config = new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["type"] = DecoderOnlyType,
                ["bos_token_id"] = tokenizer.BosId ?? tokenizer.EosId,
                ["eos_token_id"] = tokenizer.EosId,
                ["pad_token_id"] = tokenizer.PadId,
                ["context_length"] = model.ContextWindow,
                ["vocab_size"] = model.Config.VocabSize,
                ["decoder"] = new JsonObject
                {
                    ["filename"] = OnnxExport.ModelFile,
                    ["session_options"] = new JsonObject { ["log_id"] = "onnxruntime-genai", ["provider_options"] = new JsonArray() },
                    ["head_size"] = DecoderGraph.CacheHeadSize(headSize),
                    ["hidden_size"] = hidden,
                    ["num_attention_heads"] = heads,
                    ["num_key_value_heads"] = kvHeads,
                    ["num_hidden_layers"] = model.LayerCount,
                    ["inputs"] = new JsonObject
                    {
                        ["input_ids"] = "input_ids",
                        ["attention_mask"] = "attention_mask",
                        ["past_key_names"] = PastKey,
                        ["past_value_names"] = PastValue,
                    },
                    ["outputs"] = new JsonObject
                    {
                        ["logits"] = "logits",
                        ["present_key_names"] = PresentKey,
                        ["present_value_names"] = PresentValue,
                    },
                },
            },
            ["search"] = new JsonObject
            {
                ["do_sample"] = false,
                ["num_beams"] = 1,
                ["num_return_sequences"] = 1,
                ["max_length"] = model.ContextWindow,
                ["min_length"] = 0,
                ["temperature"] = 1.0,
                ["top_k"] = 1,
                ["top_p"] = 1.0,
                ["repetition_penalty"] = 1.0,
                ["length_penalty"] = 1.0,
                ["no_repeat_ngram_size"] = 0,
                ["diversity_penalty"] = 0.0,
                ["early_stopping"] = true,
                ["past_present_share_buffer"] = false,
            },
        };
        File.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>The context window an export in <paramref name="directory"/> declares (<c>model.context_length</c>).</summary>
    public static int ContextLength(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) throw new ModelFormatException($"{directory} has no {FileName}", "export the model with model.quantize (its variants hold onnx/ folders), or serve the registered version, which exports it once");
        try
        {
            return JsonNode.Parse(File.ReadAllText(path))?["model"]?["context_length"]?.GetValue<int>()
                ?? throw new ModelFormatException($"{path} has no model.context_length", "export the model again with OnnxExport.Write");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new ModelFormatException($"{path} is not a readable GenAI configuration: {e.Message}", "export the model again with OnnxExport.Write");
        }
    }
}
