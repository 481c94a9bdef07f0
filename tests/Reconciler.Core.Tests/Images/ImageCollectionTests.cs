using Reconciler.Core.Images;

namespace Reconciler.Core.Tests.Images;

/// <summary>Each keep rule on its own, in order, and what is left to remove.</summary>
public class ImageCollectionTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-04T12:00:00Z");
    private static readonly DateTimeOffset LongAgo = Now.AddDays(-2);

    private static LocalImage Image(string n, params string[] tags) =>
        new($"sha256:{n}{new string('0', 63)}", [.. tags], [$"registry:5000/app@sha256:{n}{new string('d', 63)}"], 1000 + n[0], LongAgo);

    private static ImageGcInput Input(IReadOnlyList<LocalImage> images, IEnumerable<string>? used = null, IEnumerable<string>? kept = null,
        Dictionary<string, DateTimeOffset>? pulled = null) => new()
    {
        Images = images,
        UsedByContainers = (used ?? []).ToHashSet(),
        Kept = [.. kept ?? []],
        Pulled = pulled ?? images.ToDictionary(i => i.Id, _ => LongAgo),
        Now = Now,
        GracePeriod = TimeSpan.FromHours(1),
    };

    private static string Decisions(ImageGcInput input) =>
        string.Join("\n", ImageCollection.Decide(input).Select(d => $"{d.Image.Tags[0]} {(d.Remove ? "remove" : "keep")}: {d.Reason}"));

    [Fact]
    public void Only_an_image_every_rule_passes_by_is_removed()
    {
        var (a, b, c, d, e) = (Image("a", "registry:5000/app:1"), Image("b", "registry:5000/app:2"), Image("c", "registry:5000/app:3"),
            Image("d", "mine:dev"), Image("e", "registry:5000/app:5"));
        var input = Input([a, b, c, d, e], used: [a.Id], kept: [b.Digests[0]],
            pulled: new() { [a.Id] = LongAgo, [b.Id] = LongAgo, [c.Id] = LongAgo, [e.Id] = Now.AddMinutes(-5) });
        Assert.Equal("""
            registry:5000/app:1 keep: a container uses it
            registry:5000/app:2 keep: a kept commit runs it
            registry:5000/app:3 remove: no container or kept commit uses it
            mine:dev keep: not pulled by Reconciler
            registry:5000/app:5 keep: pulled less than 1h ago
            """, Decisions(input));
    }

    [Theory]
    [InlineData("sha256:a000000000000000000000000000000000000000000000000000000000000000")]
    [InlineData("registry:5000/app:1")]
    [InlineData("digest")]
    public void A_kept_commit_is_matched_by_id_tag_or_digest(string pin)
    {
        var image = Image("a", "registry:5000/app:1");
        var decision = Assert.Single(ImageCollection.Decide(Input([image], kept: [pin == "digest" ? image.Digests[0] : pin])));
        Assert.False(decision.Remove);
    }

    [Theory]
    [InlineData("busybox", "busybox:latest")]
    [InlineData("docker.io/library/busybox:1.36", "busybox:1.36")]
    public void Docker_hub_references_match_as_the_engine_lists_them(string written, string listed)
    {
        var decision = Assert.Single(ImageCollection.Decide(Input([Image("a", listed)], kept: [written])));
        Assert.False(decision.Remove);
    }

    [Fact]
    public void A_stopped_or_unmanaged_container_keeps_its_image_because_every_container_counts()
    {
        var a = Image("a", "registry:5000/app:1");
        Assert.Equal("registry:5000/app:1 keep: a container uses it", Decisions(Input([a], used: [a.Id])));
    }
}
