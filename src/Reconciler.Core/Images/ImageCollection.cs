namespace Reconciler.Core.Images;

/// <summary>
/// Which images garbage collection removes. An image is removed only when every keep rule passes
/// it by, checked in this order (the first that holds is the reason it stays):
/// <list type="number">
/// <item>a container uses it (any container on the host, stopped ones and unmanaged ones too);</item>
/// <item>a kept commit runs it (by id, digest or tag: the last N good commits of any stack, and each stack's current references);</item>
/// <item>Reconciler did not pull it (the user's, or pulled before the state store kept track);</item>
/// <item>it was pulled less than the grace period ago.</item>
/// </list>
/// Pure: the same input gives the same decisions, in the engine's listing order.
/// </summary>
public static class ImageCollection
{
    public static IReadOnlyList<ImageGcDecision> Decide(ImageGcInput input)
    {
        var kept = new HashSet<string>(input.Kept.Select(Normalize), StringComparer.Ordinal);
        return [.. input.Images.Select(image => Decide(image, input, kept))];
    }

    private static ImageGcDecision Decide(LocalImage image, ImageGcInput input, HashSet<string> kept)
    {
        if (input.UsedByContainers.Contains(image.Id)) return new(image, false, "a container uses it");
        if (kept.Contains(image.Id) || image.References.Any(r => kept.Contains(Normalize(r))))
            return new(image, false, "a kept commit runs it");
        if (!input.Pulled.TryGetValue(image.Id, out var pulledAt)) return new(image, false, "not pulled by Reconciler");
        if (input.Now - pulledAt < input.GracePeriod) return new(image, false, $"pulled less than {Describe(input.GracePeriod)} ago");
        return new(image, true, "no container or kept commit uses it");
    }

    /// <summary>The engine lists <c>busybox:1.0</c> as written; a service may write <c>docker.io/library/busybox:1.0</c>.</summary>
    private static string Normalize(string reference)
    {
        const string hub = "docker.io/";
        var r = reference.StartsWith(hub, StringComparison.Ordinal) ? reference[hub.Length..] : reference;
        r = r.StartsWith("library/", StringComparison.Ordinal) ? r["library/".Length..] : r;
        // compose: an image without tag or digest is :latest.
        return r.Contains('@') || r[(r.LastIndexOf('/') + 1)..].Contains(':') ? r : r + ":latest";
    }

    private static string Describe(TimeSpan t) => t.TotalHours >= 1 && t.TotalHours % 1 == 0 ? $"{t.TotalHours:0}h" : t.TotalMinutes >= 1 ? $"{t.TotalMinutes:0}m" : $"{t.TotalSeconds:0}s";
}
