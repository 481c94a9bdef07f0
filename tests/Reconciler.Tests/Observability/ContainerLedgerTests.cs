using Reconciler.Observability;
using static Reconciler.Tests.Observability.FakeEngine;

namespace Reconciler.Tests.Observability;

/// <summary>The counting rules alone: snapshots in, restarts and OOM kills out.</summary>
public class ContainerLedgerTests
{
    private static ContainerSnapshot Snap(long restarts, double startedMinutes, string status = "running") => new()
    {
        Id = "c1", Service = "web", Status = status, RestartCount = restarts, StartedAt = T0 + TimeSpan.FromMinutes(startedMinutes),
    };

    [Fact]
    public void Looking_twice_at_the_same_start_counts_nothing()
    {
        var ledger = new ContainerLedger();
        ledger.Observe(Snap(0, 0), T0);

        Assert.Equal((1, 0), ledger.Observe(Snap(1, 1), T0));
        Assert.Equal((0, 0), ledger.Observe(Snap(1, 1), T0));
        Assert.Equal(1, ledger.Totals["web"].Restarts);
    }

    [Fact]
    public void The_engine_raising_the_count_at_the_crash_before_the_restart_counts_once()
    {
        var ledger = new ContainerLedger();
        ledger.Observe(Snap(0, 0), T0);

        // die: the policy will restart it; RestartCount is already 1, the start is still the old one.
        Assert.Equal((0, 0), ledger.Observe(Snap(1, 0, "restarting"), T0));
        Assert.Equal((1, 0), ledger.Observe(Snap(1, 1), T0));
        Assert.Equal((0, 0), ledger.Observe(Snap(2, 1, "restarting"), T0));
        Assert.Equal((1, 0), ledger.Observe(Snap(2, 2), T0));
        Assert.Equal(2, ledger.Totals["web"].Restarts);
    }

    [Fact]
    public void A_container_first_seen_while_restarting_counts_its_restarts_once_it_starts()
    {
        var ledger = new ContainerLedger();

        Assert.Equal((4, 0), ledger.Observe(Snap(5, 0, "restarting"), T0));
        Assert.Equal((1, 0), ledger.Observe(Snap(5, 1), T0));
        Assert.Equal(5, ledger.Totals["web"].Restarts);
    }

    [Fact]
    public void A_manual_start_that_reset_the_engine_count_counts_itself_and_the_policy_restarts_after_it()
    {
        var ledger = new ContainerLedger();
        ledger.Observe(Snap(4, 0), T0);

        // docker restart (count back to 0), then two restart-policy restarts: three starts.
        Assert.Equal((3, 0), ledger.Observe(Snap(2, 5), T0));
    }

    [Fact]
    public void Saved_marks_make_a_new_ledger_count_only_what_happened_since()
    {
        var first = new ContainerLedger();
        first.Observe(Snap(0, 0), T0);
        first.Observe(Snap(2, 2), T0);
        var saved = first.ToContents();

        var second = new ContainerLedger(saved);
        Assert.Equal((0, 0), second.Observe(Snap(2, 2), T0));
        Assert.Equal((1, 0), second.Observe(Snap(3, 3), T0));
        Assert.Equal(3, second.Totals["web"].Restarts);
    }

    [Fact]
    public void The_saved_file_round_trips_and_a_broken_one_starts_empty()
    {
        var dir = Directory.CreateTempSubdirectory("obs-ledger-").FullName;
        try
        {
            var file = ContainerLedgerFile.For(dir, "shop");
            var ledger = new ContainerLedger();
            ledger.Observe(Snap(1, 0), T0);
            file.Save(ledger.ToContents());

            var loaded = file.Load();
            Assert.NotNull(loaded);
            Assert.Equal(ledger.ToContents().Containers, loaded.Containers);
            Assert.Equal(1, loaded.Services["web"].Restarts);

            File.WriteAllText(file.Path, "{ not json");
            Assert.Null(file.Load());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Totals_of_services_without_containers_are_not_kept()
    {
        var ledger = new ContainerLedger();
        ledger.Observe(Snap(1, 0), T0);
        ledger.Forget("c1");

        Assert.Empty(ledger.ToContents().Services);
    }
}
