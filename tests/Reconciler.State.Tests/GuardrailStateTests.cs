namespace Reconciler.State.Tests;

/// <summary>Schema 3: the good commits' images, the images Reconciler pulled and the guardrail findings.</summary>
public sealed class GuardrailStateTests : IDisposable
{
    private readonly TempStateDirectory _directory = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _directory.Dispose();

    private static Dictionary<string, string> Images(int i) => new() { ["web"] = $"registry/web@sha256:{i}" };

    [Fact]
    public void Good_commits_are_remembered_newest_first_once_each_and_at_most_twenty()
    {
        var state = StackState.Initial("web");
        for (var i = 1; i <= 25; i++) state = state.BecameHealthy($"c{i}", Images(i));
        state = state.BecameHealthy("c25", new Dictionary<string, string> { ["db"] = "sha256:db" });

        Assert.Equal(StackState.GoodHistoryLength, state.GoodHistory.Length);
        Assert.Equal(["c25", "c24", "c23"], state.GoodHistory.Take(3).Select(g => g.Commit));
        Assert.Equal(["db", "web"], state.GoodHistory[0].Images.Keys);
        Assert.Equal("c6", state.GoodHistory[^1].Commit);
    }

    [Fact]
    public void Pulled_image_ids_are_kept_until_collected()
    {
        var now = _time.GetUtcNow();
        var state = StackState.Initial("web").PulledIds(["sha256:a", "sha256:b"], now).Collected(["sha256:a"]);
        Assert.Equal(["sha256:b"], state.PulledImages.Keys);
    }

    [Fact]
    public async Task The_new_columns_read_back_as_written()
    {
        using var store = _directory.OpenStore(_time);
        var written = await store.UpdateStackAsync("web", (state, now) => state
            .BecameHealthy("c1", Images(1))
            .BecameHealthy("c2", Images(2))
            .PulledIds(["sha256:a"], now)
            .Findings(["shop/compose.yaml:3:5: services.web.image: mutable-tag: image \"web:latest\" uses :latest"]), CancellationToken.None);
        var read = await store.GetStackAsync("web", CancellationToken.None);

        Assert.Equal(written, read);
        Assert.Equal(["c2", "c1"], read!.GoodHistory.Select(g => g.Commit));
        Assert.Equal(_time.GetUtcNow(), read.PulledImages["sha256:a"]);
        Assert.Single(read.PolicyFindings);
    }
}
