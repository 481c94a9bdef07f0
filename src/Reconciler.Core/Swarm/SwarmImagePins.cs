using System.Collections.Immutable;

namespace Reconciler.Core.Swarm;

/// <summary>
/// The images a Swarm stack's services ran at their last good commit, by digest, so that a rollback
/// and a held commit restore exactly those (as on a host), not whatever their tags point at by then.
/// Recorded per compose service as the reference sent (<c>repo:tag@sha256:…</c>).
/// </summary>
public static class SwarmImagePins
{
    /// <summary>Compose service → the image reference with digest the pass sent, for the services whose image was resolved.</summary>
    public static ImmutableSortedDictionary<string, string> Running(SwarmStack desired, ObservedSwarm observed) =>
        desired.Services
            .Where(s => observed.ResolvedImages.ContainsKey(s.Value.TaskTemplate.ContainerSpec.Image))
            .ToImmutableSortedDictionary(s => s.Key, s => observed.ResolvedImages[s.Value.TaskTemplate.ContainerSpec.Image], StringComparer.Ordinal);

    /// <summary>
    /// Image as written → the recorded pin, for the services of <paramref name="desired"/> that have one
    /// made from that same image as written (a record from another image, or from host mode, where
    /// images are recorded by id, does not apply).
    /// </summary>
    public static ImmutableSortedDictionary<string, string> For(SwarmStack desired, IReadOnlyDictionary<string, string> recorded)
    {
        var pins = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (service, spec) in desired.Services)
        {
            var image = spec.TaskTemplate.ContainerSpec.Image;
            if (recorded.TryGetValue(service, out var pin) && pin.StartsWith(Tagged(image) + "@sha256:", StringComparison.Ordinal))
                pins[image] = pin;
        }
        return pins.ToImmutable();
    }

    /// <summary>The image with its tag, <c>:latest</c> when it has none: how <c>--resolve-image</c> writes it before the digest.</summary>
    public static string Tagged(string image)
    {
        var lastSlash = image.LastIndexOf('/');
        return image.IndexOf(':', lastSlash + 1) > 0 ? image : image + ":latest";
    }
}
