using Reconciler.Core.Policy;
using System.Text.Json.Serialization;

namespace Reconciler.Daemon;

/// <summary>The body of <c>GET /status</c>: what the daemon knows right now, for scripts and tests.</summary>
public sealed record StatusDocument(
    DateTimeOffset Started,
    StatusDocument.DockerView Docker,
    IReadOnlyList<StatusDocument.RepoView> Repos,
    IReadOnlyList<StatusDocument.StackView> Stacks,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<StatusDocument.NotifierView>? Notifications = null)
{
    /// <summary>A notification provider or forge API: <see cref="Failing"/> once a delivery was given up after its retries, until one succeeds.</summary>
    public sealed record NotifierView(
        string Provider,
        bool Failing,
        [property: JsonPropertyName("failures_in_a_row")] int FailuresInARow,
        [property: JsonPropertyName("last_error")] string? LastError,
        [property: JsonPropertyName("last_success")] DateTimeOffset? LastSuccess,
        long Dropped);

    public sealed record DockerView(bool? Reachable, string? Error);

    public sealed record RepoView(
        string Name,
        string? Head,
        [property: JsonPropertyName("last_fetch")] DateTimeOffset? LastFetch,
        string? Error,
        VerificationView? Verification = null);

    /// <summary><c>verify:</c>'s verdict on the latest checked head: trusted, or refused with reason, signer and what to do.</summary>
    public sealed record VerificationView(string Commit, bool Trusted, string Reason, string? Signer, string Message);

    public sealed record StackView(
        string Name,
        string? Commit,
        string Outcome,
        string? Error,
        IReadOnlyList<DriftItem> Drift,
        DateTimeOffset At,
        string Trigger,
        [property: JsonPropertyName("last_change")] PassView? LastChange,
        IReadOnlyList<FindingView> Findings);

    /// <summary>A pass that applied changes or failed.</summary>
    public sealed record PassView(string? Commit, string Outcome, string? Error, DateTimeOffset At, string Trigger);

    /// <summary>A guardrail warning on the stack's current commit: <c>warn</c> rules only (a <c>deny</c> is the error).</summary>
    public sealed record FindingView(string Rule, string Service, string Level, string Message, string? File, int? Line,
        [property: JsonPropertyName("key_path")] string KeyPath)
    {
        public static FindingView Of(Core.Guardrails.PolicyFinding f) =>
            new(f.Rule, f.Service, Core.Guardrails.RuleLevels.Name(f.Level), f.Message, f.Where?.File, f.Where?.Line, f.KeyPath);
    }

    public static StatusDocument From(DaemonStatus status) => new(
        status.StartedAt,
        new DockerView(status.DockerReachable, status.DockerError),
        [.. status.Repos.Select(r => new RepoView(r.Name, r.Head, r.LastFetch, r.LastError,
            r.Verification is { } v ? new VerificationView(v.Commit, v.Trusted, v.Reason, v.Signer, v.Message) : null))],
        [.. status.Stacks.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => new StackView(
            s.Key,
            s.Value.Result.Commit,
            s.Value.Result.Outcome.ToString(),
            s.Value.Result.Error,
            s.Value.Result.Drift,
            s.Value.At,
            s.Value.Trigger.ToString(),
            status.LastChanges.TryGetValue(s.Key, out var c)
                ? new PassView(c.Result.Commit, c.Result.Outcome.ToString(), c.Result.Error, c.At, c.Trigger.ToString())
                : null,
            [.. status.FindingsOf(s.Key).Select(FindingView.Of)]))],
        status.Notifiers is { Count: > 0 } notifiers
            ? [.. notifiers.Select(n => new NotifierView(n.Provider, n.Failing, n.FailuresInARow, n.LastError, n.LastSuccess, n.Dropped))]
            : null);
}

/// <summary>Source-generated, so the native build serves /status without reflection.</summary>
[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StatusDocument))]
internal sealed partial class StatusJson : JsonSerializerContext;
