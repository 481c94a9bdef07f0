using System.Text;
using Reconciler.Faults.Tests.Infrastructure;

namespace Reconciler.Faults.Tests;

/// <summary>One daemon for all of <see cref="HostileCommitTests"/>: its cases run one after another, each from a good commit.</summary>
public sealed class HostileCommitFixture : IAsyncLifetime
{
    public BoundaryWorld? World { get; private set; }

    public async Task InitializeAsync() => World = await BoundaryWorld.CreateAsync();

    public async Task DisposeAsync()
    {
        if (World is not null) await World.DisposeAsync();
    }
}

/// <summary>
/// Issue 11, the commit boundary: hostile files pushed to the repo a real daemon watches. For each,
/// <see cref="BoundaryWorld.ExpectRefusedAsync"/> checks that the daemon stays up (same pid,
/// /healthz), nothing outside the stacks' trees was created, changed or deleted, the running
/// container is untouched, the commit shows as failed for the reason given (in /status,
/// <c>reconciler status</c> and <c>history</c>), no secret appears in the log, status, history,
/// /status, /metrics, spans or state.db, and that the other stack of the repo deploys its own change
/// of the same commit; then the next good commit deploys and the hostile one was recorded once.
/// One daemon serves every case (a case that leaves it broken makes the next start it again).
/// The tree-entry cases are in <see cref="HostileCommitTreeTests"/>, the daemon config's
/// host_files/variables/pass_env/limits in <see cref="HostileCommitConfigTests"/>.
/// </summary>
public sealed class HostileCommitTests : IClassFixture<HostileCommitFixture>
{
    private static readonly string[] Deep = ["limit", "depth", "deep", "nest"];
    private static readonly string[] TooBig = ["limit", "too large", "too long", "exceed", "size"];
    private static readonly string[] Outside = ["outside", "host_files"];

    // From app/ in state/stacks/NAME/tree up to a/ (tree, NAME, stacks, state, c, b, a): a relative
    // path that escapes the repository into the test's planted files. Reads only.
    private const string UpToOuter = "../../../../../../../";

    private readonly BoundaryWorld _w;

    public HostileCommitTests(HostileCommitFixture fixture, ITestOutputHelper output)
    {
        _w = fixture.World ?? throw new InvalidOperationException("the fixture did not start");
        _w.Output = output;
    }

    [Fact]
    public async Task A_line_of_50000_sequence_dashes_fails_the_commit_and_the_daemon_stays_up()
    {
        await _w.BeginAsync("a line of 50,000 '- '");
        var yaml = _w.WebYaml(_w.NextImage) + "x-deep:\n  " + string.Concat(Enumerable.Repeat("- ", 50_000)) + "bottom\n";
        var bad = await _w.PushAsync("a line of 50,000 '- '", new Dictionary<string, string?> { ["app/compose.yaml"] = yaml });
        await _w.ExpectRefusedAsync(bad, Reason.At("compose.yaml").AndOneOf(Deep));
        await _w.ExpectNextGoodDeploysAsync([bad]);
        await _w.EndAsync();
    }

    [Fact]
    public async Task Twenty_thousand_nested_flow_sequences_fail_the_commit_and_the_daemon_stays_up()
    {
        await _w.BeginAsync("20,000 nested [");
        var yaml = _w.WebYaml(_w.NextImage) + "x-deep: " + new string('[', 20_000) + new string(']', 20_000) + "\n";
        var bad = await _w.PushAsync("20,000 nested [", new Dictionary<string, string?> { ["app/compose.yaml"] = yaml });
        await _w.ExpectRefusedAsync(bad, Reason.At("compose.yaml").AndOneOf(Deep));
        await _w.ExpectNextGoodDeploysAsync([bad]);
        await _w.EndAsync();
    }

    [Fact]
    public async Task A_dotenv_whose_variables_double_each_other_fails_the_commit_without_exhausting_memory()
    {
        await _w.BeginAsync(".env doubling 60 times");
        // 64 characters doubled 59 times: 2^65 characters if expanded. The seed is a secret: no
        // diagnostic may quote it.
        var env = new StringBuilder($"V00={_w.NewSecret("seed", 64)}\n");
        for (var i = 1; i < 60; i++) env.Append($"V{i:00}=$V{i - 1:00}$V{i - 1:00}\n");
        var bad = await _w.PushAsync(".env doubling", new Dictionary<string, string?>
        {
            ["app/compose.yaml"] = _w.WebYaml(_w.NextImage),
            ["app/.env"] = env.ToString(),
        });
        await _w.ExpectRefusedAsync(bad, Reason.At(".env").AndOneOf(TooBig));
        await _w.ExpectNextGoodDeploysAsync([bad]);
        await _w.EndAsync();
    }

    [Fact]
    public async Task A_50_MB_compose_file_fails_the_commit_for_its_size()
    {
        await _w.BeginAsync("50 MB compose file");
        // A valid file (a change of image, then comments): only its size is wrong.
        var yaml = new StringBuilder(_w.WebYaml(_w.NextImage), 51 * 1024 * 1024);
        var line = "# " + new string('x', 1021) + "\n";
        for (var i = 0; i < 50 * 1024; i++) yaml.Append(line);
        var bad = await _w.PushAsync("50 MB compose file", new Dictionary<string, string?> { ["app/compose.yaml"] = yaml.ToString() });
        await _w.ExpectRefusedAsync(bad, Reason.At("compose.yaml").AndOneOf(TooBig));
        await _w.ExpectNextGoodDeploysAsync([bad]);
        await _w.EndAsync();
    }

    [Fact]
    public async Task A_yaml_alias_bomb_fails_the_commit_without_exhausting_memory()
    {
        await _w.BeginAsync("billion laughs");
        var yaml = new StringBuilder(_w.WebYaml(_w.NextImage)).Append("x-l0: &l0 \"lol\"\n");
        for (var i = 1; i <= 9; i++) yaml.Append($"x-l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]\n");
        var bad = await _w.PushAsync("billion laughs", new Dictionary<string, string?> { ["app/compose.yaml"] = yaml.ToString() });
        await _w.ExpectRefusedAsync(bad, Reason.At("compose.yaml").AndOneOf("limit", "alias", "node", "expan"));
        await _w.ExpectNextGoodDeploysAsync([bad]);
        await _w.EndAsync();
    }

    [Theory]
    [InlineData("env_file")]
    [InlineData("include")]
    [InlineData("extends")]
    [InlineData("secrets")]
    [InlineData("configs")]
    public async Task A_file_outside_the_repository_is_refused_and_its_content_goes_nowhere(string key)
    {
        var b = await _w.BeginAsync("outside file through " + key);
        var image = _w.NextImage;
        var (yaml, target) = key switch
        {
            "env_file" => (_w.WebYaml(image, $"    env_file:\n      - {UpToOuter}secrets/secret.env\n"), "secret.env"),
            "include" => ($"include:\n  - {b.Planted.PathOf("included.yaml")}\n" + _w.WebYaml(image), "included.yaml"),
            "extends" => (_w.WebYaml(image, $"    extends:\n      file: {b.Planted.PathOf("base.yaml")}\n      service: base\n"), "base.yaml"),
            "secrets" => (_w.WebYaml(image, "    secrets:\n      - s\n") + $"secrets:\n  s:\n    file: {b.Planted.PathOf("secret.txt")}\n", "secret.txt"),
            "configs" => (_w.WebYaml(image, "    configs:\n      - c\n") + $"configs:\n  c:\n    file: {UpToOuter}secrets/config.txt\n", "config.txt"),
            _ => throw new ArgumentOutOfRangeException(nameof(key)),
        };
        // The relative paths do reach the planted files (a read, nothing is written).
        Assert.Equal(b.Planted.PathOf("secret.env"), Path.GetFullPath(Path.Combine(_w.TreeOf(_w.Stack), "app", UpToOuter, "secrets/secret.env")));
        var bad = await _w.PushAsync($"{key} outside the repository", new Dictionary<string, string?> { ["app/compose.yaml"] = yaml });
        await _w.ExpectRefusedAsync(bad, Reason.Saying(target).AndOneOf(Outside));
        await _w.ExpectNextGoodDeploysAsync([bad]);
        await _w.EndAsync();
    }

    [Fact]
    public async Task The_daemons_own_environment_is_not_interpolated_into_a_stack()
    {
        await _w.BeginAsync("${" + BoundaryWorld.TokenVariable + "}");
        // The daemon runs with the variable set; no pass_env names it, so for the stack it is unset.
        var bad = await _w.PushAsync("requires the daemon's token", new Dictionary<string, string?>
        {
            ["app/compose.yaml"] = _w.WebYaml(_w.NextImage, $"    environment:\n      TOKEN: \"${{{BoundaryWorld.TokenVariable}:?is not given to stacks}}\"\n"),
        });
        await _w.ExpectRefusedAsync(bad, Reason.Saying(BoundaryWorld.TokenVariable));

        // Referenced plainly it is what compose makes of an unset variable: empty, or the default.
        var good = await _w.ExpectNextGoodDeploysAsync([bad],
            $"    environment:\n      TOKEN_PLAIN: \"${{{BoundaryWorld.TokenVariable}}}\"\n      TOKEN_DEFAULT: \"${{{BoundaryWorld.TokenVariable}:-unset}}\"\n");
        if (good is not null)
        {
            var env = await _w.EnvOfAsync(_w.Stack, "web");
            if (!env.Contains("TOKEN_PLAIN=") || !env.Contains("TOKEN_DEFAULT=unset"))
                _w.Problem($"web's environment should hold TOKEN_PLAIN= and TOKEN_DEFAULT=unset, it holds: {string.Join(" ", env.Where(e => e.StartsWith("TOKEN", StringComparison.Ordinal)))}");
            if (env.Any(e => e.Contains(_w.Token, StringComparison.Ordinal)))
            {
                _w.Problem($"the daemon's {BoundaryWorld.TokenVariable} reached web's environment");
                await _w.DeployGoodAsync("without the token again"); // not to be blamed on the next case
            }
        }
        await _w.EndAsync();
    }

    [Fact]
    public async Task A_dotenv_line_that_does_not_parse_is_reported_without_its_value()
    {
        await _w.BeginAsync("unterminated quote in .env");
        var bad = await _w.PushAsync("unterminated quote in .env", new Dictionary<string, string?>
        {
            ["app/compose.yaml"] = _w.WebYaml(_w.NextImage),
            ["app/.env"] = $"API_KEY=\"{_w.NewSecret("dotenv")}\nOTHER=1\n",
        });
        await _w.ExpectRefusedAsync(bad, Reason.At(".env"));
        await _w.ExpectNextGoodDeploysAsync([bad]);
        await _w.EndAsync();
    }

    [Fact]
    public async Task Another_stack_in_the_same_repo_keeps_deploying_while_this_ones_head_is_hostile()
    {
        await _w.BeginAsync("the other stack, twice, under a hostile head");
        var yaml = _w.WebYaml(_w.NextImage) + "x-deep: " + new string('[', 20_000) + new string(']', 20_000) + "\n";
        var first = await _w.PushAsync("hostile app/, other/ changed", new Dictionary<string, string?> { ["app/compose.yaml"] = yaml });
        await _w.ExpectRefusedAsync(first, Reason.At("compose.yaml").AndOneOf(Deep));
        // A newer commit that only changes other/: app/ is still hostile at the head, other/ deploys again.
        var second = await _w.PushAsync("other/ changed again", new Dictionary<string, string?>());
        await _w.ExpectRefusedAsync(second, Reason.At("compose.yaml").AndOneOf(Deep));
        await _w.ExpectNextGoodDeploysAsync([first, second]);
        await _w.EndAsync();
    }
}
