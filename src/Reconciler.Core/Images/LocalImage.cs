using System.Collections.Immutable;

namespace Reconciler.Core.Images;

/// <summary>An image on the host as the engine lists it: id, tags and digests, size, creation time.</summary>
public sealed record LocalImage(string Id, ImmutableArray<string> Tags, ImmutableArray<string> Digests, long Size, DateTimeOffset Created)
{
    public IEnumerable<string> References => Tags.Concat(Digests);

    /// <summary>What logs and <c>reconciler gc</c> call it: its first tag, else digest, else short id.</summary>
    public string Name => Tags.FirstOrDefault(t => t != "<none>:<none>") ?? Digests.FirstOrDefault() ?? (Id.StartsWith("sha256:", StringComparison.Ordinal) ? Id[7..19] : Id);
}
