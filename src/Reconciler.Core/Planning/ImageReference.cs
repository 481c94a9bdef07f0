namespace Reconciler.Core.Planning;

/// <summary>
/// Image references in the form the engine lists local images by (<c>RepoTags</c>, <c>RepoDigests</c>):
/// Docker Hub's <c>docker.io/library/</c> dropped, <c>:latest</c> added when there is no tag, the tag
/// dropped when there is a digest.
/// </summary>
internal static class ImageReference
{
    public static string Normalize(string reference)
    {
        var r = reference.Trim();
        foreach (var hub in (ReadOnlySpan<string>)["docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/"])
        {
            if (r.StartsWith(hub, StringComparison.Ordinal))
            {
                r = r[hub.Length..];
                break;
            }
        }

        var at = r.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            var name = r[..at];
            var tag = TagStart(name);
            return (tag < 0 ? name : name[..tag]) + r[at..];
        }
        return TagStart(r) < 0 ? r + ":latest" : r;
    }

    /// <summary>The local image id the reference points at, or null when the image is not present.</summary>
    public static string? LocalId(IReadOnlyDictionary<string, string> localImages, string reference) =>
        localImages.TryGetValue(reference, out var id) || localImages.TryGetValue(Normalize(reference), out id) ? id
        // A rollback pins services to the image id that ran then: an id is present when some reference has it.
        : reference.StartsWith("sha256:", StringComparison.Ordinal) && localImages.Values.Contains(reference, StringComparer.Ordinal) ? reference
        : null;

    /// <summary>Docker's short form of an id: 12 hex digits without the algorithm.</summary>
    public static string ShortId(string id)
    {
        var hex = id.StartsWith("sha256:", StringComparison.Ordinal) ? id["sha256:".Length..] : id;
        return hex.Length > 12 ? hex[..12] : hex;
    }

    /// <summary>Index of the ':' starting a tag, or -1: a ':' after the last '/' (one before it is a registry port).</summary>
    private static int TagStart(string name)
    {
        var colon = name.LastIndexOf(':');
        return colon > name.LastIndexOf('/') ? colon : -1;
    }
}
