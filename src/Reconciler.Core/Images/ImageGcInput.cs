namespace Reconciler.Core.Images;

/// <summary>What image garbage collection decides from: the engine's images and containers, and the state store's record.</summary>
public sealed record ImageGcInput
{
    public required IReadOnlyList<LocalImage> Images { get; init; }

    /// <summary>Image ids of every container on the host, any state, managed or not.</summary>
    public required IReadOnlySet<string> UsedByContainers { get; init; }

    /// <summary>
    /// What the kept commits run, across every stack: pins (<c>repo@sha256:…</c> or an image id) of
    /// each stack's last N good commits, and the references its current commit names.
    /// </summary>
    public required IReadOnlyCollection<string> Kept { get; init; }

    /// <summary>Image id → when Reconciler pulled it (any stack): only these may be removed.</summary>
    public required IReadOnlyDictionary<string, DateTimeOffset> Pulled { get; init; }

    public required DateTimeOffset Now { get; init; }

    /// <summary>An image pulled less than this long ago stays: a deploy in flight may be about to use it.</summary>
    public required TimeSpan GracePeriod { get; init; }
}
