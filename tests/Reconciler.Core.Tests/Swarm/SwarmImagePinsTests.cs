using System.Collections.Immutable;
using Reconciler.Core.Swarm;

namespace Reconciler.Core.Tests.Swarm;

public class SwarmImagePinsTests
{
    private const string TwoServices = """
        services:
          web:
            image: 127.0.0.1:5000/shop/web:v1
          cache:
            image: busybox
        """;

    private static ObservedSwarm Resolved(params (string Image, string Pinned)[] images) => SwarmPlannerTests.Empty with
    {
        ResolvedImages = images.ToImmutableSortedDictionary(i => i.Image, i => i.Pinned, StringComparer.Ordinal),
    };

    [Fact]
    public void The_images_a_pass_sent_are_recorded_per_compose_service_and_an_unresolved_one_is_not()
    {
        var desired = SwarmPlannerTests.Desired(TwoServices);

        var running = SwarmImagePins.Running(desired, Resolved(("127.0.0.1:5000/shop/web:v1", "127.0.0.1:5000/shop/web:v1@sha256:aaa")));

        Assert.Equal(new Dictionary<string, string> { ["web"] = "127.0.0.1:5000/shop/web:v1@sha256:aaa" }, running);
    }

    [Fact]
    public void A_recorded_pin_applies_to_the_same_image_as_written_and_to_nothing_else()
    {
        var desired = SwarmPlannerTests.Desired(TwoServices);
        var recorded = new Dictionary<string, string>
        {
            ["web"] = "127.0.0.1:5000/shop/web:v1@sha256:aaa",
            // A host-mode record (an image id) and a pin of another tag say nothing about these images.
            ["cache"] = "sha256:0123",
            ["gone"] = "busybox:latest@sha256:ccc",
        };

        var pins = SwarmImagePins.For(desired, recorded);

        Assert.Equal(new Dictionary<string, string> { ["127.0.0.1:5000/shop/web:v1"] = "127.0.0.1:5000/shop/web:v1@sha256:aaa" }, pins);
        var untagged = SwarmImagePins.For(desired, new Dictionary<string, string> { ["cache"] = "busybox:latest@sha256:ddd", ["web"] = "127.0.0.1:5000/shop/web:v2@sha256:eee" });
        Assert.Equal(new Dictionary<string, string> { ["busybox"] = "busybox:latest@sha256:ddd" }, untagged);
    }

    [Theory]
    [InlineData("busybox", "busybox:latest")]
    [InlineData("busybox:1.36", "busybox:1.36")]
    [InlineData("127.0.0.1:5000/shop/web", "127.0.0.1:5000/shop/web:latest")]
    [InlineData("127.0.0.1:5000/shop/web:v1", "127.0.0.1:5000/shop/web:v1")]
    public void An_image_without_a_tag_is_pinned_as_latest(string image, string tagged) =>
        Assert.Equal(tagged, SwarmImagePins.Tagged(image));
}
