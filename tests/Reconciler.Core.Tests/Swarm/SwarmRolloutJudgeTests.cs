using Reconciler.Core.Swarm;

namespace Reconciler.Core.Tests.Swarm;

public class SwarmRolloutJudgeTests
{
    [Theory]
    [InlineData(null, 3ul, 3, 3, SwarmRolloutVerdict.Converged)]
    [InlineData("completed", 3ul, 3, 3, SwarmRolloutVerdict.Converged)]
    [InlineData(null, 3ul, 2, 3, SwarmRolloutVerdict.Waiting)]
    [InlineData("updating", 3ul, 3, 3, SwarmRolloutVerdict.Waiting)]
    [InlineData("paused", 3ul, 3, 3, SwarmRolloutVerdict.Failed)]
    [InlineData("rollback_started", 3ul, 3, 3, SwarmRolloutVerdict.Failed)]
    [InlineData("rollback_completed", 3ul, 3, 3, SwarmRolloutVerdict.Failed)]
    [InlineData(null, 0ul, 0, 0, SwarmRolloutVerdict.Converged)]
    [InlineData(null, null, 2, 2, SwarmRolloutVerdict.Converged)]
    [InlineData(null, null, 1, 2, SwarmRolloutVerdict.Waiting)]
    [InlineData(null, null, 0, 0, SwarmRolloutVerdict.Waiting)]
    public void A_rollout_is_judged_by_its_update_state_and_running_tasks(string? state, ulong? wanted, int running, int scheduled, SwarmRolloutVerdict verdict)
    {
        Assert.Equal(verdict, SwarmRolloutJudge.Judge(new SwarmServiceRollout("s_web", state, null, wanted, running, scheduled)).Verdict);
    }

    [Fact]
    public void A_paused_update_says_why()
    {
        var (_, reason) = SwarmRolloutJudge.Judge(new SwarmServiceRollout("s_web", "paused", "update paused due to failure", 3, 0, 3));
        Assert.Equal("update paused: update paused due to failure", reason);
    }
}
