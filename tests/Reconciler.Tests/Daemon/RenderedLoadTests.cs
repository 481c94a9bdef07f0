using Reconciler.Configuration;
using Reconciler.Daemon;

namespace Reconciler.Tests.Daemon;

/// <summary>
/// <see cref="StackLoading.LoadRendered"/>, what <c>plan --ref</c> loads with: files rendered in a
/// scratch folder, loaded as if they lay in the stack's tree, give the daemon's own desired state.
/// </summary>
public sealed class RenderedLoadTests : IDisposable
{
    private readonly string _t = Directory.CreateTempSubdirectory("rendered-load-").FullName;

    public void Dispose() => Directory.Delete(_t, recursive: true);

    private static readonly StackConfig Shop = new() { Name = "shop", Repo = "infra", Path = "shop" };

    private string Render(string tree, string compose)
    {
        Directory.CreateDirectory(Path.Combine(tree, "shop", "conf"));
        File.WriteAllText(Path.Combine(tree, "shop", "compose.yaml"), compose);
        File.WriteAllText(Path.Combine(tree, "shop", "conf", "site.txt"), "hello\n");
        return tree;
    }

    private const string Compose = "services:\n  web:\n    image: x:1\n    volumes: [\"./conf:/conf:ro\", \"./conf/site.txt:/site.txt\"]\n    env_file: [conf/site.txt]\n";

    [Fact]
    public void A_commit_rendered_elsewhere_loads_to_the_desired_state_of_the_stacks_own_tree()
    {
        var daemonTree = Render(Path.Combine(_t, "state", "stacks", "shop", "tree"), Compose);
        var scratch = Render(Path.Combine(_t, "scratch", "tree"), Compose);
        var env = new Dictionary<string, string>();

        var own = StackLoading.Load(Shop, daemonTree, Path.Combine(daemonTree, "shop"), "c1", env);
        var relocated = StackLoading.LoadRendered(Shop, daemonTree, scratch, "c1", env);

        var expected = own.Desired ?? throw new Xunit.Sdk.XunitException(string.Join("\n", own.Result.Diagnostics));
        var actual = relocated.Desired ?? throw new Xunit.Sdk.XunitException(string.Join("\n", relocated.Result.Diagnostics));
        Assert.Equal(expected.Services["web"].ConfigHash, actual.Services["web"].ConfigHash);
        Assert.Equal(expected.Services["web"].Fields, actual.Services["web"].Fields);
        Assert.Equal(expected.WorkingDir, actual.WorkingDir);
        Assert.Contains(actual.Services["web"].Fields, f => f.Value.Contains(daemonTree, StringComparison.Ordinal));
        Assert.DoesNotContain(actual.Services["web"].Fields, f => f.Key.Contains(scratch, StringComparison.Ordinal) || f.Value.Contains(scratch, StringComparison.Ordinal));
    }

    [Fact]
    public void The_rendered_files_are_still_confined_to_the_tree_they_were_rendered_in()
    {
        var daemonTree = Path.Combine(_t, "state", "stacks", "shop", "tree");
        var scratch = Render(Path.Combine(_t, "scratch", "tree"), "services:\n  web:\n    image: x:1\n    env_file: [../../outside.env]\n");
        File.WriteAllText(Path.Combine(_t, "scratch", "outside.env"), "A=1\n");

        var relocated = StackLoading.LoadRendered(Shop, daemonTree, scratch, "c1", new Dictionary<string, string>());

        Assert.Null(relocated.Desired);
        var error = Assert.Single(relocated.Result.Errors);
        Assert.Contains("resolves outside the stack's repository", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(scratch, error.ToString(), StringComparison.Ordinal);
    }
}
