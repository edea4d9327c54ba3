using NativeWan.IO.SafeTensors;
using NativeWan.Models.T5;
using NativeWan.Text;

namespace NativeWan.Tests.Models.T5;

public class UmT5RandomInitTests
{
    [Fact]
    public void GeneratedEncoderLoadsWithItsConfigAndEmbeddedTokenizer()
    {
        var spm = File.ReadAllBytes(Golden.Path("tokenizer", "spiece.model"));
        var tok = SentencePieceModel.Load(spm, "spiece.model");
        var cfg = new UmT5Config(tok.PieceCount, 32, 32, 64, 2, 2, 32);
        var path = Path.Combine(Path.GetTempPath(), $"nw-t5-{Guid.NewGuid():N}.safetensors");
        try
        {
            UmT5RandomInit.Create(cfg, 3, spm).Save(path);
            using var src = SafeTensorsFile.Open(path);
            Assert.Equal(cfg, UmT5Config.FromWeights(src));
            var enc = UmT5Encoder.Load(src);
            var t = new UmT5Tokenizer(SentencePieceModel.FromTensorSource(src), 16).Encode("a red brick wall");
            var h = enc.Encode(t.Ids, t.Mask);
            Assert.Equal(t.SeqLen * cfg.Dim, h.Length);
            Assert.All(h, v => Assert.True(float.IsFinite(v)));
        }
        finally { File.Delete(path); }
    }
}
