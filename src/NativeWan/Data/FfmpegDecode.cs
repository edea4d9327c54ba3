using System.Globalization;

namespace NativeWan.Data;

/// <summary>Shared ffmpeg decode pipeline: video stream 0 → (fps filter) → rgb24 PPM pictures on stdout.</summary>
internal static class FfmpegDecode
{
    internal readonly record struct Result(int Frames, int ExitCode, string StderrTail);

    /// <summary>
    /// Decodes <paramref name="full"/> and calls <paramref name="onFrame"/>(index, picture) for each output frame in
    /// presentation order; returning false stops decoding. <paramref name="maxFrames"/> limits the output frames
    /// (<c>-frames:v</c>). A non-zero ffmpeg exit code is a <see cref="MediaException"/> unless decoding was stopped early.
    /// </summary>
    internal static Result Run(string full, double? targetFps, int? maxFrames, TimeSpan timeout, CancellationToken ct,
        Func<int, RgbImage, bool> onFrame)
    {
        var args = new List<string>
        {
            "-hide_banner", "-nostdin", "-v", "error",
            "-sws_flags", "bicubic+accurate_rnd+full_chroma_int",
            "-i", FfmpegProcess.InputArg(full),
            "-map", "0:v:0", "-an", "-sn", "-dn",
        };
        if (targetFps is { } fps)
        {
            if (!(fps > 0) || !double.IsFinite(fps)) throw new ArgumentOutOfRangeException(nameof(targetFps), fps, "target fps must be positive");
            args.Add("-vf");
            args.Add("fps=" + fps.ToString("R", CultureInfo.InvariantCulture));
        }
        if (maxFrames is { } mf)
        {
            if (mf <= 0) throw new ArgumentOutOfRangeException(nameof(maxFrames), mf, "max frames must be positive");
            args.Add("-frames:v");
            args.Add(mf.ToString(CultureInfo.InvariantCulture));
        }
        args.AddRange(["-pix_fmt", "rgb24", "-f", "image2pipe", "-c:v", "ppm", "pipe:1"]);

        int count = 0;
        var r = FfmpegProcess.Run(FfmpegProcess.FfmpegPath, args, full, timeout, ct, stdout =>
        {
            var reader = new PpmStreamReader(stdout, full);
            while (reader.Next() is { } frame)
            {
                ct.ThrowIfCancellationRequested();
                if (!onFrame(count++, frame)) return false;
            }
            return true;
        });
        if (!r.StoppedEarly && r.ExitCode != 0)
            throw new MediaException(full, $"ffmpeg failed to decode (exit code {r.ExitCode}){FfmpegProcess.FormatTail(r.StderrTail)}");
        return new Result(count, r.ExitCode, r.StderrTail);
    }
}
