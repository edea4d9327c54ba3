using System.Diagnostics;
using System.Text.Json;
using NativeWan.Data;
using NativeWan.IO;
using NativeWan.Models.T5;
using NativeWan.Text;

namespace NativeWan.Caching;

/// <summary>Settings of a <see cref="TextCacher"/> run (musubi <c>wan_cache_text_encoder_outputs.py</c> flags).</summary>
public sealed record TextCacheOptions
{
    /// <summary>The umT5 file's identity (<see cref="CacheFiles.ModelIdentity"/>), part of every cache hash.</summary>
    public required string T5Identity { get; init; }
    /// <summary>The tokenizer's identity: "embedded" (inside the umT5 file), or a spiece.model's <see cref="CacheFiles.ModelIdentity"/>.</summary>
    public string TokenizerIdentity { get; init; } = "embedded";
    /// <summary><c>--text_len</c>: tokens per caption including EOS (Wan: 512); longer captions are truncated.</summary>
    public int TextLength { get; init; } = UmT5Tokenizer.WanTextLength;
    /// <summary><c>--keep_cache</c>: leave stale cache files in place.</summary>
    public bool KeepCache { get; init; }
    /// <summary><c>--skip_existing</c>: any existing cache file counts as done, hash or not.</summary>
    public bool SkipExisting { get; init; }
    /// <summary>Directory relative <c>cache_directory</c> paths are resolved against (null: the current directory).</summary>
    public string? BaseDirectory { get; init; }
}

/// <summary>
/// The text-encoder caching stage (musubi-tuner <c>wan_cache_text_encoder_outputs.py</c>): one cache per media file
/// (<see cref="DatasetCachePaths.TextPath"/>; a video's windows share it), holding the umT5 output of its caption
/// trimmed to the true token count, [L, dim] float32 (L = content tokens + EOS ≤ text_len), as Wan's
/// <c>T5EncoderModel.__call__</c> returns it. Tokens: <see cref="UmT5Tokenizer"/>. The encoder runs on the L real
/// tokens only: padding keys are masked (bias = float.MinValue, softmax weight exactly 0) and the relative bias depends
/// only on i − j, so the kept rows equal those of a padded run up to float summation order. A cache whose hash (caption,
/// umT5 and tokenizer identity, text_len) matches is skipped; identical captions are encoded once. Stale
/// <c>*_wan_te.safetensors</c> files are removed unless keep-cache is set. The encoder is loaded only when needed.
/// </summary>
public sealed class TextCacher
{
    readonly TextCacheOptions _o;

    /// <exception cref="ArgumentException">No T5 identity, or text length &lt; 1.</exception>
    public TextCacher(TextCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.T5Identity);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.TextLength, 1, "text_len");
        _o = options;
    }

    /// <summary>The hash of a caption's cache (JSON of caption and settings, SHA-256).</summary>
    public string Hash(string caption) => CacheFiles.ContentHash(JsonSerializer.Serialize(new
    {
        cache = "nativewan-text-v1",
        caption,
        t5 = _o.T5Identity,
        tokenizer = _o.TokenizerIdentity,
        text_len = _o.TextLength,
    }));

    sealed record Job(string Key, string MediaPath, string Caption, string Path, string Hash);

    /// <summary>Caches the caption of every media file of <paramref name="scan"/>.</summary>
    /// <param name="load">Loads tokenizer and encoder; called at most once, and only if a caption needs encoding.</param>
    /// <param name="progress">Called once per cache file, in order, on the calling thread.</param>
    /// <exception cref="DatasetException">A JSONL dataset without cache_directory (before anything is read).</exception>
    /// <exception cref="ModelFileException">Thrown by <paramref name="load"/>.</exception>
    /// <exception cref="ArgumentException">The tokenizer yields ids outside the encoder's vocabulary.</exception>
    public CacheReport Run(DatasetScanResult scan, Func<(UmT5Tokenizer Tokenizer, UmT5Encoder Encoder)> load,
        Action<CacheProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(load);
        var dirs = DatasetCachePaths.CacheDirectories(scan.Config, _o.BaseDirectory);
        var failures = new List<string>();
        var warnings = new List<string>();
        var expected = new HashSet<string>(StaleCaches.PathComparer);
        var jobs = new List<Job>();
        var byPath = new Dictionary<string, Job>(StaleCaches.PathComparer);
        var conflicted = new HashSet<string>(StaleCaches.PathComparer);
        foreach (var item in scan.Items)
        {
            var path = Path.GetFullPath(DatasetCachePaths.TextPath(dirs[item.DatasetIndex], item));
            expected.Add(path);
            if (byPath.TryGetValue(path, out var first))
            {
                if (first.Caption != item.Caption && conflicted.Add(item.MediaPath))
                    failures.Add($"{item.MediaPath}: same text cache file as {first.MediaPath} with a different caption; rename one of the files");
                continue;
            }
            var job = new Job(Path.GetFileNameWithoutExtension(item.MediaPath), item.MediaPath, item.Caption, path, Hash(item.Caption));
            byPath[path] = job;
            jobs.Add(job);
        }

        int total = jobs.Count, done = 0, encoded = 0, upToDate = 0;
        void Report(Job j, CacheItemStatus s, string detail, double sec) =>
            progress?.Invoke(new CacheProgress(++done, total, j.Key, j.Path, s, detail, sec));

        var pending = new List<Job>();
        foreach (var j in jobs)
        {
            ct.ThrowIfCancellationRequested();
            if (_o.SkipExisting && File.Exists(j.Path)) { upToDate++; Report(j, CacheItemStatus.UpToDate, "exists (--skip_existing)", 0); }
            else if (CacheFiles.IsUpToDate(j.Path, j.Hash)) { upToDate++; Report(j, CacheItemStatus.UpToDate, "up to date", 0); }
            else pending.Add(j);
        }

        if (pending.Count > 0)
        {
            var (tokenizer, encoder) = load();
            if (tokenizer.TextLength != _o.TextLength)
                throw new ArgumentException($"the tokenizer pads to {tokenizer.TextLength} tokens but text_len is {_o.TextLength}");
            // identical captions: encode once, in order of first use
            var done1 = new Dictionary<string, (float[] Context, int Length, string FirstKey)>(StringComparer.Ordinal);
            foreach (var j in pending)
            {
                ct.ThrowIfCancellationRequested();
                var sw = Stopwatch.StartNew();
                string note = "";
                if (!done1.TryGetValue(j.Caption, out var enc))
                {
                    var t = tokenizer.Encode(j.Caption);
                    if (t.Truncated)
                        warnings.Add($"{j.MediaPath}: caption has {t.ContentTokenCount} tokens; cut to {t.SeqLen - 1} (text_len {_o.TextLength} includes EOS)");
                    var ctx = EncodeTrimmed(encoder, t);
                    enc = (ctx, t.SeqLen, j.Key);
                    done1[j.Caption] = enc;
                }
                else note = $" (same caption as {enc.FirstKey})";
                try
                {
                    CacheFiles.WriteText(j.Path, enc.Context, enc.Length, encoder.Config.Dim, j.Caption, j.Hash);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    failures.Add($"{j.MediaPath}: cannot write {j.Path}: {e.Message}");
                    Report(j, CacheItemStatus.Failed, e.Message, sw.Elapsed.TotalSeconds);
                    continue;
                }
                encoded++;
                Report(j, CacheItemStatus.Encoded, $"context [{enc.Length}, {encoder.Config.Dim}]{note}", sw.Elapsed.TotalSeconds);
            }
        }

        var (stale, errors) = StaleCaches.Clean(dirs, CacheFiles.TextFilePattern, expected, _o.KeepCache);
        return new CacheReport(encoded, upToDate, failures, _o.KeepCache ? [] : stale, _o.KeepCache ? stale : [], warnings, errors);
    }

    /// <summary>The encoder output [SeqLen, dim] of one tokenized caption, computed on its SeqLen real tokens.</summary>
    public static float[] EncodeTrimmed(UmT5Encoder encoder, UmT5Encoding tokens)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(tokens);
        var ids = tokens.Ids.AsSpan(0, tokens.SeqLen).ToArray();
        var mask = tokens.Mask.AsSpan(0, tokens.SeqLen).ToArray();
        return encoder.Encode(ids, mask);
    }
}
