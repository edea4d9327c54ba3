namespace NativeWan.Caching;

/// <summary>What happened to one cache file.</summary>
public enum CacheItemStatus
{
    /// <summary>Computed and written.</summary>
    Encoded,
    /// <summary>Already up to date (its stored hash matches), or present with <c>--skip_existing</c>; not touched.</summary>
    UpToDate,
    /// <summary>Could not be made (unreadable media, encoder error…); see the reason.</summary>
    Failed,
}

/// <summary>One finished cache file, reported as the run goes.</summary>
/// <param name="Index">1-based position among <paramref name="Total"/>.</param>
/// <param name="Total">Cache files this run handles.</param>
/// <param name="Key">Item key (latents) or media stem (text).</param>
/// <param name="CachePath">The cache file.</param>
/// <param name="Status">The outcome.</param>
/// <param name="Detail">Shape or reason, for the progress line.</param>
/// <param name="Seconds">Wall time spent on it.</param>
public sealed record CacheProgress(int Index, int Total, string Key, string CachePath, CacheItemStatus Status, string Detail, double Seconds);

/// <summary>Outcome of a <see cref="LatentCacher"/> or <see cref="TextCacher"/> run.</summary>
/// <param name="Encoded">Cache files written.</param>
/// <param name="UpToDate">Cache files skipped because they were up to date (or existed, with skip-existing).</param>
/// <param name="Failures">One line per failed cache file, naming the media file and the reason.</param>
/// <param name="Removed">Stale cache files deleted (files matching the cache pattern that no item produced).</param>
/// <param name="Kept">Stale cache files left in place because keep-cache was set.</param>
/// <param name="Warnings">Notes that do not fail the run (truncated captions, an old cache left beside a failed item…).</param>
/// <param name="Errors">Problems outside any one item that fail the run (a stale cache that could not be deleted).</param>
public sealed record CacheReport(
    int Encoded, int UpToDate, IReadOnlyList<string> Failures, IReadOnlyList<string> Removed, IReadOnlyList<string> Kept,
    IReadOnlyList<string> Warnings, IReadOnlyList<string> Errors)
{
    /// <summary>Cache files that could not be made.</summary>
    public int Failed => Failures.Count;

    /// <summary>True when nothing failed: every cache file exists and is up to date, and the clean-up worked.</summary>
    public bool Succeeded => Failures.Count == 0 && Errors.Count == 0;

    /// <summary>One line: "N encoded, N up to date, N failed, N stale removed (N kept)".</summary>
    public string Summary =>
        $"{Encoded} encoded, {UpToDate} up to date, {Failed} failed, {Removed.Count} stale removed"
        + (Kept.Count > 0 ? $", {Kept.Count} stale kept" : "");
}
