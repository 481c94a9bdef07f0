using System.Text;
using Reconciler.Core.Compose;

namespace Reconciler.Bench.Limits;

/// <summary>
/// One hostile (or merely huge) project per limit, each built as close to the default limit as
/// the limit allows, or just past it where the point is how quickly the load stops.
/// </summary>
internal static class Inputs
{
    public sealed record Case(string Name, string What, Dictionary<string, byte[]> Files, bool ShouldLoad);

    private static readonly LoadLimits L = LoadLimits.Default;

    public static IReadOnlyList<string> Names =>
    [
        "max-file-size", "file-over-size", "max-depth", "deep-and-wide", "max-nodes-aliases", "billion-laughs",
        "max-value", "half-million-templates", "max-expanded", "doubling-env", "port-ranges",
    ];

    public static Case Build(string name) => name switch
    {
        "max-file-size" => MaxFileSize(),
        "file-over-size" => new(name, "a 50 MiB compose file (refused before parsing)", Files(OverSize()), false),
        "max-depth" => MaxDepth(),
        "deep-and-wide" => DeepAndWide(),
        "max-nodes-aliases" => MaxNodesViaAliases(),
        "billion-laughs" => BillionLaughs(),
        "max-value" => MaxValue(),
        "half-million-templates" => HalfMillionTemplates(),
        "max-expanded" => MaxExpanded(),
        "doubling-env" => DoublingEnv(),
        "port-ranges" => PortRanges(),
        _ => throw new ArgumentException($"unknown case {name}"),
    };

    private static byte[] OverSize()
    {
        var bytes = new byte[50 * 1024 * 1024];
        bytes.AsSpan().Fill((byte)'#');
        "services: {web: {image: x}}\n"u8.CopyTo(bytes);
        return bytes;
    }

    private static Dictionary<string, byte[]> Files(byte[] compose, string? env = null)
    {
        var files = new Dictionary<string, byte[]> { ["/p/compose.yaml"] = compose };
        if (env is not null) files["/p/.env"] = Encoding.UTF8.GetBytes(env);
        return files;
    }

    private static Dictionary<string, byte[]> Files(string compose, string? env = null) => Files(Encoding.UTF8.GetBytes(compose), env);

    /// <summary>Ordinary services, as many as fit in max_file_size: the largest realistic file allowed.</summary>
    private static Case MaxFileSize()
    {
        var sb = new StringBuilder("x-common: &common\n  restart: unless-stopped\n  logging: {driver: json-file, options: {max-size: 10m}}\nservices:\n");
        var service = 0;
        while (true)
        {
            var block =
                $"  svc{service}:\n" +
                "    <<: *common\n" +
                $"    image: registry.example.com/team/app{service % 50}:${{TAG:-1.2.3}}\n" +
                $"    command: [\"serve\", \"--port\", \"{8000 + service % 1000}\"]\n" +
                "    environment:\n" +
                $"      SERVICE_NAME: svc{service}\n" +
                "      LOG_LEVEL: ${LOG_LEVEL:-info}\n" +
                $"      DATABASE_URL: postgres://app@db:5432/app{service % 10}\n" +
                $"    labels: [\"team=payments\", \"tier=backend\", \"index={service}\"]\n" +
                "    healthcheck: {test: [CMD, /bin/health], interval: 30s, timeout: 5s, retries: 3}\n" +
                $"    ports: [\"{10000 + service % 50000}:8080\"]\n";
            if (Encoding.UTF8.GetByteCount(block) + sb.Length > L.MaxFileBytes) break;
            sb.Append(block);
            service++;
        }
        return new("max-file-size", $"{service:N0} ordinary services in one file just under {L.MaxFileBytes / 1024 / 1024} MiB", Files(sb.ToString()), true);
    }

    private static string Deep(int levels, string leaf) => new string('[', levels) + leaf + new string(']', levels);

    private static Case MaxDepth() => new("max-depth", $"one extension nested exactly {L.MaxDepth} levels",
        Files($"x-deep: {Deep(L.MaxDepth - 1, "leaf")}\nservices: {{web: {{image: x}}}}\n"), true);

    /// <summary>As many documents-deep trees as max_nodes allows: every pass walks the full depth, many times.</summary>
    private static Case DeepAndWide()
    {
        var one = Deep(L.MaxDepth - 1, "a");
        var count = L.MaxNodes / (L.MaxDepth + 1) - 10;
        var sb = new StringBuilder("services: {web: {image: x}}\n");
        for (var i = 0; i < count; i++) sb.Append("x-").Append(i).Append(": ").Append(one).Append('\n');
        return new("deep-and-wide", $"{count:N0} extensions each nested {L.MaxDepth} levels ({sb.Length / 1024:N0} KiB)", Files(sb.ToString()), true);
    }

    /// <summary>Aliases that expand to just under max_nodes: the most a small file can make the loader build.</summary>
    private static Case MaxNodesViaAliases()
    {
        // 10 scalars, then levels of 10 aliases each: 11, 111, 1,111, … nodes per level.
        var sb = new StringBuilder("x-l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n");
        long size = 11, total = 11 + 2;
        var level = 1;
        while (total + 10 * size + 1 + 2 < L.MaxNodes - 10_000)
        {
            sb.Append($"x-l{level}: &l{level} [{string.Join(", ", Enumerable.Repeat($"*l{level - 1}", 10))}]\n");
            size = 10 * size + 1;
            total += size + 1;
            level++;
        }
        // Top up with aliases of the largest level that still fit.
        var extra = 0;
        while (total + size + 1 < L.MaxNodes - 10)
        {
            sb.Append($"x-extra{extra}: *l{level - 1}\n");
            total += size + 1;
            extra++;
        }
        sb.Append("services: {web: {image: x}}\n");
        return new("max-nodes-aliases", $"a {sb.Length:N0}-byte file whose aliases expand to ~{total:N0} nodes", Files(sb.ToString()), true);
    }

    private static Case BillionLaughs()
    {
        var sb = new StringBuilder("x-0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i < 10; i++) sb.Append($"x-{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]\n");
        sb.Append("services: {web: {image: x}}\n");
        return new("billion-laughs", "the classic: 10⁹ nodes from 10 lines (refused at max_nodes)", Files(sb.ToString()), false);
    }

    /// <summary>One value interpolated to exactly max_value_size.</summary>
    private static Case MaxValue()
    {
        var env = $"CHUNK={new string('v', 1024)}\n";
        var value = string.Concat(Enumerable.Repeat("${CHUNK}", L.MaxValueBytes / 1024));
        return new("max-value", $"one value of {L.MaxValueBytes / 1024 / 1024} MiB built from {L.MaxValueBytes / 1024:N0} variables",
            Files($"services:\n  web:\n    image: x\n    environment:\n      BIG: \"{value}\"\n", env), true);
    }

    private static Case HalfMillionTemplates() => new("half-million-templates", "one value of 500,000 ${A:-b} (quadratic before)",
        Files($"services:\n  web:\n    image: x\n    environment:\n      V: \"{string.Concat(Enumerable.Repeat("${A:-b}", 500_000))}\"\n"), true);

    /// <summary>Values of max_value_size each, until interpolation has produced max_expanded_size in total.</summary>
    private static Case MaxExpanded()
    {
        var env = $"BIG='{new string('x', L.MaxValueBytes)}'\n";
        var count = (int)(L.MaxExpandedBytes / L.MaxValueBytes);
        var values = string.Concat(Enumerable.Range(0, count).Select(i => $"      V{i}: ${{BIG}}\n"));
        return new("max-expanded", $"{count} values of {L.MaxValueBytes / 1024 / 1024} MiB: {L.MaxExpandedBytes / 1024 / 1024} MiB produced in total",
            Files($"services:\n  web:\n    image: x\n    environment:\n{values}", env), true);
    }

    private static Case DoublingEnv()
    {
        var env = new StringBuilder("V1=xxxxxxxx\n");
        for (var i = 2; i <= 60; i++) env.Append($"V{i}=$V{i - 1}$V{i - 1}\n");
        return new("doubling-env", "a .env of 60 lines each doubling the last (refused at max_value_size)",
            Files("services: {web: {image: \"${V60}\"}}\n", env.ToString()), false);
    }

    private static Case PortRanges() => new("port-ranges", "full port ranges until max_nodes (refused at max_nodes)",
        Files($"services:\n  web:\n    image: x\n    ports: [{string.Join(", ", Enumerable.Repeat("\"0-65535:0-65535\"", 10))}]\n"), false);
}
