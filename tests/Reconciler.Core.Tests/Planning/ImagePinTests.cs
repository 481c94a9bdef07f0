using Reconciler.Core.Planning;

namespace Reconciler.Core.Tests.Planning;

public sealed class ImagePinTests
{
    private static readonly Dictionary<string, string> Local = new()
    {
        ["127.0.0.1:5000/app:1.0"] = "sha256:aaa",
        ["127.0.0.1:5000/app@sha256:d1"] = "sha256:aaa",
        ["mirror.example/app@sha256:d9"] = "sha256:aaa",
        ["busybox:latest"] = "sha256:bbb",
        ["busybox@sha256:d2"] = "sha256:bbb",
        ["local/built:dev"] = "sha256:ccc",
    };

    [Fact]
    public void Pins_to_the_digest_of_the_services_own_repository() =>
        Assert.Equal("127.0.0.1:5000/app@sha256:d1", ImagePin.For("127.0.0.1:5000/app:1.0", "sha256:aaa", Local));

    [Fact]
    public void Docker_hub_references_match_the_engines_short_form() =>
        Assert.Equal("busybox@sha256:d2", ImagePin.For("docker.io/library/busybox", "sha256:bbb", Local));

    [Fact]
    public void Falls_back_to_another_repositorys_digest_of_the_same_image() =>
        Assert.Equal("127.0.0.1:5000/app@sha256:d1", ImagePin.For("other/name:2", "sha256:aaa", Local));

    [Fact]
    public void An_image_without_any_repository_digest_is_pinned_by_its_id() =>
        Assert.Equal("sha256:ccc", ImagePin.For("local/built:dev", "sha256:ccc", Local));

    [Fact]
    public void A_digest_of_a_different_image_is_never_used() =>
        Assert.Equal("sha256:eee", ImagePin.For("127.0.0.1:5000/app:1.0", "sha256:eee", Local));
}
