using System.Globalization;
using Reconciler.Core.Compose.Environment;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose.Loading;

/// <summary>
/// What one load has spent of its <see cref="LoadLimits"/>: files read, YAML nodes built (aliases,
/// merge keys, extends and port ranges count their copies) and characters produced by
/// interpolation. Past a limit the load stops with a <see cref="ComposeException"/> naming the limit
/// as the daemon's config spells it (<c>limits.max_nodes</c>), so the author knows what to change.
/// </summary>
internal sealed class LoadBudget
{
    private int _files;
    private long _nodes;

    public LoadBudget(LoadLimits limits)
    {
        Limits = limits;
        Expansion = new ExpansionBudget(limits.MaxValueBytes, limits.MaxExpandedBytes);
    }

    public LoadLimits Limits { get; }

    /// <summary>Shared by every interpolation of the load: the project's files and all env files.</summary>
    public ExpansionBudget Expansion { get; }

    public int MaxDepth => Math.Min(Limits.MaxDepth, LoadLimits.DepthCeiling);

    /// <summary>Counts one file about to be read, of <paramref name="length"/> bytes.</summary>
    public void CountFile(string path, long length)
    {
        var where = new Mark(path, 0, 0);
        if (++_files > Limits.MaxFiles)
            throw Exceeded($"the project reads more than {Count(Limits.MaxFiles)} files", "max_files", where);
        if (length > Limits.MaxFileBytes)
            throw Exceeded($"file is {Count(length)} bytes, over the limit of {Size(Limits.MaxFileBytes)}", "max_file_size", where);
    }

    /// <summary>Counts <paramref name="count"/> nodes about to be built (or copied) at <paramref name="where"/>.</summary>
    public void CountNodes(long count, Mark where)
    {
        _nodes += count;
        if (_nodes > Limits.MaxNodes)
            throw Exceeded($"the project expands to more than {Count(Limits.MaxNodes)} YAML nodes (copies made by aliases, merge keys, extends and port ranges count)", "max_nodes", where);
    }

    public ComposeException TooDeep(Mark where, string what = "YAML collections") =>
        Exceeded($"{what} nested deeper than {Count(MaxDepth)} levels", "max_depth", where);

    public static ComposeException Exceeded(string message, string setting, Mark? where) =>
        new(Diagnostic.Error($"{message} ({Setting(setting)})", where));

    /// <summary>A limit as written in the daemon's config: <c>limits.max_file_size</c>.</summary>
    public static string Setting(string name) => "limits." + name;

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A byte size as people write it: 4 MiB, 512 KiB, or a count of bytes.</summary>
    public static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{Count(bytes >> 30)} GiB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{Count(bytes >> 20)} MiB",
        >= 1L << 10 when bytes % (1L << 10) == 0 => $"{Count(bytes >> 10)} KiB",
        _ => $"{Count(bytes)} bytes",
    };
}
