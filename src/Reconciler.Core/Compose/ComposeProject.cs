using System.Collections.Immutable;
using Reconciler.Core.Compose.Output;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Compose;

/// <summary>
/// A loaded, normalized compose project: what docker compose would run. Holds the canonical tree
/// (for printing exactly as <c>docker compose config</c>) and the typed model the planner reads.
/// </summary>
public sealed partial record ComposeProject
{
    public required string Name { get; init; }
    /// <summary>The project directory relative paths were resolved against.</summary>
    public required string WorkingDir { get; init; }
    public ImmutableArray<string> ConfigFiles { get; init; } = [];
    /// <summary>The variables the project was interpolated with (process environment + .env).</summary>
    public ImmutableDictionary<string, string> Environment { get; init; } = ImmutableDictionary<string, string>.Empty;

    internal MappingNode Canonical { get; init; } = null!;

    public string ToJson() => CanonicalWriter.ToJson(Canonical);
    public string ToYaml() => CanonicalWriter.ToYaml(Canonical);

    internal static ComposeProject FromCanonical(MappingNode canonical, string workingDir, ImmutableArray<string> files,
        ImmutableDictionary<string, string> environment)
    {
        var name = (canonical["name"] as ScalarNode)?.Value ?? "";
        return new ComposeProject
        {
            Name = name,
            WorkingDir = workingDir,
            ConfigFiles = files,
            Environment = environment,
            Canonical = canonical,
        };
    }
}

public sealed partial record ComposeProject
{
    /// <summary>The enabled services' names, sorted.</summary>
    public IEnumerable<string> ServiceNames =>
        (Canonical["services"] as MappingNode)?.Keys.OrderBy(k => k, StringComparer.Ordinal) ?? Enumerable.Empty<string>();

    /// <summary>One service as canonical JSON (what <c>docker compose config</c> prints for it).</summary>
    public string ServiceJson(string service) =>
        Canonical["services"] is MappingNode s && s[service] is { } node ? CanonicalWriter.ToJson(node) : "null";
}
