using System.Collections.Immutable;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Model;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Swarm;

/// <summary>
/// Turns a loaded compose project into the objects <c>docker stack deploy</c> creates for stack
/// <c>S</c> (docker/cli 20.10: cli/compose/convert and cli/command/stack/swarm/deploy_composefile.go):
/// the networks the services use (overlay, <c>S_key</c>), every non-external secret and config with
/// its content, and one service spec per service. Pure: secret and config files are read through
/// <see cref="IFileSource"/>, which refuses what the stack may not reach.
/// </summary>
public static class SwarmStackConverter
{
    /// <summary>The CLI's default driver for a stack's networks (deploy_composefile.go: defaultNetworkDriver).</summary>
    public const string DefaultNetworkDriver = "overlay";

    /// <summary>Swarm refuses secrets and configs over 500 KiB (swarmkit's MaxSecretSize and MaxConfigSize); larger files are not even read.</summary>
    public const long MaxObjectBytes = 500 * 1024;

    public static SwarmConversion Convert(ComposeProject project, string stack, IFileSource files)
    {
        var diagnostics = new List<Diagnostic>();
        var root = project.Canonical;
        var names = new SwarmNames(project.Name, stack);
        var services = root.Map("services") ?? new MappingNode(root.Mark);
        var networks = root.Map("networks") ?? new MappingNode(root.Mark);

        var unsupported = new SortedSet<string>(StringComparer.Ordinal);
        var deprecated = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var forbidden = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, node) in services.Entries)
            if (node is MappingNode s) SwarmCompatibility.Check(name, s, diagnostics, unsupported, deprecated, forbidden);
        if (forbidden.Count > 0)
        {
            // The CLI stops at the first file that has any; the per-key errors above say where each one is.
            diagnostics.Insert(0, Diagnostic.Error(SwarmCompatibility.ForbiddenMessage(forbidden)));
            return new SwarmConversion(null, [.. diagnostics]);
        }

        var (created, external) = Networks(names, services, networks, diagnostics);
        var secrets = Objects(SwarmObjectKind.Secret, names, root, files, diagnostics);
        var configs = Objects(SwarmObjectKind.Config, names, root, files, diagnostics);

        var specs = ImmutableSortedDictionary.CreateBuilder<string, SwarmServiceSpec>(StringComparer.Ordinal);
        foreach (var (name, node) in services.Entries)
        {
            if (node is not MappingNode s) continue;
            if (SwarmServiceConverter.Convert(names, name, s, root, diagnostics) is { } spec) specs[name] = spec;
        }

        if (diagnostics.Any(d => d.Severity == Severity.Error)) return new SwarmConversion(null, [.. diagnostics]);
        return new SwarmConversion(new SwarmStack
        {
            Name = stack,
            Networks = created,
            ExternalNetworks = external,
            Secrets = secrets,
            Configs = configs,
            Services = specs.ToImmutable(),
            Warnings = [.. diagnostics],
            CliWarnings = SwarmCompatibility.CliLines(unsupported, deprecated),
        }, [.. diagnostics]);
    }

    /// <summary>
    /// The networks the services use (the CLI creates no other): a service without networks uses
    /// <c>default</c>. External ones are only checked by the adapter: they must exist with swarm scope.
    /// </summary>
    private static (ImmutableSortedDictionary<string, SwarmNetworkSpec>, ImmutableArray<string>) Networks(
        SwarmNames names, MappingNode services, MappingNode networks, List<Diagnostic> diagnostics)
    {
        var used = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (_, node) in services.Entries)
        {
            if (node is not MappingNode s) continue;
            if (s.Map("networks") is { Count: > 0 } nets) foreach (var k in nets.Keys) used.Add(k);
            else used.Add("default");
        }
        var created = ImmutableSortedDictionary.CreateBuilder<string, SwarmNetworkSpec>(StringComparer.Ordinal);
        var external = new List<string>();
        foreach (var key in used)
        {
            var n = networks.Map(key) ?? new MappingNode(networks.Mark);
            var name = names.Of(key, n.Str("name"));
            if (n.Bool("external")) { external.Add(name); continue; }
            var ipam = n.Map("ipam");
            created[name] = new SwarmNetworkSpec
            {
                Name = name,
                Driver = n.Str("driver") is { Length: > 0 } d ? d : DefaultNetworkDriver,
                Labels = names.WithStackLabel(n.Pairs("labels")),
                Options = n.Map("driver_opts") is not null ? Strings(n.Pairs("driver_opts")) : null,
                Internal = n.Bool("internal"),
                Attachable = n.Bool("attachable"),
                IpamDriver = ipam?.Str("driver"),
                Subnets = [.. (ipam?.Seq("config")?.Items.OfType<MappingNode>() ?? []).Select(c => c.Str("subnet") ?? "")],
            };
        }
        return (created.ToImmutable(), [.. external.Order(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// Every non-external secret or config of the project (used or not, as the CLI creates them all),
    /// with its file's content. Sources the CLI cannot read (environment, inline content) are errors.
    /// </summary>
    private static ImmutableArray<SwarmObjectSpec> Objects(SwarmObjectKind kind, SwarmNames names, MappingNode root,
        IFileSource files, List<Diagnostic> diagnostics)
    {
        var section = kind == SwarmObjectKind.Secret ? "secrets" : "configs";
        var result = ImmutableArray.CreateBuilder<SwarmObjectSpec>();
        if (root.Map(section) is not { } all) return [];
        foreach (var (key, node) in all.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (node is not MappingNode o || o.Bool("external")) continue;
            var path = $"{section}.{key}";
            var name = names.Of(key, o.Str("name"));
            var labels = names.WithStackLabel(o.Pairs("labels"));
            var template = o.Str("template_driver");
            if (kind == SwarmObjectKind.Secret && o.Str("driver") is { Length: > 0 } driver)
            {
                result.Add(new SwarmObjectSpec
                {
                    Kind = kind, Key = key, Name = name, Labels = labels, TemplateDriver = template,
                    Driver = new SwarmDriver { Name = driver, Options = o.Map("driver_opts") is not null ? Strings(o.Pairs("driver_opts")) : null },
                });
                continue;
            }
            if (o.Str("file") is not { } file)
            {
                var source = o.ContainsKey("environment") ? "environment" : o.ContainsKey("content") ? "content" : null;
                diagnostics.Add(Diagnostic.Error(source is null
                    ? "needs a file (or external: true) on Swarm"
                    : $"a {kind.ToString().ToLowerInvariant()} from `{source}:` is not supported by docker stack deploy; use file: or external: true",
                    source is null ? o.Mark : o.KeyMark(source), path));
                continue;
            }
            if (files.Refusal(file) is { } refusal)
            {
                diagnostics.Add(Diagnostic.Error($"file {Excerpt.Quoted(file)} {refusal}", o.KeyMark("file"), path + ".file"));
                continue;
            }
            if (files.FileLength(file) is > MaxObjectBytes)
            {
                diagnostics.Add(Diagnostic.Error($"file {Excerpt.Quoted(file)} is larger than the {MaxObjectBytes / 1024} KiB Swarm allows", o.KeyMark("file"), path + ".file"));
                continue;
            }
            if (files.ReadBytes(file) is not { } data)
            {
                diagnostics.Add(Diagnostic.Error($"file {Excerpt.Quoted(file)} not found", o.KeyMark("file"), path + ".file"));
                continue;
            }
            if (data.LongLength > MaxObjectBytes)
            {
                diagnostics.Add(Diagnostic.Error($"file {Excerpt.Quoted(file)} is larger than the {MaxObjectBytes / 1024} KiB Swarm allows", o.KeyMark("file"), path + ".file"));
                continue;
            }
            result.Add(new SwarmObjectSpec { Kind = kind, Key = key, Name = name, Labels = labels, Data = [.. data], TemplateDriver = template });
        }
        return result.ToImmutable();
    }

    internal static ImmutableSortedDictionary<string, string> Strings(SortedDictionary<string, string?> pairs) =>
        pairs.ToImmutableSortedDictionary(kv => kv.Key, kv => kv.Value ?? "", StringComparer.Ordinal);
}

/// <summary>
/// Stack names as the CLI scopes them (convert.Namespace): <c>S_key</c> unless the file names the
/// object. The loader has already written <c>project_key</c> into every unnamed object's
/// <c>name</c>; that default is read back as "unnamed" so the stack's name wins over the project's.
/// </summary>
internal sealed record SwarmNames(string Project, string Stack)
{
    public const string NamespaceLabel = "com.docker.stack.namespace";
    public const string ImageLabel = "com.docker.stack.image";

    public string Scope(string key) => $"{Stack}_{key}";

    public string Of(string key, string? canonicalName) =>
        canonicalName is null || canonicalName == $"{Project}_{key}" ? Scope(key) : canonicalName;

    public ImmutableSortedDictionary<string, string> WithStackLabel(SortedDictionary<string, string?> labels) =>
        SwarmStackConverter.Strings(labels).SetItem(NamespaceLabel, Stack);
}
