using System.Collections.Immutable;
using System.Globalization;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Model;
using Reconciler.Core.Compose.Yaml;
using Reconciler.Core.Desired;

namespace Reconciler.Core.Building;

/// <summary>
/// Reads each service's <c>build:</c> section from a loaded project into a <see cref="BuildSpec"/>, or
/// says, at the key and its file:line, what the engine's builder cannot do. Reconciler builds through
/// <c>POST /build</c> with the engine's legacy builder (what an engine of 20.10 and later runs without
/// BuildKit's session), which takes one local context and no secrets, ssh agents, extra contexts,
/// cache exports or multi-platform output: those keys are errors, never silently dropped. Paths go
/// through <see cref="IFileSource.Refusal"/>, so the daemon's confinement to the stack's tree holds
/// for what a build sends to the engine as well.
/// </summary>
public static class BuildSpecReader
{
    /// <summary>Keys only BuildKit serves, with what to do instead.</summary>
    private static readonly (string Key, string Why)[] BuildKitOnly =
    [
        ("ssh", "forwarding an ssh agent needs BuildKit"),
        ("secrets", "build secrets need BuildKit; pass what the build needs as a file of the context or an arg"),
        ("additional_contexts", "more than one context needs BuildKit"),
        ("cache_to", "exporting a cache needs BuildKit"),
        ("entitlements", "entitlements need BuildKit"),
        ("provenance", "attestations need BuildKit"),
        ("sbom", "attestations need BuildKit"),
    ];

    public static BuildSpecs Read(ComposeProject project, IFileSource files)
    {
        ArgumentNullException.ThrowIfNull(project);
        ArgumentNullException.ThrowIfNull(files);
        var specs = ImmutableSortedDictionary.CreateBuilder<string, BuildSpec>(StringComparer.Ordinal);
        var errors = new List<Diagnostic>();
        if (project.Canonical["services"] is not MappingNode services) return new BuildSpecs(specs.ToImmutable(), []);
        foreach (var (name, node) in services.Entries)
        {
            if (node is not MappingNode s || s["build"] is not MappingNode build) continue;
            var before = errors.Count;
            var spec = Read(project.Name, name, s, build, files, errors);
            if (errors.Count == before && spec is not null) specs[name] = spec;
        }
        return new BuildSpecs(specs.ToImmutable(), [.. errors]);
    }

    private static BuildSpec? Read(string project, string service, MappingNode s, MappingNode build, IFileSource files, List<Diagnostic> errors)
    {
        string PathOf(string key) => $"services.{Excerpt.Of(service)}.build.{key}";
        Mark At(string key) => build.ContainsKey(key) ? build.KeyMark(key) : s.KeyMark("build");
        void Error(string key, string message) => errors.Add(Diagnostic.Error(message, At(key), PathOf(key)));

        foreach (var (key, why) in BuildKitOnly)
            if (build.ContainsKey(key) && !IsEmpty(build[key]))
                Error(key, $"not supported: Reconciler builds with the engine's builder, and {why}");
        if (build.Bool("privileged")) Error("privileged", "not supported: privileged builds need BuildKit");
        var platforms = build.Strings("platforms");
        if (platforms.Count > 1)
            Error("platforms", $"not supported: the engine's builder builds one platform, {platforms.Count.ToString(CultureInfo.InvariantCulture)} are named");
        var cacheFrom = build.Strings("cache_from");
        // BuildKit's forms (type=registry,ref=…; type=local,src=…) against the plain image references the builder takes.
        foreach (var c in cacheFrom.Where(c => c.Contains('=', StringComparison.Ordinal)))
            Error("cache_from", $"{Excerpt.Quoted(c)} is a BuildKit cache source; the engine's builder takes image references only");

        var context = build.Str("context") ?? "";
        if (IsRemote(context))
        {
            Error("context", $"{Excerpt.Quoted(context)}: remote contexts are not supported; build from a folder of the repository");
            return null;
        }
        if (files.Refusal(context) is { } refused)
        {
            Error("context", $"{Excerpt.Of(context)} {refused}");
            return null;
        }
        if (!files.DirectoryExists(context))
        {
            Error("context", $"{Excerpt.Of(context)}: no such folder");
            return null;
        }

        var inline = build.Str("dockerfile_inline");
        string? dockerfile = null;
        if (inline is null)
        {
            var written = build.Str("dockerfile") is { Length: > 0 } d ? d : "Dockerfile";
            dockerfile = Path.GetFullPath(Path.Combine(context, written));
            if (files.Refusal(dockerfile) is { } dockerfileRefused)
            {
                Error("dockerfile", $"{Excerpt.Of(written)} {dockerfileRefused}");
                return null;
            }
            if (!files.FileExists(dockerfile))
            {
                Error("dockerfile", $"{Excerpt.Of(written)}: no such file in the build context");
                return null;
            }
        }

        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in build.Pairs("labels")) labels[k] = v ?? "";
        // compose labels what it builds with the project and service, so docker compose down --rmi local finds it.
        labels[ComposeLabels.Project] = project;
        labels[ComposeLabels.Service] = service;
        labels[ComposeLabels.Version] = ComposeLabels.CompatibleComposeVersion;

        return new BuildSpec
        {
            Context = context,
            Dockerfile = dockerfile,
            DockerfileInline = inline,
            Args = build.Pairs("args").Where(a => a.Value is not null).ToImmutableSortedDictionary(a => a.Key, a => a.Value!, StringComparer.Ordinal),
            Target = build.Str("target"),
            Labels = labels.ToImmutableSortedDictionary(StringComparer.Ordinal),
            Network = build.Str("network"),
            // compose prints host=ip; the engine takes host:ip.
            ExtraHosts = [.. build.Strings("extra_hosts").Select(h => h.IndexOf('=', StringComparison.Ordinal) is var i and >= 0 ? h[..i] + ":" + h[(i + 1)..] : h)],
            ShmSize = build.Long("shm_size"),
            CacheFrom = [.. cacheFrom],
            NoCache = build.Bool("no_cache"),
            Pull = build.Bool("pull"),
            Tags = [.. build.Strings("tags")],
            Ulimits = Ulimits(build),
            Isolation = build.Str("isolation"),
            Platform = platforms.Count == 1 ? platforms[0] : null,
            ImageNamed = s.Str("image") is not null,
        };
    }

    /// <summary>As the service's <c>ulimits</c>: a single number is both limits.</summary>
    private static ImmutableArray<UlimitSpec> Ulimits(MappingNode build)
    {
        if (build.Map("ulimits") is not { } map) return [];
        var limits = new List<UlimitSpec>();
        foreach (var (name, value) in map.Entries)
        {
            if (value is MappingNode m) limits.Add(new UlimitSpec(name, m.Long("soft"), m.Long("hard")));
            else if (value is ScalarNode sv && long.TryParse(sv.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) limits.Add(new UlimitSpec(name, n, n));
        }
        return [.. limits.OrderBy(l => l.Name, StringComparer.Ordinal)];
    }

    private static bool IsEmpty(Node? node) => node switch
    {
        null => true,
        ScalarNode sc => sc.IsNull || sc.Value is "" or "false",
        SequenceNode seq => seq.Items.Count == 0,
        MappingNode map => map.Count == 0,
        _ => false,
    };

    /// <summary>compose's remote contexts: a git or http URL, kept as written by the loader.</summary>
    private static bool IsRemote(string context) =>
        context.Contains("://", StringComparison.Ordinal) || context.StartsWith("git@", StringComparison.Ordinal)
        || context.StartsWith("github.com/", StringComparison.Ordinal);
}
