using Reconciler.StatusPage;

namespace Reconciler.Tests.StatusPage;

public sealed class PlanRedactionTests
{
    [Fact]
    public void Values_passed_from_the_daemons_environment_are_named_not_shown()
    {
        var plan = "shop: 1 to change\n  ~ web  recreate  shop-web-1  config changed\n      environment.DB_PASSWORD: hunter2-old → hunter2-old-and-new";

        var masked = PlanRedaction.Mask(plan, [("OLD", "hunter2-old"), ("NEW", "hunter2-old-and-new"), ("TINY", "web")]);

        Assert.Equal("shop: 1 to change\n  ~ web  recreate  shop-web-1  config changed\n      environment.DB_PASSWORD: (pass_env OLD) → (pass_env NEW)", masked);
    }
}
