using Reconciler.Core.Desired;
using Reconciler.Core.Planning;

namespace Reconciler.Core.Tests.Planning;

/// <summary>Every action names itself (plan text, CLI, logs and telemetry all use this), and a recreate lists its steps.</summary>
public class ActionNamingTests
{
    private static readonly ContainerSpec Spec = new() { Name = "shop-web-1", Image = "app:1", Host = new HostSpec { NetworkMode = "default" } };

    public static TheoryData<PlanAction, string> Actions() => new()
    {
        { new PullImage { Image = "app:1.1", Reason = "r" }, "pull app:1.1" },
        { new BuildImage { Image = "shop-web", Build = new Core.Building.BuildSpec { Context = "/srv/shop/web" }, Reason = "r" }, "build shop-web" },
        { new CreateNetwork { Network = new NetworkSpec { Name = "shop_default" }, Reason = "r" }, "create network shop_default" },
        { new CreateVolume { Volume = new VolumeSpec { Name = "shop_data" }, Reason = "r" }, "create volume shop_data" },
        { new CreateContainer { ContainerName = "shop-web-1", Spec = Spec, Reason = "r" }, "create shop-web-1" },
        {
            new RecreateContainer
            {
                ContainerName = "shop-web-1", ContainerId = "c1", OldName = "web", TemporaryName = "c1_shop-web-1", Spec = Spec,
                Steps = [RecreateStep.CreateNew, RecreateStep.StopOld, RecreateStep.RemoveOld, RecreateStep.RenameNew, RecreateStep.StartNew], Reason = "r",
            },
            "recreate shop-web-1"
        },
        { new RenameContainer { ContainerName = "shop-web-1", ContainerId = "c1", OldName = "c1_shop-web-1", Reason = "r" }, "rename shop-web-1" },
        { new StartContainer { ContainerName = "shop-web-1", ContainerId = "c1", Reason = "r" }, "start shop-web-1" },
        { new RestartContainer { ContainerName = "shop-web-1", ContainerId = "c1", Reason = "r" }, "restart shop-web-1" },
        { new StopContainer { ContainerName = "shop-web-1", ContainerId = "c1", Reason = "r" }, "stop shop-web-1" },
        { new RemoveContainer { ContainerName = "shop-web-1", ContainerId = "c1", Reason = "r" }, "remove shop-web-1" },
    };

    [Theory]
    [MemberData(nameof(Actions))]
    public void Every_action_is_described_by_its_verb_and_target(PlanAction action, string described) =>
        Assert.Equal(described, action.Describe());

    [Fact]
    public void Every_kind_of_action_has_a_case_above()
    {
        var covered = Actions().Select(row => row[0].GetType()).ToHashSet();
        var kinds = typeof(PlanAction).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(PlanAction)) && !t.IsAbstract);

        Assert.All(kinds, k => Assert.Contains(k, covered));
    }

    [Fact]
    public void A_recreate_without_steps_or_not_starting_with_create_new_is_refused()
    {
        RecreateContainer With(params RecreateStep[] steps) => new()
        {
            ContainerName = "shop-web-1", ContainerId = "c1", OldName = "shop-web-1", TemporaryName = "c1_shop-web-1", Spec = Spec,
            Steps = [.. steps], Reason = "r",
        };

        Assert.Throws<ArgumentException>(() => With());
        Assert.Throws<ArgumentException>(() => With(RecreateStep.StopOld, RecreateStep.CreateNew));
        Assert.Equal(RecreateStep.CreateNew, With(RecreateStep.CreateNew, RecreateStep.StartNew).Steps[0]);
    }
}
