using System.Globalization;
using System.Text;

namespace Reconciler.Faults.Tests.Infrastructure;

/// <summary>The daemon's config for one stack in one repo, written as a user would.</summary>
public sealed record DaemonSettings
{
    public required string StateDir { get; init; }
    public required string RepoPath { get; init; }
    public required string Stack { get; init; }
    public string StackPath { get; init; } = "app";
    public string Interval { get; init; } = "1s";
    public string DriftInterval { get; init; } = "2s";
    public string HealthTimeout { get; init; } = "20s";
    public bool Prune { get; init; } = true;
    public bool SelfHeal { get; init; } = true;
    public bool PruneStacks { get; init; }
    public string Rollback { get; init; } = "auto";
    public string? DockerHost { get; init; }
    public int Port { get; init; }

    /// <summary><c>telemetry.otlp_endpoint</c>, e.g. an <see cref="OtlpSink"/>'s URL.</summary>
    public string? OtlpEndpoint { get; init; }

    /// <summary>More keys of the stack, verbatim, each line indented by four spaces (host_files:, limits:, …).</summary>
    public string? StackYaml { get; init; }

    /// <summary>More items of <c>stacks:</c>, verbatim (<c>  - name: …</c>), on the same repo.</summary>
    public string? MoreStacksYaml { get; init; }

    public string Yaml()
    {
        var b = new StringBuilder();
        if (DockerHost is not null) b.Append($"docker:\n  host: {DockerHost}\n");
        b.Append($"state_dir: {StateDir}\n");
        b.Append($"metrics:\n  listen: 127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}\n");
        if (OtlpEndpoint is not null) b.Append($"telemetry:\n  otlp_endpoint: {OtlpEndpoint}\n");
        b.Append($"prune_stacks: {(PruneStacks ? "true" : "false")}\n");
        b.Append($"repos:\n  - name: origin\n    url: {RepoPath}\n    branch: main\n    interval: {Interval}\n");
        b.Append($"stacks:\n  - name: {Stack}\n    repo: origin\n    path: {StackPath}\n");
        b.Append($"    prune: {(Prune ? "true" : "false")}\n    self_heal: {(SelfHeal ? "true" : "false")}\n");
        b.Append($"    drift_interval: {DriftInterval}\n    health_timeout: {HealthTimeout}\n    rollback: {Rollback}\n");
        if (StackYaml is not null) b.Append(StackYaml);
        if (MoreStacksYaml is not null) b.Append(MoreStacksYaml);
        return b.ToString();
    }
}
