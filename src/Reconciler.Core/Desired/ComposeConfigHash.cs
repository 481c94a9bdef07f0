using System.Collections.Immutable;
using System.Globalization;
using Reconciler.Core.Compose.Output;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Desired;

/// <summary>
/// <c>com.docker.compose.config-hash</c> exactly as Docker Compose 2.26 computes it
/// (pkg/compose/hash.go, <c>ServiceHash</c>): the SHA-256 of <c>json.Marshal</c> of the service's
/// compose-go <c>ServiceConfig</c> with <c>build</c>, <c>pull_policy</c>, <c>scale</c> and
/// <c>deploy.replicas</c> cleared. That JSON is the service as <c>config --format json</c> prints it,
/// compact and without the <c>$</c> doubling, and with <c>service:x</c> references replaced by x's
/// container id (<see cref="ConfigHashTemplate"/>).
/// </summary>
internal static class ComposeConfigHash
{
    private static readonly string[] SharedModes = ["ipc", "network_mode", "pid"];

    /// <param name="service">The service's canonical node (not modified).</param>
    /// <param name="containerNameOf">The container compose would share for a service name (its first replica).</param>
    /// <param name="isEnabled">Whether a service name is one of the project's enabled services.</param>
    /// <returns>The hash, or, for a service sharing another's container, null and the template to resolve.</returns>
    public static (string? Hash, ConfigHashTemplate? Template) Of(MappingNode service, Func<string, string> containerNameOf, Func<string, bool> isEnabled)
    {
        var hashed = (MappingNode)service.Clone();
        // hash.go: the build section, pull policy and scale do not recreate a container.
        hashed.RemoveWhere((key, _) => key is "build" or "pull_policy" or "scale");
        if (hashed["deploy"] is MappingNode deploy) deploy.Remove("replicas");
        // `up` hashes the project with the services it runs: an optional dependency on a service whose
        // profile is off is gone from it, though `config` prints it (recorded: golden case profiles).
        if (hashed["depends_on"] is MappingNode deps)
        {
            deps.RemoveWhere((name, _) => !isEnabled(name));
            if (deps.Count == 0) hashed.Remove("depends_on");
        }

        // The marker stands where a container id goes. Go escapes U+0001, so no value of the file can
        // print as the marker's text; the random part only keeps two references apart. The marker
        // never outlives this method: the template keeps the text around it.
        var marker = "\u0001" + Guid.NewGuid().ToString("N");
        var shared = new List<string>();
        string Placeholder(string serviceName)
        {
            shared.Add(serviceName);
            return marker + (shared.Count - 1).ToString(CultureInfo.InvariantCulture) + marker;
        }

        foreach (var key in SharedModes)
        {
            // convergence.go resolveSharedNamespaces: "service:x" becomes "container:<x's id>".
            if (hashed[key] is ScalarNode { Value: var mode } s && mode.StartsWith("service:", StringComparison.Ordinal))
                hashed[key] = new ScalarNode("container:" + Placeholder(mode["service:".Length..]), ScalarKind.String, s.Mark);
        }
        if (hashed["volumes_from"] is SequenceNode from)
        {
            for (var i = 0; i < from.Items.Count; i++)
            {
                if (from.Items[i] is not ScalarNode item) continue;
                // convergence.go resolveVolumeFrom: "container:c[:mode]" becomes "c", "x[:mode]" x's id;
                // either way the mode is dropped from what is hashed.
                var parts = item.Value.Split(':');
                var resolved = parts[0] == "container" && parts.Length > 1 ? parts[1] : Placeholder(parts[0]);
                from.Items[i] = new ScalarNode(resolved, ScalarKind.String, item.Mark);
            }
        }

        var json = GoJson.Compact(hashed, depth: 1);
        if (shared.Count == 0) return (ConfigHashTemplate.Sha256(json), null);

        var escapedMarker = EscapedMarker(marker);
        var pieces = json.Split(escapedMarker);
        // pieces: text, index, text, index, …, text
        var parts2 = ImmutableArray.CreateBuilder<string>();
        var services = ImmutableArray.CreateBuilder<string>();
        parts2.Add(pieces[0]);
        for (var i = 1; i + 1 < pieces.Length; i += 2)
        {
            services.Add(shared[int.Parse(pieces[i], CultureInfo.InvariantCulture)]);
            parts2.Add(pieces[i + 1]);
        }
        var containers = shared.Distinct(StringComparer.Ordinal)
            .ToImmutableSortedDictionary(n => n, containerNameOf, StringComparer.Ordinal);
        return (null, new ConfigHashTemplate { Parts = parts2.ToImmutable(), Services = services.ToImmutable(), Containers = containers });
    }

    private static string EscapedMarker(string marker)
    {
        var sb = new System.Text.StringBuilder();
        GoJson.String(sb, marker);
        return sb.ToString(1, sb.Length - 2);
    }
}
