using System.Collections.Immutable;
using Reconciler.Core.Desired;

namespace Reconciler.Core.Building;

/// <summary>
/// How a service's image is built, in the terms of the engine's own builder (<c>POST /build</c>, the
/// legacy builder every engine has): a local context directory sent as a tar stream, the Dockerfile
/// in it (or given inline, or outside it), and the options that builder takes. Read from the compose
/// file by <see cref="BuildSpecReader"/>; <see cref="Digest"/> is filled in once the context's files
/// have been read (<see cref="BuildDigest"/>).
/// </summary>
public sealed record BuildSpec
{
    /// <summary>The context directory, absolute.</summary>
    public required string Context { get; init; }

    /// <summary>The Dockerfile's absolute path (inside the context or not); null with <see cref="DockerfileInline"/>.</summary>
    public string? Dockerfile { get; init; }

    /// <summary><c>dockerfile_inline</c>: the Dockerfile's text, sent inside the context.</summary>
    public string? DockerfileInline { get; init; }

    public ImmutableSortedDictionary<string, string> Args { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    public string? Target { get; init; }

    /// <summary>The labels the image gets: the service's <c>build.labels</c> plus compose's project, service and version labels.</summary>
    public ImmutableSortedDictionary<string, string> Labels { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary>The network <c>RUN</c> steps use (<c>networkmode</c>); null: the engine's default.</summary>
    public string? Network { get; init; }

    /// <summary><c>host:ip</c>, as the engine takes them.</summary>
    public ImmutableArray<string> ExtraHosts { get; init; } = [];

    /// <summary>Bytes of <c>/dev/shm</c> for <c>RUN</c> steps; 0: the engine's default.</summary>
    public long ShmSize { get; init; }

    /// <summary>Images whose layers may serve as cache (image references only: the legacy builder takes no other form).</summary>
    public ImmutableArray<string> CacheFrom { get; init; } = [];

    public bool NoCache { get; init; }

    /// <summary>Pull newer versions of the base images first.</summary>
    public bool Pull { get; init; }

    /// <summary>More tags besides the service's image (<c>build.tags</c>).</summary>
    public ImmutableArray<string> Tags { get; init; } = [];

    public ImmutableArray<UlimitSpec> Ulimits { get; init; } = [];
    public string? Isolation { get; init; }

    /// <summary>The one platform of <c>build.platforms</c>; null when none is named.</summary>
    public string? Platform { get; init; }

    /// <summary>
    /// The service names its image (<c>image:</c>): pull policies that pull (<c>always</c>, <c>daily</c>, …)
    /// fetch it from its registry, as compose does, instead of building it.
    /// </summary>
    public bool ImageNamed { get; init; }

    /// <summary>
    /// The digest of everything the build reads (<see cref="BuildDigest"/>): kept as a label on the
    /// image, so a later plan rebuilds exactly when it differs. Empty until the context has been read.
    /// </summary>
    public string Digest { get; init; } = "";

    public bool Equals(BuildSpec? other) =>
        other is not null
        && Context == other.Context && Dockerfile == other.Dockerfile && DockerfileInline == other.DockerfileInline
        && Args.SequenceEqual(other.Args) && Target == other.Target && Labels.SequenceEqual(other.Labels)
        && Network == other.Network && ExtraHosts.SequenceEqual(other.ExtraHosts) && ShmSize == other.ShmSize
        && CacheFrom.SequenceEqual(other.CacheFrom) && NoCache == other.NoCache && Pull == other.Pull
        && Tags.SequenceEqual(other.Tags) && Ulimits.SequenceEqual(other.Ulimits) && Isolation == other.Isolation
        && Platform == other.Platform && ImageNamed == other.ImageNamed && Digest == other.Digest;

    public override int GetHashCode() => HashCode.Combine(Context, Dockerfile, DockerfileInline, Digest);
}
