namespace Reconciler.Docker.Registry;

/// <summary>
/// An image reference split the way the Docker CLI splits it for <c>POST /images/create</c>:
/// <c>[registry/]path[:tag][@digest]</c>. No normalisation beyond what the pull query needs.
/// </summary>
public sealed record ImageReference
{
    public const string DockerHubHost = "docker.io";
    /// <summary>The key Docker writes Docker Hub credentials under in config.json.</summary>
    public const string DockerHubAuthKey = "https://index.docker.io/v1/";

    /// <summary>The reference as given.</summary>
    public required string Original { get; init; }
    /// <summary>Everything before the tag/digest, as given (e.g. <c>127.0.0.1:5000/app</c>, <c>nginx</c>).</summary>
    public required string Name { get; init; }
    public string? Tag { get; init; }
    public string? Digest { get; init; }
    /// <summary>The registry host[:port]; <see cref="DockerHubHost"/> when the name has no registry part.</summary>
    public required string RegistryHost { get; init; }

    public bool IsDockerHub => RegistryHost == DockerHubHost;

    /// <summary>
    /// The <c>tag</c> query value: the digest when pinned, else the tag, else <c>latest</c>
    /// (an empty tag would make the engine pull every tag of the repository).
    /// </summary>
    public string ApiTag => Digest ?? Tag ?? "latest";

    public static ImageReference Parse(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        var rest = reference.Trim();
        string? digest = null;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = rest[(at + 1)..];
            rest = rest[..at];
        }

        string? tag = null;
        var lastSlash = rest.LastIndexOf('/');
        var colon = rest.LastIndexOf(':');
        if (colon > lastSlash)
        {
            tag = rest[(colon + 1)..];
            rest = rest[..colon];
        }

        if (rest.Length == 0 || (tag is not null && tag.Length == 0) || (digest is not null && digest.Length == 0))
        {
            throw new FormatException($"'{reference}' is not a valid image reference.");
        }

        return new ImageReference
        {
            Original = reference,
            Name = rest,
            Tag = tag,
            Digest = digest,
            RegistryHost = RegistryOf(rest),
        };
    }

    /// <summary>The first path component is a registry when it has a dot or a port, or is "localhost".</summary>
    private static string RegistryOf(string name)
    {
        var slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return DockerHubHost;
        }
        var first = name[..slash];
        if (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost")
        {
            return NormalizeHost(first);
        }
        return DockerHubHost;
    }

    /// <summary>Docker Hub's aliases all map to <see cref="DockerHubHost"/>; other hosts are lower-cased.</summary>
    public static string NormalizeHost(string host)
    {
        var h = host.Trim().ToLowerInvariant();
        return h is "docker.io" or "index.docker.io" or "registry-1.docker.io" or "registry.hub.docker.com" ? DockerHubHost : h;
    }

    public override string ToString() => Original;
}
