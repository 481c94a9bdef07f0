using System.Globalization;
using System.Text;
using System.Text.Json;
using Reconciler.Core.Building;

namespace Reconciler.Docker.Building;

/// <summary>
/// The query of <c>POST /build</c> for a build, as the docker CLI writes it for the legacy builder
/// (<c>version=1</c>): repeated <c>t</c> and <c>extrahosts</c>, JSON for args, labels, cache sources
/// and ulimits, intermediate containers removed (<c>rm</c>, <c>forcerm</c>). 1:1, no decisions.
/// </summary>
internal static class BuildQuery
{
    public static string For(BuildSpec spec, IEnumerable<string> tags, IReadOnlyDictionary<string, string> labels, string dockerfilePath)
    {
        var query = new List<(string Key, string Value)>();
        foreach (var tag in tags) query.Add(("t", tag));
        query.Add(("dockerfile", dockerfilePath));
        query.Add(("version", "1"));
        query.Add(("rm", "1"));
        query.Add(("forcerm", "1"));
        if (spec.NoCache) query.Add(("nocache", "1"));
        if (spec.Pull) query.Add(("pull", "1"));
        if (spec.Target is { Length: > 0 } target) query.Add(("target", target));
        if (spec.Network is { Length: > 0 } network) query.Add(("networkmode", network));
        foreach (var host in spec.ExtraHosts) query.Add(("extrahosts", host));
        if (spec.ShmSize > 0) query.Add(("shmsize", spec.ShmSize.ToString(CultureInfo.InvariantCulture)));
        if (spec.Isolation is { Length: > 0 } isolation) query.Add(("isolation", isolation));
        if (spec.Platform is { Length: > 0 } platform) query.Add(("platform", platform.ToLowerInvariant()));
        query.Add(("buildargs", Json(w => Object(w, spec.Args))));
        query.Add(("labels", Json(w => Object(w, labels))));
        if (!spec.CacheFrom.IsDefaultOrEmpty) query.Add(("cachefrom", Json(w =>
        {
            w.WriteStartArray();
            foreach (var c in spec.CacheFrom) w.WriteStringValue(c);
            w.WriteEndArray();
        })));
        if (!spec.Ulimits.IsDefaultOrEmpty) query.Add(("ulimits", Json(w =>
        {
            w.WriteStartArray();
            foreach (var u in spec.Ulimits)
            {
                w.WriteStartObject();
                w.WriteString("Name", u.Name);
                w.WriteNumber("Soft", u.Soft);
                w.WriteNumber("Hard", u.Hard);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        })));
        return string.Join('&', query.Select(q => Uri.EscapeDataString(q.Key) + "=" + Uri.EscapeDataString(q.Value)));
    }

    private static void Object(Utf8JsonWriter w, IEnumerable<KeyValuePair<string, string>> pairs)
    {
        w.WriteStartObject();
        foreach (var (k, v) in pairs) w.WriteString(k, v);
        w.WriteEndObject();
    }

    private static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer)) write(w);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
