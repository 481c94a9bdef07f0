using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Reconciler.Configuration;
using Reconciler.Core.Policy;
using Reconciler.Daemon;
using Reconciler.Forge;
using Reconciler.Git;
using Reconciler.State;
using Reconciler.Tests.Daemon;
using Reconciler.TestSupport;

namespace Reconciler.Tests.Forge;

/// <summary>
/// Plan previews in-process: a real git repository and mirror, the engine in memory. A request's
/// head is planned against what runs, and nothing is changed: not the engine, not the rendered tree.
/// </summary>
public sealed class PreviewPlannerTests : IDisposable
{
    private const string Registry = "registry.test/shop";
    private readonly string _dir = Directory.CreateTempSubdirectory("preview-").FullName;
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000));
    private readonly InMemoryEngine _engine;
    private readonly OriginRepository _origin;
    private readonly GitRepositoryMirror _mirror;
    private readonly SqliteStateStore _store;
    private static readonly StackConfig Shop = new() { Name = "shop", Repo = "infra", Path = "shop", HealthTimeout = TimeSpan.FromSeconds(30) };

    public PreviewPlannerTests()
    {
        _engine = new InMemoryEngine(_time);
        _origin = new OriginRepository(Path.Combine(_dir, "origin.git"), Path.Combine(_dir, "work"));
        _mirror = new GitRepositoryMirror(new GitRemote { Name = "infra", Url = _origin.FileUrl }, Path.Combine(_dir, "mirror"));
        _store = new SqliteStateStore(new SqliteStateStoreOptions { StateDirectory = Path.Combine(_dir, "state") }, _time);
        foreach (var tag in new[] { "1.0", "1.1" }) _engine.Publish($"{Registry}/web:{tag}");
    }

    public void Dispose()
    {
        _store.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static Dictionary<string, string?> Compose(string body) => new() { ["shop/compose.yaml"] = body };

    /// <summary>Deploys the branch's head as the daemon would, moving the fake clock through the rollout gate.</summary>
    private async Task<string> DeployAsync(string compose)
    {
        var sha = _origin.Commit("deployed", Compose(compose));
        await _mirror.FetchAsync();
        await _store.OpenAsync(CancellationToken.None);
        var pass = new StackReconciler(Shop, false, _mirror, _engine, _store, Path.Combine(_dir, "state"), _time, NullLogger.Instance)
            .ReconcileAsync(Trigger.Poll, CancellationToken.None);
        while (!pass.IsCompleted)
        {
            _time.Advance(TimeSpan.FromMilliseconds(300));
            await Task.Delay(1);
        }
        Assert.Equal(PassOutcome.Applied, (await pass).Outcome);
        return sha;
    }

    /// <summary>A request head: committed and pushed to refs/pull/1/head, not to the branch.</summary>
    private async Task<string> RequestAsync(string compose)
    {
        var sha = _origin.Commit("request", Compose(compose), push: false);
        OriginRepository.Git(_origin.WorkPath, "push", "--quiet", "origin", "HEAD:refs/pull/1/head");
        Assert.Contains(new ChangeRequestHead(1, sha), await _mirror.FetchChangeRequestHeadsAsync("refs/pull/"));
        return sha;
    }

    private PreviewPlanner Planner() => new(Shop, _mirror, _engine, Path.Combine(_dir, "state"), _time);

    [Fact]
    public async Task A_request_that_bumps_the_tag_is_planned_as_one_recreate_and_nothing_changes()
    {
        await DeployAsync($"services:\n  web:\n    image: {Registry}/web:1.0\n");
        var rendered = File.ReadAllText(Path.Combine(Planner().TreeDirectory, "shop", "compose.yaml"));
        var changes = _engine.Changes;
        var head = await RequestAsync($"services:\n  web:\n    image: {Registry}/web:1.1\n");

        var preview = await Planner().PlanAsync(head, CancellationToken.None);

        Assert.Equal(PreviewKind.Planned, preview.Kind);
        var text = preview.Plan!.ToString();
        Assert.Contains("recreate", text);
        Assert.Contains($"image: {Registry}/web:1.0 → {Registry}/web:1.1", text);
        Assert.Equal(changes, _engine.Changes);
        Assert.Equal(rendered, File.ReadAllText(Path.Combine(Planner().TreeDirectory, "shop", "compose.yaml")));
        var status = PreviewComment.Status([preview]);
        Assert.Equal((CommitState.Success, $"{preview.Plan.Actions.Length} to change"), (status.State, status.Description));
    }

    [Fact]
    public async Task A_request_that_breaks_the_compose_file_is_invalid_with_the_file_and_line()
    {
        await DeployAsync($"services:\n  web:\n    image: {Registry}/web:1.0\n");
        var head = await RequestAsync($"services:\n  web:\n    imag: {Registry}/web:1.1\n");

        var preview = await Planner().PlanAsync(head, CancellationToken.None);

        Assert.Equal(PreviewKind.Invalid, preview.Kind);
        Assert.StartsWith("shop/compose.yaml:3", preview.Message);
        Assert.Contains("imag", preview.Message);
        Assert.StartsWith("invalid: shop/compose.yaml:3", PreviewComment.Status([preview]).Description);
    }

    [Fact]
    public async Task A_request_without_the_stacks_folder_is_invalid()
    {
        await DeployAsync($"services:\n  web:\n    image: {Registry}/web:1.0\n");
        var head = _origin.Commit("move", new Dictionary<string, string?> { ["shop/compose.yaml"] = null, ["other/compose.yaml"] = "services: {}\n" }, push: false);
        OriginRepository.Git(_origin.WorkPath, "push", "--quiet", "origin", "HEAD:refs/pull/1/head");
        await _mirror.FetchChangeRequestHeadsAsync("refs/pull/");

        var preview = await Planner().PlanAsync(head, CancellationToken.None);

        Assert.Equal(PreviewKind.Invalid, preview.Kind);
        Assert.Contains("folder shop does not exist", preview.Message);
    }
}
