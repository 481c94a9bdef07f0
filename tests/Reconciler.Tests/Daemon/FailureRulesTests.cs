using Reconciler.Daemon;
using Reconciler.State;

namespace Reconciler.Tests.Daemon;

/// <summary>How soon a failed pass is retried, and how results are named (whose a failure is: StackPolicyTests, ActionFailureTests).</summary>
public sealed class FailureRulesTests
{
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
