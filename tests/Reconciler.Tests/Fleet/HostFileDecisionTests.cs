using Reconciler.Configuration;
using Reconciler.Fleet;

namespace Reconciler.Tests.Fleet;

/// <summary>When a host file is used, and when it is refused with the stacks left as they are.</summary>
public sealed class HostFileDecisionTests
{
    private const string Sha = "0123456789abcdef0123456789abcdef01234567";
    private static readonly StackConfig Web = new() { Name = "web", Repo = "infra", Path = "stacks/web" };

    private static HostFileLoad Load(string text, string message = "web: move to web-2") =>
        HostFileLoad.Of(HostFileReaderTests.Config(), "hosts/web-1.yaml", "infra", Sha, text, message);

    [Fact]
    public void A_valid_file_is_used()
    {
        var decision = HostFileDecision.Of(Load("stacks: [{name: web, path: stacks/web}]"), [Web], "web-1");

        Assert.Equal("web", Assert.Single(Assert.IsType<HostFileDecision.Use>(decision).HostFile.Stacks).Name);
    }

    [Fact]
    public void A_file_with_errors_is_refused_naming_file_commit_and_the_error()
    {
        var refuse = Assert.IsType<HostFileDecision.Refuse>(HostFileDecision.Of(Load("stacks: [{name: web, path: x, prnue: true}]"), [Web], "web-1"));

        Assert.Equal("invalid", refuse.Reason);
        Assert.Contains("hosts/web-1.yaml at infra@0123456789ab refused, every stack keeps its last good state", refuse.Message);
        Assert.Matches(@"hosts/web-1\.yaml:1:\d+: stacks\[0\]\.prnue: unknown key", refuse.Message);
    }

    [Fact]
    public void A_file_that_drops_every_stack_is_refused_and_says_how_to_mean_it()
    {
        var refuse = Assert.IsType<HostFileDecision.Refuse>(HostFileDecision.Of(Load("stacks: []"), [Web], "web-1"));

        Assert.Equal("empty", refuse.Reason);
        Assert.Contains("would remove every stack of this host (web)", refuse.Message);
        Assert.Contains("Reconciler-Allow-Empty-Host: web-1", refuse.Message);
    }

    [Fact]
    public void A_file_that_drops_every_stack_is_used_when_the_commit_names_this_host_in_the_trailer()
    {
        var load = Load("stacks: []", "decommission web-1\n\nThe box goes back.\n\nReconciler-Allow-Empty-Host: web-1\n");

        Assert.IsType<HostFileDecision.Use>(HostFileDecision.Of(load, [Web], "web-1"));
    }

    [Theory]
    [InlineData("Reconciler-Allow-Empty-Host: web-2")]
    [InlineData("Reconciler-Allow-Empty-Host: web-10")]
    [InlineData("we could add Reconciler-Allow-Empty-Host: web-1 one day")]
    public void A_trailer_for_another_host_or_inside_a_sentence_does_not_allow_it(string line) =>
        Assert.False(EmptyHostPermission.Allows($"subject\n\n{line}\n", "web-1"));

    [Fact]
    public void The_trailer_key_is_case_insensitive_as_git_s_are() =>
        Assert.True(EmptyHostPermission.Allows("subject\n\nreconciler-allow-empty-host: web-1\r\n", "web-1"));

    [Fact]
    public void An_empty_file_on_a_host_that_runs_no_fleet_stack_yet_is_used() =>
        Assert.IsType<HostFileDecision.Use>(HostFileDecision.Of(Load("stacks: []"), [], "web-1"));
}
