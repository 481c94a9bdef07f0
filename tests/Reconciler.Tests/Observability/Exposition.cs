using System.Text;
using Prometheus;

namespace Reconciler.Tests.Observability;

/// <summary>The text exposition of a registry, as /metrics serves it, from prometheus-net's own serializer.</summary>
internal static class Exposition
{
    public static string Of(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        registry.CollectAndExportAsTextAsync(stream).GetAwaiter().GetResult();
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The sample lines (no # HELP / # TYPE) of the metric family <paramref name="name"/>, sorted.</summary>
    public static IReadOnlyList<string> Samples(string text, string name) =>
    [
        .. text.Split('\n')
            .Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) || l.StartsWith(name + " ", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal),
    ];
}
