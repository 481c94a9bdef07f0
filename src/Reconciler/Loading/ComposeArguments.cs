using System.Collections.Immutable;
using Reconciler.Core.Compose;

namespace Reconciler.Loading;

/// <summary>
/// What a load is asked for in <c>docker compose</c>'s own terms: the CLI's flags as typed, or a
/// stack's config read as if it were those flags. Says nothing about which files may be read or
/// which variables interpolate the files; <see cref="LoadPolicy"/> adds that.
/// </summary>
internal sealed record ComposeArguments
{
    /// <summary>-f, in order; empty means compose's discovery (compose.yaml and its override).</summary>
    public ImmutableArray<string> Files { get; init; } = [];
    /// <summary>-p.</summary>
    public string? ProjectName { get; init; }
    /// <summary>--project-directory.</summary>
    public string? ProjectDirectory { get; init; }
    /// <summary>Where relative -f paths and discovery start.</summary>
    public required string WorkingDirectory { get; init; }
    /// <summary>--env-file.</summary>
    public ImmutableArray<string> EnvFiles { get; init; } = [];
    /// <summary>--profile.</summary>
    public ImmutableArray<string> Profiles { get; init; } = [];
    /// <summary>What the load may spend; the CLI keeps the defaults, a stack may set its own.</summary>
    public LoadLimits Limits { get; init; } = LoadLimits.Default;
}
