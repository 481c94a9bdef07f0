using System.Text;

namespace Reconciler.Faults.Tests.Infrastructure;

/// <summary>One service of a generated compose file.</summary>
public sealed record Svc(string Name, string Image = DockerCli.Image10)
{
    /// <summary>The command as an exec-form list; null keeps the image's (sleep, exits 0 on SIGTERM).</summary>
    public string[]? Command { get; init; }

    /// <summary>Mounts the stack's named volume <c>data</c> at /data.</summary>
    public bool Data { get; init; }

    /// <summary>A short-syntax port, e.g. "127.0.0.1:18080:8080".</summary>
    public string? Port { get; init; }

    /// <summary><c>x-reconciler: {update_order: start-first}</c>.</summary>
    public bool StartFirst { get; init; }

    /// <summary>Extra environment, which changes the config hash (forces a recreate) without changing the image.</summary>
    public string? Env { get; init; }

    public string? StopGracePeriod { get; init; } = "2s";

    /// <summary>More of the service's YAML, verbatim, indented by four spaces.</summary>
    public string? Extra { get; init; }
}

/// <summary>Writes compose files the way a person would, for the tests' commits.</summary>
public static class Compose
{
    /// <summary>busybox httpd serving the image's /var/www (its index names the image version), stopping on SIGTERM.</summary>
    public static readonly string[] Httpd = ["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 8080 -h /var/www & wait"];

    /// <summary>A command that exits at once with code 3: a commit whose container never comes up.</summary>
    public static readonly string[] ExitAtOnce = ["sh", "-c", "echo starting; exit 3"];

    public static string File(params Svc[] services)
    {
        var b = new StringBuilder("services:\n");
        foreach (var s in services)
        {
            b.Append($"  {s.Name}:\n    image: {s.Image}\n");
            if (s.Command is { } c) b.Append($"    command: [{string.Join(", ", c.Select(Quote))}]\n");
            if (s.StopGracePeriod is { } g) b.Append($"    stop_grace_period: {g}\n");
            if (s.Data) b.Append("    volumes:\n      - data:/data\n");
            if (s.Port is { } p) b.Append($"    ports:\n      - \"{p}\"\n");
            if (s.Env is { } e) b.Append($"    environment:\n      FTEST_REVISION: \"{e}\"\n");
            if (s.StartFirst) b.Append("    x-reconciler:\n      update_order: start-first\n");
            if (s.Extra is { } x) b.Append(x);
        }
        if (services.Any(s => s.Data)) b.Append("volumes:\n  data:\n");
        return b.ToString();
    }

    private static string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
