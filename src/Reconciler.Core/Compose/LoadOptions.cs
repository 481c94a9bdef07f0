using System.Collections.Immutable;

namespace Reconciler.Core.Compose;

/// <summary>What <c>docker compose</c> takes on its command line and from its environment, as data.</summary>
public sealed record LoadOptions
{
    /// <summary>-f files in order; empty means discover compose.yaml (and its override) in the working directory.</summary>
    public ImmutableArray<string> Files { get; init; } = [];
    /// <summary>-p; wins over COMPOSE_PROJECT_NAME and the file's <c>name:</c>.</summary>
    public string? ProjectName { get; init; }
    /// <summary>--project-directory; defaults to the first file's directory.</summary>
    public string? ProjectDirectory { get; init; }
    /// <summary>Where relative -f paths and discovery start (the process's current directory).</summary>
    public required string WorkingDirectory { get; init; }
    /// <summary>--env-file files; when given they replace the project's default <c>.env</c>.</summary>
    public ImmutableArray<string> EnvFiles { get; init; } = [];
    /// <summary>--profile values (also COMPOSE_PROFILES).</summary>
    public ImmutableArray<string> Profiles { get; init; } = [];
    /// <summary>The process environment; it wins over <c>.env</c>.</summary>
    public ImmutableDictionary<string, string> Environment { get; init; } = ImmutableDictionary<string, string>.Empty;
    /// <summary>The user's home, for <c>~</c> in bind mounts.</summary>
    public string? HomeDirectory { get; init; }
    /// <summary>What the load may spend (sizes, depth, expansion); see <see cref="LoadLimits"/>.</summary>
    public LoadLimits Limits { get; init; } = LoadLimits.Default;
    /// <summary>
    /// Keep top-level secrets and configs no service mounts (compose drops them; <c>docker stack
    /// deploy</c> creates them all, and a credential spec's config is not a mount).
    /// </summary>
    public bool KeepUnusedSecretsAndConfigs { get; init; }
}
