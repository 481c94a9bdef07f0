using Reconciler.Core.Planning;

namespace Reconciler.Core.Tests.Planning;

public class ReferenceParsingTests
{
    [Theory]
    [InlineData("nginx", "nginx:latest")]
    [InlineData("nginx:1.25", "nginx:1.25")]
    [InlineData("docker.io/library/nginx:1.25", "nginx:1.25")]
    [InlineData("docker.io/me/app", "me/app:latest")]
    [InlineData("registry:5000/app", "registry:5000/app:latest")]
    [InlineData("registry:5000/team/app:2", "registry:5000/team/app:2")]
    [InlineData("ghcr.io/o/app:2", "ghcr.io/o/app:2")]
    [InlineData("app:1.0@sha256:abcd", "app@sha256:abcd")]
    public void Image_references_are_normalized_the_way_the_engine_lists_them(string reference, string normalized)
    {
        Assert.Equal(normalized, ImageReference.Normalize(reference));
    }

    [Theory]
    [InlineData("", "Missing", 0)]
    [InlineData("missing", "Missing", 0)]
    [InlineData("if_not_present", "Missing", 0)]
    [InlineData("always", "Always", 0)]
    [InlineData("never", "Never", 0)]
    [InlineData("build", "Build", 0)]
    [InlineData("daily", "Refresh", 24 * 60)]
    [InlineData("weekly", "Refresh", 7 * 24 * 60)]
    [InlineData("every_12h", "Refresh", 12 * 60)]
    [InlineData("every_1h30m", "Refresh", 90)]
    [InlineData("every_2d", "Refresh", 2 * 24 * 60)]
    [InlineData("every_1w2d", "Refresh", 9 * 24 * 60)]
    [InlineData("every_soon", "Invalid", 0)]
    [InlineData("every_0s", "Invalid", 0)]
    [InlineData("sometimes", "Invalid", 0)]
    public void Pull_policies_read_like_compose_reads_them(string text, string kind, int minutes)
    {
        var policy = PullPolicy.Parse(text);

        Assert.Equal(kind, policy.Kind.ToString());
        Assert.Equal(TimeSpan.FromMinutes(minutes), policy.Period);
    }
}
