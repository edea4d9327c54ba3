using System.Text.Json;
using NativeWan.Text;

namespace NativeWan.Tests.Text;

/// <summary>Cached golden files of golden/tokenizer/ (README.md there): models and parsed cases JSON.</summary>
internal static class TokenizerGolden
{
    /// <summary>The two golden sets: cases file and the model file it names.</summary>
    public static readonly string[] CaseFiles = ["cases.json", "cases_bytefallback.json"];

    static readonly Dictionary<string, JsonDocument> Docs = new();
    static readonly Dictionary<string, SentencePieceModel> Models = new();
    static readonly object Gate = new();

    public static JsonElement Root(string caseFile)
    {
        lock (Gate)
        {
            if (!Docs.TryGetValue(caseFile, out var doc))
            {
                doc = JsonDocument.Parse(File.ReadAllBytes(Golden.Path("tokenizer", caseFile)));
                Docs[caseFile] = doc;
            }
            return doc.RootElement;
        }
    }

    public static string ModelPath(string caseFile) => Golden.Path("tokenizer", Root(caseFile).GetProperty("model").GetString()!);

    public static SentencePieceModel Model(string caseFile)
    {
        string path = ModelPath(caseFile);
        lock (Gate)
        {
            if (!Models.TryGetValue(path, out var model))
            {
                model = SentencePieceModel.LoadFile(path);
                Models[path] = model;
            }
            return model;
        }
    }

    public static JsonElement Case(string caseFile, string section, string name) =>
        Root(caseFile).GetProperty(section).EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();

    public static string[] Strings(JsonElement e) => e.EnumerateArray().Select(x => x.GetString()!).ToArray();

    /// <summary>(case file, case name) for every entry of <paramref name="section"/> in both case files.</summary>
    public static TheoryData<string, string> Named(string section)
    {
        var data = new TheoryData<string, string>();
        foreach (var file in CaseFiles)
            foreach (var c in Root(file).GetProperty(section).EnumerateArray())
                data.Add(file, c.GetProperty("name").GetString()!);
        return data;
    }

    /// <summary>(case file, index) for every entry of <paramref name="section"/> (entries without names).</summary>
    public static TheoryData<string, int> Indexed(string section)
    {
        var data = new TheoryData<string, int>();
        foreach (var file in CaseFiles)
            for (int i = 0; i < Root(file).GetProperty(section).GetArrayLength(); i++)
                data.Add(file, i);
        return data;
    }
}
