namespace Reconciler.Core.Planning;

/// <summary>
/// How a rollback names the exact image a service ran: by its repository digest
/// (<c>registry/app@sha256:…</c>) where the image has one, so <c>docker ps</c>, <c>docker compose ps</c>
/// and the dashboards still show which image it is; by the bare image id only for an image that was
/// never pushed or pulled (no repository digest). Either names the same bytes, unlike a tag.
/// </summary>
public static class ImagePin
{
    /// <param name="image">The reference the service was deployed with (<c>app:1.2</c>).</param>
    /// <param name="imageId">The id of the image its container runs.</param>
    /// <param name="localImages">Local references (tags and digests) → image id, as observed.</param>
    public static string For(string image, string imageId, IReadOnlyDictionary<string, string> localImages)
    {
        var repository = Repository(ImageReference.Normalize(image));
        string? anyDigest = null;
        foreach (var (reference, id) in localImages)
        {
            var at = reference.IndexOf('@', StringComparison.Ordinal);
            if (at < 0 || id != imageId) continue;
            if (reference[..at] == repository) return reference; // the service's own repository first
            anyDigest ??= reference;
        }
        return anyDigest ?? imageId;
    }

    private static string Repository(string normalized)
    {
        var at = normalized.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0) return normalized[..at];
        var colon = normalized.LastIndexOf(':');
        return colon > normalized.LastIndexOf('/') ? normalized[..colon] : normalized;
    }
}
