namespace Reconciler.Core.Compose;

/// <summary>
/// The budget a load may spend. The daemon loads files written by whoever can push to the branch,
/// so no input may overflow the stack, exhaust memory or take unbounded time: past a limit the load
/// fails with a diagnostic naming the limit and where it was hit (a failure of that commit, never a
/// crash or a transient error). Defaults sit far above any real compose project (the largest of the
/// real-world corpus is under 100 KB and nests 9 levels) and are documented in the README.
/// </summary>
public sealed record LoadLimits
{
    public static readonly LoadLimits Default = new();

    /// <summary>Size of any one file the loader reads (compose file, .env, env_file, include, extends).</summary>
    public long MaxFileBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Files read in one load (compose files, includes, extends targets, env files).</summary>
    public int MaxFiles { get; init; } = 256;

    /// <summary>
    /// Nesting of YAML collections (block or flow), checked while parsing, before any tree is built;
    /// also the longest <c>extends</c> chain. Values above <see cref="DepthCeiling"/> act as the ceiling.
    /// </summary>
    public int MaxDepth { get; init; } = 128;

    /// <summary>The most <see cref="MaxDepth"/> can allow: the JSON the project is printed as and re-read from nests a little deeper, and System.Text.Json's readers and writers stop at 1,000 levels.</summary>
    public const int DepthCeiling = 512;

    /// <summary>YAML nodes in one load, aliases expanded (a "billion laughs" file stops here).</summary>
    public int MaxNodes { get; init; } = 1_000_000;

    /// <summary>Length of one value after interpolation (and of one variable in an env file).</summary>
    public int MaxValueBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Characters produced by interpolation over the whole load (project files and env files).
    /// 16 MiB: at 64 MiB a project that used it all peaked at 471 MiB of memory (bench/limits).
    /// </summary>
    public long MaxExpandedBytes { get; init; } = 16 * 1024 * 1024;
}
