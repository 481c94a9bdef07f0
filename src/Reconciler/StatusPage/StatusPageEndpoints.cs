using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Reconciler.Configuration;
using Reconciler.Daemon;
using Reconciler.State;

namespace Reconciler.StatusPage;

/// <summary>
/// <c>GET /</c>, the status page, and <c>GET /stacks/NAME/plan</c>, the plan of the stack's last
/// planning pass (text, or JSON with <c>?format=json</c>). Read-only; behind the same bearer token as
/// <c>/status</c> when <c>metrics.status_token_file</c> is set. Served with a content security policy
/// that allows nothing but the page's own inline style: even markup that escaped encoding could not
/// run a script, load an image or send a form.
/// </summary>
public static class StatusPageEndpoints
{
    private const string Policy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static void Map(WebApplication app, DaemonConfig config, DaemonStatus status)
    {
        var time = app.Services.GetService<TimeProvider>() ?? TimeProvider.System;
        var plans = new LastPlans(time);
        status.PassCompleted += plans.Record;
        // The daemon's store when it runs one; the page shows what is live without it.
        var store = app.Services.GetService<IStateStore>();

        app.MapGet("/", async (HttpRequest request, CancellationToken ct) =>
        {
            if (Refused(request, config) is { } refusal) return refusal;
            var model = await GatherAsync(config, status, store, plans, time, ct).ConfigureAwait(false);
            Harden(request.HttpContext.Response);
            return Results.Content(StatusPageRenderer.Render(model), "text/html; charset=utf-8");
        });
        app.MapGet("/stacks/{name}/plan", (string name, HttpRequest request) =>
        {
            if (Refused(request, config) is { } refusal) return refusal;
            var stack = config.Stacks.FirstOrDefault(s => s.Name == name);
            if (stack is null && !status.Stacks.ContainsKey(name)) return Results.Text($"no stack named {name}\n", statusCode: StatusCodes.Status404NotFound);
            Harden(request.HttpContext.Response);
            if (plans.Of(name) is not { } recorded)
                return Results.Text($"stack {name}: no pass has planned since the daemon started\n", statusCode: StatusCodes.Status404NotFound);
            IReadOnlyList<(string Name, string Value)> secrets = stack is null ? [] : PassedEnvironment(stack);
            request.HttpContext.Response.Headers["X-Reconciler-Commit"] = recorded.Commit;
            if (request.Query["format"] == "json")
                return Results.Text(PlanRedaction.Mask(recorded.Plan.ToJson(), secrets) + "\n", "application/json; charset=utf-8");
            return Results.Text($"# stack {name}, commit {recorded.Commit}, planned {recorded.At.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC\n"
                + PlanRedaction.Mask(recorded.Plan.ToString(), secrets) + "\n", "text/plain; charset=utf-8");
        });
    }

    /// <summary>401 without the bearer token when one is configured, as <c>/status</c> answers.</summary>
    private static IResult? Refused(HttpRequest request, DaemonConfig config)
    {
        if (config.StatusTokenFile is not { } tokenFile || HttpEndpoints.HasBearer(request, SecretSources.ReadSecretFile(tokenFile))) return null;
        request.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Unauthorized();
    }

    private static void Harden(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = Policy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.CacheControl = "no-store";
        // Links to the forge must not tell it where the daemon's listener is.
        response.Headers["Referrer-Policy"] = "no-referrer";
    }

    /// <summary>
    /// The values <c>pass_env</c> hands the stack from the daemon's environment: they may be secrets
    /// (a plan shows field values), so a served plan names them instead of showing them.
    /// </summary>
    private static IReadOnlyList<(string Name, string Value)> PassedEnvironment(StackConfig stack) =>
        [.. stack.PassEnv.Select(n => (Name: n, Value: System.Environment.GetEnvironmentVariable(n) ?? "")).Where(p => p.Value.Length > 0)];

    internal static async Task<StatusPageModel> GatherAsync(DaemonConfig config, DaemonStatus status, IStateStore? store, LastPlans plans,
        TimeProvider time, CancellationToken ct)
    {
        string? stateError = store is null ? "no state store" : null;
        var stacks = new List<StackPage>();
        var configured = config.Stacks.ToDictionary(s => s.Name, StringComparer.Ordinal);
        // Stacks the daemon runs without their being in the config file (a fleet's host file declares them) are shown too.
        foreach (var name in configured.Keys.Union(status.Stacks.Keys, StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var stack = configured.GetValueOrDefault(name);
            var repo = stack is null ? null : config.Repos.FirstOrDefault(r => r.Name == stack.Repo);
            StackState? state = null;
            IReadOnlyList<Deployment> history = [];
            if (store is not null && stateError is null)
            {
                try
                {
                    // A stack without a record reads as reconciler status shows it: unknown, nothing deployed.
                    state = await store.GetStackAsync(name, ct).ConfigureAwait(false) ?? StackState.Initial(name);
                    history = (await store.ListDeploymentsAsync(new DeploymentQuery { Stack = name, Limit = StatusPageRenderer.HistoryLength }, ct)
                        .ConfigureAwait(false)).Deployments;
                }
                catch (StateStoreUnavailableException e)
                {
                    stateError = e.Message;
                }
            }
            stacks.Add(new StackPage(name, repo?.Name ?? "", repo is null ? "" : new Git.GitRemote { Name = repo.Name, Url = repo.Url }.RedactedUrl,
                repo?.Branch ?? "", stack?.Path ?? "", state, history, plans.Of(name)));
        }
        return new StatusPageModel
        {
            Status = StatusDocument.From(status),
            Stacks = stacks,
            Now = time.GetUtcNow(),
            Host = System.Environment.MachineName,
            Version = ProductVersion.Version,
            StateError = store is null ? null : stateError,
        };
    }
}
