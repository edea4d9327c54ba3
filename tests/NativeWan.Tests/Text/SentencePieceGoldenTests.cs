using System.Security.Cryptography;
using System.Text.Json;
using NativeWan.Text;
using static NativeWan.Tests.Text.TokenizerGolden;

namespace NativeWan.Tests.Text;

/// <summary>
/// SentencePiece encode/decode against the reference library's output (golden/tokenizer/cases*.json, produced
/// with sentencepiece 0.1.97): every case must match exactly.
/// </summary>
public class SentencePieceGoldenTests
{
    public static TheoryData<string, string> Cases => Named("cases");
    public static TheoryData<string, int> DecodeOnly => Indexed("decode_only");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encode_MatchesReference(string caseFile, string name)
    {
        var model = Model(caseFile);
        var c = Case(caseFile, "cases", name);
        string text = c.GetProperty("text").GetString()!;

        Assert.Equal(Ints(c.GetProperty("ids")), model.Encode(text));
        var pieces = model.EncodeAsPieces(text);
        Assert.Equal(Strings(c.GetProperty("pieces")), pieces);
        Assert.Equal(c.GetProperty("normalized").GetString(), string.Concat(pieces));

        // The normalizer alone: the main model's `normalized` has no byte pieces, so it is the normalized text
        // for both models (they share the charsmap and whitespace flags).
        string normalized = Case("cases.json", "cases", name).GetProperty("normalized").GetString()!;
        Assert.Equal(normalized, model.Normalize(text));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decode_MatchesReference(string caseFile, string name)
    {
        var model = Model(caseFile);
        var c = Case(caseFile, "cases", name);
        var ids = Ints(c.GetProperty("ids"));
        var idsEos = Ints(c.GetProperty("ids_eos"));
        Assert.Equal([.. ids, model.EosId], idsEos);
        Assert.Equal(c.GetProperty("decoded").GetString(), model.Decode(ids));
        Assert.Equal(c.GetProperty("decoded_eos").GetString(), model.Decode(idsEos));
    }

    [Theory]
    [MemberData(nameof(DecodeOnly))]
    public void DecodeOnly_MatchesReference(string caseFile, int index)
    {
        var model = Model(caseFile);
        var c = Root(caseFile).GetProperty("decode_only")[index];
        var ids = Ints(c.GetProperty("ids"));
        Assert.Equal(Strings(c.GetProperty("pieces")), ids.Select(model.IdToPiece).ToArray());
        Assert.Equal(c.GetProperty("decoded").GetString(), model.Decode(ids));
    }

    [Theory]
    [InlineData("cases.json")]
    [InlineData("cases_bytefallback.json")]
    public void Load_ReadsSpecAndVocabulary(string caseFile)
    {
        var root = Root(caseFile);
        string path = ModelPath(caseFile);
        Assert.Equal(root.GetProperty("model_sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
        var model = Model(caseFile);
        var spec = root.GetProperty("spec");
        var trainer = spec.GetProperty("trainer_spec");
        var normalizer = spec.GetProperty("normalizer_spec");
        var special = root.GetProperty("special_ids");

        Assert.Equal(spec.GetProperty("vocab_size").GetInt32(), model.PieceCount);
        Assert.Equal(special.GetProperty("pad").GetInt32(), model.PadId);
        Assert.Equal(special.GetProperty("eos").GetInt32(), model.EosId);
        Assert.Equal(special.GetProperty("unk").GetInt32(), model.UnkId);
        Assert.Equal(special.GetProperty("bos").GetInt32(), model.BosId);
        Assert.Equal(trainer.GetProperty("byte_fallback").GetBoolean(), model.ByteFallback);
        Assert.Equal(trainer.GetProperty("unk_surface").GetString(), model.UnknownSurface);
        Assert.Equal(normalizer.GetProperty("name").GetString(), model.NormalizerName);
        Assert.Equal(normalizer.GetProperty("add_dummy_prefix").GetBoolean(), model.AddDummyPrefix);
        Assert.Equal(normalizer.GetProperty("remove_extra_whitespaces").GetBoolean(), model.RemoveExtraWhitespaces);
        Assert.Equal(normalizer.GetProperty("escape_whitespaces").GetBoolean(), model.EscapeWhitespaces);

        var typeCounts = Enumerable.Range(0, model.PieceCount).GroupBy(model.GetPieceType)
            .ToDictionary(g => g.Key.ToString().ToUpperInvariant(), g => g.Count());
        var expectedCounts = spec.GetProperty("piece_types").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
        Assert.Equal(expectedCounts.OrderBy(p => p.Key), typeCounts.OrderBy(p => p.Key));

        // The .vocab file beside the model: "piece<TAB>score" per id.
        var lines = File.ReadAllLines(Path.ChangeExtension(path, ".vocab"));
        Assert.Equal(model.PieceCount, lines.Length);
        float min = float.MaxValue, max = float.MinValue;
        for (int id = 0; id < lines.Length; id++)
        {
            var parts = lines[id].Split('\t');
            Assert.Equal(parts[0], model.IdToPiece(id));
            // .vocab prints scores with 6 significant digits.
            double printed = double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(Math.Abs(model.GetScore(id) - printed), 0, 6e-6 * Math.Max(1, Math.Abs(printed)));
            Assert.Equal(id, model.PieceToId(parts[0]));
            if (model.GetPieceType(id) == SentencePieceType.Normal)
            {
                min = Math.Min(min, model.GetScore(id));
                max = Math.Max(max, model.GetScore(id));
            }
        }
        Assert.Equal(spec.GetProperty("min_score").GetDouble(), min, 6);
        Assert.Equal(spec.GetProperty("max_score").GetDouble(), max, 6);
    }

    [Fact]
    public void Load_FromEmbeddedSafetensorsBytes_EncodesLikeTheFile()
    {
        // Minimal safetensors read: 8-byte LE header length, JSON header, data; tensor `spiece_model` (U8).
        var file = File.ReadAllBytes(Golden.Path("tokenizer", "umt5_tokenizer_embedded.safetensors"));
        long headerLength = BitConverter.ToInt64(file, 0);
        using var header = JsonDocument.Parse(file.AsMemory(8, (int)headerLength));
        var tensor = header.RootElement.GetProperty("spiece_model");
        Assert.Equal("U8", tensor.GetProperty("dtype").GetString());
        var offsets = tensor.GetProperty("data_offsets");
        int begin = 8 + (int)headerLength + offsets[0].GetInt32(), end = 8 + (int)headerLength + offsets[1].GetInt32();

        var embedded = SentencePieceModel.Load(file.AsSpan(begin, end - begin), "umt5_tokenizer_embedded.safetensors:spiece_model");
        var reference = Model("cases.json");
        Assert.Equal(reference.PieceCount, embedded.PieceCount);
        foreach (var c in Root("cases.json").GetProperty("cases").EnumerateArray())
            Assert.Equal(Ints(c.GetProperty("ids")), embedded.Encode(c.GetProperty("text").GetString()!));
    }
}
