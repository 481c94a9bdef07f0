using System.Collections.Immutable;
using Reconciler.Configuration;
using Reconciler.Core.Compose.Loading;
using Reconciler.Daemon;

namespace Reconciler.Tests.Daemon;

/// <summary>
/// The load options <c>run</c> and <c>validate</c> share: a stack sees its tree, its host_files and
/// the variables its config gives it — not the daemon's environment, not the host's files.
/// </summary>
public sealed class StackLoadingTests : IDisposable
{
    private readonly string _t = Directory.CreateTempSubdirectory("stack-loading-").FullName;
    private string Tree => Path.Combine(_t, "tree");
    private string StackDir => Path.Combine(Tree, "shop");

    private static readonly Dictionary<string, string> Daemon = new()
    {
        ["GIT_TOKEN"] = "daemon-git-token",
        ["REGION"] = "eu-west",
        ["HOME"] = "/root",
    };

    public StackLoadingTests() => Directory.CreateDirectory(StackDir);

    public void Dispose() => Directory.Delete(_t, recursive: true);

    private static StackConfig Stack(Func<StackConfig, StackConfig>? with = null)
    {
        var stack = new StackConfig { Name = "shop", Repo = "infra", Path = "shop" };
        return with is null ? stack : with(stack);
    }

    private LoadResult Load(StackConfig stack, string compose, string? dotEnv = null)
    {
        File.WriteAllText(Path.Combine(StackDir, "compose.yaml"), compose);
        if (dotEnv is not null) File.WriteAllText(Path.Combine(StackDir, ".env"), dotEnv);
        var (options, files) = StackLoading.For(stack, Tree, StackDir, Daemon);
        return ComposeLoader.Load(options, files);
    }

    private static string Label(LoadResult result, string label)
    {
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        var json = result.Project!.ServiceJson("web");
        var key = $"\"{label}\": \"";
        var start = json.IndexOf(key, StringComparison.Ordinal);
        Assert.True(start >= 0, json);
        start += key.Length;
        return json[start..json.IndexOf('"', start)];
    }

    private const string Compose = "services:\n  web:\n    image: x\n    labels:\n      token: \"[${GIT_TOKEN}]\"\n      region: \"[${REGION}]\"\n      tier: \"[${TIER}]\"\n";

    [Fact]
    public void A_stack_does_not_see_a_daemon_variable_it_was_not_given()
    {
        var result = Load(Stack(), Compose);

        Assert.Equal("[]", Label(result, "token"));
        Assert.Equal("[]", Label(result, "region"));
        Assert.DoesNotContain("daemon-git-token", result.Project!.ToYaml(), StringComparison.Ordinal);
        Assert.False(result.Project.Environment.ContainsKey("GIT_TOKEN"));
    }

    [Fact]
    public void A_stack_sees_the_variables_and_pass_env_names_its_config_gives_it()
    {
        var result = Load(Stack(s => s with { Variables = new Dictionary<string, string> { ["TIER"] = "gold" }.ToImmutableDictionary(), PassEnv = ["REGION"] }), Compose);

        Assert.Equal("[eu-west]", Label(result, "region"));
        Assert.Equal("[gold]", Label(result, "tier"));
        Assert.Equal("[]", Label(result, "token"));
    }

    [Fact]
    public void A_pass_env_name_the_daemon_has_not_set_stays_unset()
    {
        var result = Load(Stack(s => s with { PassEnv = ["NOT_SET_IN_DAEMON"] }),
            "services:\n  web:\n    image: x\n    labels:\n      v: \"[${NOT_SET_IN_DAEMON:-fallback}]\"\n");

        Assert.Equal("[fallback]", Label(result, "v"));
    }

    [Fact]
    public void Variables_and_pass_env_win_over_the_stacks_env_file_as_the_process_environment_does_in_compose()
    {
        var result = Load(Stack(s => s with { Variables = new Dictionary<string, string> { ["TIER"] = "gold" }.ToImmutableDictionary(), PassEnv = ["REGION"] }),
            Compose, dotEnv: "TIER=bronze\nREGION=us-east\nGIT_TOKEN=from-dotenv\n");

        Assert.Equal("[gold]", Label(result, "tier"));
        Assert.Equal("[eu-west]", Label(result, "region"));
        // What the config does not give, the stack's own .env may set.
        Assert.Equal("[from-dotenv]", Label(result, "token"));
    }

    [Fact]
    public void An_env_file_outside_the_tree_is_refused_with_the_path_as_written_and_without_its_contents()
    {
        File.WriteAllText(Path.Combine(_t, "token"), "TOKEN=do-not-print\n");

        var result = Load(Stack(), "services:\n  web:\n    image: x\n    env_file: ../../token\n");

        var error = Assert.Single(result.Errors);
        Assert.Equal("services.web.env_file[0]", error.KeyPath);
        Assert.StartsWith("../../token resolves outside the stack's repository; ", error.Message, StringComparison.Ordinal);
        Assert.Contains("host_files of stack \"shop\"", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("do-not-print", string.Join("\n", result.Diagnostics), StringComparison.Ordinal);
    }

    [Fact]
    public void A_host_file_listed_for_the_stack_may_be_read()
    {
        var token = Path.Combine(_t, "token");
        File.WriteAllText(token, "TOKEN=allowed\n");

        var result = Load(Stack(s => s with { HostFiles = [token] }), $"services:\n  web:\n    image: x\n    env_file: {token}\n    labels:\n      t: x\n");

        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Contains("\"TOKEN\": \"allowed\"", result.Project!.ServiceJson("web"), StringComparison.Ordinal);
    }

    [Fact]
    public void The_stack_config_fixes_project_name_files_and_limits()
    {
        var limits = Core.Compose.LoadLimits.Default with { MaxDepth = 7 };
        var (options, _) = StackLoading.For(Stack(s => s with { Project = "shop-prod", Files = ["a.yaml"], Limits = limits }), Tree, StackDir, Daemon);

        Assert.Equal("shop-prod", options.ProjectName);
        Assert.Equal(["a.yaml"], options.Files.ToArray());
        Assert.Equal(StackDir, options.ProjectDirectory);
        Assert.Equal(7, options.Limits.MaxDepth);
        Assert.Equal("/root", options.HomeDirectory);
    }
}
