using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Reconciler.Core.Building;

namespace Reconciler.Core.Planning;

/// <summary>
/// Build an image from its context (<c>POST /build</c>) and tag it as compose does: the service's
/// <c>image:</c>, else <c>&lt;project&gt;-&lt;service&gt;</c>. One per distinct image. Every action
/// that changes a container comes after every build of the plan, so a build that fails leaves what
/// runs untouched.
/// </summary>
public sealed record BuildImage : PlanAction
{
    /// <summary>The tag the image gets (and the containers run).</summary>
    public required string Image { get; init; }

    /// <summary>The services whose containers use this image, by name.</summary>
    public ImmutableArray<string> Services { get; init; } = [];

    /// <summary>What to build, with the digest of its inputs.</summary>
    public required BuildSpec Build { get; init; }

    public override string Verb => "build";
    public override string Target => Image;

    /// <summary><see cref="Image"/>, then the service's <c>build.tags</c>.</summary>
    [JsonIgnore]
    public ImmutableArray<string> Tags => [Image, .. Build.Tags.Where(t => t != Image)];

    /// <summary>The build's labels plus its digest (<see cref="BuildLabels.Digest"/>), which the next plan compares.</summary>
    [JsonIgnore]
    public ImmutableSortedDictionary<string, string> Labels => Build.Labels.SetItem(BuildLabels.Digest, Build.Digest);

    public bool Equals(BuildImage? other) =>
        base.Equals(other) && Image == other.Image && Services.SequenceEqual(other.Services) && Build == other.Build;

    public override int GetHashCode() => HashCode.Combine(base.GetHashCode(), Image);
}
