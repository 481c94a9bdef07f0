using System.Collections.Immutable;
using System.CommandLine;
using Reconciler.Cli;
using Reconciler.Configuration;
using Reconciler.Core.Compose.Loading;
using Reconciler.Files;
using Reconciler.Loading;

namespace Reconciler.Tests.Loading;

/// <summary>
/// One load policy for the daemon, <c>validate</c> and the CLI: the same compose files, read with the
/// same process environment, differ only where the two named parameters differ — the CLI reads any
/// file and sees the whole environment, as docker compose does; a stack sees its tree and host_files,
/// its <c>.env</c>, its variables and its pass_env names.
/// </summary>
public sealed class LoadPolicyTests : IDisposable
{
    private readonly string _t = Directory.CreateTempSubdirectory("load-policy-").FullName;
    private string Tree => Path.Combine(_t, "tree");
    private string ProjectDir => Path.Combine(Tree, "shop");

    private static readonly Dictionary<string, string> Process = new()
    {
        ["GIT_TOKEN"] = "daemon-git-token",
        ["REGION"] = "eu-west",
        ["HOME"] = "/home/ops",
    };

    private const string Compose = """
        services:
          web:
            image: x
            labels:
              token: "[${GIT_TOKEN}]"
              region: "[${REGION}]"
              tier: "[${TIER}]"
        """;

    public LoadPolicyTests()
    {
        Directory.CreateDirectory(ProjectDir);
        File.WriteAllText(Path.Combine(ProjectDir, "compose.yaml"), Compose);
        File.WriteAllText(Path.Combine(ProjectDir, ".env"), "TIER=bronze\n");
    }

    public void Dispose() => Directory.Delete(_t, recursive: true);

    private ComposeArguments Arguments => new() { WorkingDirectory = ProjectDir };

    private StackConfig Stack => new()
    {
        Name = "shop",
        Repo = "infra",
        Path = "shop",
        Variables = ImmutableDictionary<string, string>.Empty.Add("TIER", "gold"),
        PassEnv = ["REGION"],
    };

    private static LoadResult Load(LoadRequest request) => ComposeLoader.Load(request.Options, request.Files);

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

    [Fact]
    public void The_CLI_interpolates_with_the_whole_process_environment_as_docker_compose_does()
    {
        var result = Load(LoadPolicy.ForUser(Arguments, Process));

        Assert.Equal("[daemon-git-token]", Label(result, "token"));
        Assert.Equal("[eu-west]", Label(result, "region"));
        Assert.Equal("[bronze]", Label(result, "tier"));
    }

    [Fact]
    public void A_stack_interpolates_with_its_env_file_its_variables_and_its_pass_env_names_only()
    {
        var result = Load(LoadPolicy.ForStack(Stack, Tree, ProjectDir, Process));

        Assert.Equal("[]", Label(result, "token"));
        Assert.Equal("[eu-west]", Label(result, "region"));
        Assert.Equal("[gold]", Label(result, "tier"));
    }

    [Fact]
    public void The_CLI_reads_an_env_file_outside_the_project_and_a_stack_is_refused_it()
    {
        var outside = Path.Combine(_t, "outside.env");
        File.WriteAllText(outside, "SECRET=from-outside\n");
        File.WriteAllText(Path.Combine(ProjectDir, "compose.yaml"), $"services:\n  web:\n    image: x\n    env_file: {outside}\n");

        var cli = Load(LoadPolicy.ForUser(Arguments, Process));
        var stack = Load(LoadPolicy.ForStack(Stack, Tree, ProjectDir, Process));

        Assert.Contains("\"SECRET\": \"from-outside\"", cli.Project!.ServiceJson("web"), StringComparison.Ordinal);
        var refused = Assert.Single(stack.Errors);
        Assert.Equal("services.web.env_file[0]", refused.KeyPath);
        Assert.DoesNotContain("from-outside", string.Join("\n", stack.Diagnostics), StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_arguments_give_the_same_options_but_for_the_environment_whichever_the_confinement()
    {
        var arguments = Arguments with { Files = ["compose.yaml"], ProjectName = "shop", Profiles = ["debug"], EnvFiles = [".env"] };

        var cli = LoadPolicy.For(arguments, new Confinement.UserFiles(), new EnvironmentSource.Process(), Process);
        var stack = LoadPolicy.For(arguments, new Confinement.RepoTree("shop", Tree, []), new EnvironmentSource.StackVariables(Stack.Variables, Stack.PassEnv), Process);

        var none = ImmutableDictionary<string, string>.Empty;
        Assert.Equal(cli.Options with { Environment = none }, stack.Options with { Environment = none });
        Assert.Same(DiskFileSource.Instance, cli.Files);
        Assert.IsType<ConfinedFileSource>(stack.Files);
        Assert.Equal(new[] { "GIT_TOKEN", "HOME", "REGION" }, cli.Options.Environment.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new[] { "REGION", "TIER" }, stack.Options.Environment.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Both_take_home_for_a_tilde_from_the_process_even_where_its_variables_do_not_reach_the_files()
    {
        Assert.Equal("/home/ops", LoadPolicy.ForUser(Arguments, Process).Options.HomeDirectory);
        Assert.Equal("/home/ops", LoadPolicy.ForStack(Stack, Tree, ProjectDir, Process).Options.HomeDirectory);
        Assert.False(LoadPolicy.ForStack(Stack, Tree, ProjectDir, Process).Options.Environment.ContainsKey("HOME"));
    }

    [Fact]
    public void The_CLI_flags_load_with_the_user_policy_and_this_process_environment()
    {
        var project = new ProjectOptions();
        var command = new RootCommand();
        project.AddTo(command);

        var request = project.ToLoadRequest(command.Parse(["-f", "a.yaml", "-f", "b.yaml", "-p", "shop", "--profile", "debug", "--env-file", "prod.env"]));

        Assert.Equal(["a.yaml", "b.yaml"], request.Options.Files.ToArray());
        Assert.Equal("shop", request.Options.ProjectName);
        Assert.Equal(["debug"], request.Options.Profiles.ToArray());
        Assert.Equal(["prod.env"], request.Options.EnvFiles.ToArray());
        Assert.Equal(Directory.GetCurrentDirectory(), request.Options.WorkingDirectory);
        Assert.Same(DiskFileSource.Instance, request.Files);
        Assert.Equal(LoadPolicy.ProcessEnvironment().OrderBy(kv => kv.Key, StringComparer.Ordinal),
            request.Options.Environment.OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }
}
