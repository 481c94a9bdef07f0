using Reconciler.Core.Planning;
using Reconciler.Daemon;
using Reconciler.Docker.Execution;
using Reconciler.State;

namespace Reconciler.Tests.Daemon;

/// <summary>How a failed pass is told apart (the commit's fault or not) and how soon it is retried.</summary>
public sealed class FailureRulesTests
{
    private static ActionOutcome Pull(string error) =>
        new(new PullImage { Image = "127.0.0.1:5000/app:9.9", Reason = "image missing" }, ActionResult.Failed, error);

    [Fact]
    public void A_pull_of_a_tag_the_registry_does_not_have_is_the_commits_own_fault()
    {
        Assert.True(StackReconciler.IsMissingImage(Pull(
            "pull image '127.0.0.1:5000/app:9.9' from registry 127.0.0.1:5000 failed: manifest for 127.0.0.1:5000/app:9.9 not found: manifest unknown: manifest unknown")));
        Assert.True(StackReconciler.IsMissingImage(Pull("pull image 'app:9.9' from registry docker.io failed: repository app not found")));
    }

    [Fact]
    public void A_registry_that_is_down_is_not_the_commits_fault()
    {
        Assert.False(StackReconciler.IsMissingImage(Pull(
            "pull image '127.0.0.1:5001/app:1.1' from registry 127.0.0.1:5001 failed: Get \"http://127.0.0.1:5001/v2/\": dial tcp 127.0.0.1:5001: connect: connection refused")));
        // "not found" from another action (a container gone meanwhile) says nothing about the commit.
        Assert.False(StackReconciler.IsMissingImage(new ActionOutcome(
            new StartContainer { ContainerName = "web-1", ContainerId = "abc", Reason = "container stopped" }, ActionResult.Failed, "start container 'web-1': No such container: not found")));
    }

    [Theory]
    [InlineData("start container 'web-1': driver failed programming external connectivity on endpoint web-1 (abc): Bind for 127.0.0.1:18080 failed: port is already allocated", 18080)]
    [InlineData("start container 'web-1': error while calling proxy: listen tcp4 0.0.0.0:8081: bind: address already in use", 8081)]
    public void The_host_port_of_a_bind_conflict_is_found_in_the_engines_error(string error, int port) =>
        Assert.Equal([port], StackReconciler.PortsInConflict(error));

    [Fact]
    public void Other_errors_name_no_port() =>
        Assert.Empty(StackReconciler.PortsInConflict("create container 'web-1': Conflict. The container name \"/web-1\" is already in use"));

    [Fact]
    public void Retries_back_off_from_ten_seconds_to_five_minutes()
    {
        Assert.Equal(TimeSpan.FromSeconds(10), StackWorker.RetryDelay(1));
        Assert.Equal(TimeSpan.FromSeconds(20), StackWorker.RetryDelay(2));
        Assert.Equal(TimeSpan.FromSeconds(160), StackWorker.RetryDelay(5));
        Assert.Equal(TimeSpan.FromMinutes(5), StackWorker.RetryDelay(6));
        Assert.Equal(TimeSpan.FromMinutes(5), StackWorker.RetryDelay(1000));
    }

    [Fact]
    public void Results_print_as_the_store_names_them() =>
        Assert.Equal(["applied", "noop", "failed", "rolled_back"],
            new[] { DeploymentResult.Applied, DeploymentResult.Noop, DeploymentResult.Failed, DeploymentResult.RolledBack }.Select(r => r.Name()));
}
