using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;

namespace Reconciler.Core.Desired;

/// <summary>
/// compose's config hash of a service that shares another service's container
/// (<c>network_mode</c>, <c>ipc</c> or <c>pid</c> <c>service:x</c>, <c>volumes_from: [x]</c>): compose
/// 2.26 puts x's container id into the service before hashing it (convergence.go,
/// <c>resolveServiceReferences</c> runs before <c>mustRecreate</c> and <c>prepareLabels</c>), so the
/// hash is known only once x's container is. <see cref="Parts"/> is the hashed JSON cut where an id
/// goes; <see cref="Services"/>[i] is the service whose container id goes after <see cref="Parts"/>[i].
/// </summary>
public sealed record ConfigHashTemplate
{
    public required ImmutableArray<string> Parts { get; init; }
    public required ImmutableArray<string> Services { get; init; }
    /// <summary>The container compose would pick for each shared service: its first by name (<c>Containers.sorted()[0]</c>).</summary>
    public required ImmutableSortedDictionary<string, string> Containers { get; init; }

    /// <summary>The hash with each shared service's container id filled in; null when one has no container.</summary>
    public string? Resolve(Func<string, string?> containerIdOf)
    {
        ArgumentNullException.ThrowIfNull(containerIdOf);
        var json = new StringBuilder(Parts[0]);
        for (var i = 0; i < Services.Length; i++)
        {
            if (containerIdOf(Services[i]) is not { Length: > 0 } id) return null;
            json.Append(id).Append(Parts[i + 1]);
        }
        return Sha256(json.ToString());
    }

    internal static string Sha256(string json) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));

    public bool Equals(ConfigHashTemplate? other) =>
        other is not null && Parts.SequenceEqual(other.Parts) && Services.SequenceEqual(other.Services) && Containers.SequenceEqual(other.Containers);

    public override int GetHashCode() => HashCode.Combine(Parts.Length, Services.Length, Parts.IsDefaultOrEmpty ? "" : Parts[0]);
}
