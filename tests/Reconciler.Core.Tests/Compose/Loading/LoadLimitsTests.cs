using System.Diagnostics;
using System.Text;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Desired;

namespace Reconciler.Core.Tests.Compose.Loading;

/// <summary>
/// Hostile inputs against the default limits: each stops with one diagnostic naming the file,
/// the position where it matters, the limit and its setting, quickly and on a small stack
/// (a stack overflow would end the test run, which is the failure these tests guard against).
/// Time bounds are generous on purpose: they catch quadratic work (minutes), not milliseconds on a
/// shared machine; bench/limits measures the real figures. The class runs alone so that the rest
/// of the suite does not compete for the cores while it is timed.
/// </summary>
[Collection(nameof(LoadLimitsTests))]
public class LoadLimitsTests
{
    private const int OneMegabyteStack = 1024 * 1024;

    private static Dictionary<string, byte[]> Project(string compose, Dictionary<string, string>? more = null)
    {
        var files = new Dictionary<string, byte[]> { ["/p/compose.yaml"] = Encoding.UTF8.GetBytes(compose) };
        foreach (var (k, v) in more ?? []) files["/p/" + k] = Encoding.UTF8.GetBytes(v);
        return files;
    }

    /// <summary>Runs <paramref name="work"/> on a thread with a 1 MB stack and fails if it takes longer than <paramref name="seconds"/>.</summary>
    internal static T Fast<T>(Func<T> work, double seconds = 10, int stack = OneMegabyteStack)
    {
        T result = default!;
        Exception? error = null;
        var watch = Stopwatch.StartNew();
        var thread = new Thread(() =>
        {
            try { result = work(); }
            catch (Exception e) { error = e; }
        }, stack);
        thread.Start();
        thread.Join();
        watch.Stop();
        if (error is not null) throw new Xunit.Sdk.XunitException($"threw {error}\n{error.StackTrace}");
        Assert.True(watch.Elapsed.TotalSeconds < seconds, $"took {watch.Elapsed.TotalSeconds:F2} s, more than {seconds} s");
        return result;
    }

    private static string OnlyError(LoadResult result)
    {
        Assert.False(result.Success);
        return Assert.Single(result.Errors).ToString();
    }

    private static string Repeat(string s, int n) => new StringBuilder(s.Length * n).Insert(0, s, n).ToString();

    [Fact]
    public void Refuses_a_50_MB_compose_file_before_parsing_it()
    {
        var files = new Dictionary<string, byte[]> { ["/p/compose.yaml"] = new byte[50 * 1024 * 1024] };
        const string expected = "/p/compose.yaml: file is 52,428,800 bytes, over the limit of 4 MiB (limits.max_file_size)";
        Assert.Equal(expected, OnlyError(Fast(() => ByteFiles.Load(files))));
        // A source that knows sizes is not even asked for the bytes (ByteFiles throws if it is).
        Assert.Equal(expected, OnlyError(Fast(() => ByteFiles.Load(files, knowsLengths: true))));
    }

    [Fact]
    public void Refuses_an_oversized_env_file()
    {
        var files = Project("services: {web: {image: x}}\n");
        files["/p/.env"] = Encoding.UTF8.GetBytes("A=" + new string('x', 5 * 1024 * 1024) + "\n");
        Assert.Equal("/p/.env: file is 5,242,883 bytes, over the limit of 4 MiB (limits.max_file_size)", OnlyError(Fast(() => ByteFiles.Load(files))));
    }

    [Fact]
    public void Counts_every_file_read_across_includes_against_max_files()
    {
        var files = Project("include: [a.yaml, b.yaml, c.yaml]\nservices: {web: {image: x}}\n", new()
        {
            ["a.yaml"] = "services: {a: {image: x}}\n",
            ["b.yaml"] = "services: {b: {image: x}}\n",
            ["c.yaml"] = "services: {c: {image: x}}\n",
        });
        Assert.Equal("/p/c.yaml: the project reads more than 3 files (limits.max_files)",
            OnlyError(ByteFiles.Load(files, LoadLimits.Default with { MaxFiles = 3 })));
        Assert.True(ByteFiles.Load(files, LoadLimits.Default with { MaxFiles = 4 }).Success);
    }

    [Fact]
    public void Twenty_thousand_nested_brackets_stop_at_max_depth_with_their_position()
    {
        var files = Project("x-deep: " + new string('[', 20_000) + new string(']', 20_000) + "\nservices: {web: {image: x}}\n");
        // The root mapping is level 1, so the 128th bracket (column 8 + 128) is the 129th level.
        Assert.Equal("/p/compose.yaml:1:136: YAML collections nested deeper than 128 levels (limits.max_depth)",
            OnlyError(Fast(() => ByteFiles.Load(files), stack: 256 * 1024)));
    }

    [Fact]
    public void A_line_of_fifty_thousand_dashes_stops_at_max_depth_with_its_position()
    {
        var files = Project(Repeat("- ", 50_000) + "x\n");
        Assert.Equal("/p/compose.yaml:1:257: YAML collections nested deeper than 128 levels (limits.max_depth)",
            OnlyError(Fast(() => ByteFiles.Load(files), stack: 256 * 1024)));
    }

    [Theory]
    [InlineData("brackets")]
    [InlineData("dashes")]
    [InlineData("braces")]
    public void YamlDotNet_parses_deep_input_without_recursing(string shape)
    {
        // The loader stops at max_depth, but the parser under it must not recurse either: it reads
        // the whole of such input here on a 128 KB stack.
        var text = shape switch
        {
            // 5,000 levels: recursion that deep would not fit in 128 KB. (YamlDotNet is quadratic in
            // nested flow collections, as it rescans its simple keys: 20,000 take seconds.)
            "brackets" => new string('[', 5_000) + new string(']', 5_000),
            "dashes" => Repeat("- ", 50_000) + "x",
            _ => Repeat("{a: ", 5_000) + "x" + new string('}', 5_000),
        };
        var events = Fast(() =>
        {
            var parser = new YamlDotNet.Core.Parser(new StringReader(text));
            var n = 0;
            while (parser.MoveNext()) n++;
            return n;
        }, seconds: 20, stack: 128 * 1024);
        Assert.True(events > 10_000, $"{events} events");
    }

    [Fact]
    public void A_billion_laughs_stops_at_max_nodes()
    {
        var yaml = new StringBuilder("x-0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var i = 1; i < 10; i++)
            yaml.Append($"x-{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]\n");
        yaml.Append("services: {web: {image: x}}\n");
        // Bounded by max_nodes: the loader builds at most a million nodes before it stops.
        var error = OnlyError(Fast(() => ByteFiles.Load(Project(yaml.ToString()))));
        Assert.Equal("/p/compose.yaml:6:46: the project expands to more than 1,000,000 YAML nodes (copies made by aliases, merge keys, extends and port ranges count) (limits.max_nodes)", error);
    }

    [Fact]
    public void Port_ranges_count_their_entries_against_max_nodes()
    {
        var ports = string.Join(", ", Enumerable.Repeat("\"0-65535:0-65535\"", 10));
        var error = OnlyError(Fast(() => ByteFiles.Load(Project($"services:\n  web:\n    image: x\n    ports: [{ports}]\n"))));
        Assert.EndsWith("(limits.max_nodes)", error);
        Assert.StartsWith("/p/compose.yaml:4:", error);
    }

    [Fact]
    public void Half_a_million_default_templates_in_one_value_load_in_linear_time()
    {
        // ~0.2 s in bench/limits; quadratic, this took minutes.
        var value = Repeat("${A:-b}", 500_000);
        var result = Fast(() => ByteFiles.Load(Project($"services:\n  web:\n    image: x\n    environment:\n      V: \"{value}\"\n")), seconds: 2);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Contains(new string('b', 500_000), result.Project!.ServiceJson("web"));
    }

    [Fact]
    public void Templates_followed_by_a_long_tail_without_braces_load_in_linear_time()
    {
        var value = Repeat("${A:-b}", 200_000) + new string('x', 2_000_000);
        var result = Fast(() => ByteFiles.Load(Project($"services:\n  web:\n    image: x\n    environment:\n      V: \"{value}\"\n")), seconds: 2);
        Assert.False(result.Success);
        // 2.2 million characters: over the value limit, found without building the value twice.
        Assert.Equal("/p/compose.yaml:5:10: services.web.environment.V: the value is longer than 1 MiB after interpolation (limits.max_value_size)", OnlyError(result));
    }

    [Fact]
    public void An_env_file_whose_variables_double_each_other_stops_at_max_value_size()
    {
        var env = new StringBuilder("V1=xxxxxxxx\n");
        for (var i = 2; i <= 60; i++) env.Append($"V{i}=$V{i - 1}$V{i - 1}\n");
        var files = Project("services: {web: {image: \"${V60}\"}}\n", new() { [".env"] = env.ToString() });
        var before = GC.GetTotalAllocatedBytes();
        // V19 would be 2 MiB (8 × 2¹⁸ characters).
        Assert.Equal("/p/.env:19:5: the value is longer than 1 MiB after interpolation (limits.max_value_size)", OnlyError(Fast(() => ByteFiles.Load(files))));
        Assert.True(GC.GetTotalAllocatedBytes() - before < 256L * 1024 * 1024, "allocated more than 256 MB");
    }

    [Fact]
    public void The_same_doubling_in_a_service_env_file_stops_at_the_limit_too()
    {
        var env = new StringBuilder("V1=xxxxxxxx\n");
        for (var i = 2; i <= 60; i++) env.Append($"V{i}=$V{i - 1}$V{i - 1}\n");
        var files = Project("services: {web: {image: x, env_file: app.env}}\n", new() { ["app.env"] = env.ToString() });
        Assert.Equal("/p/app.env:19:5: the value is longer than 1 MiB after interpolation (limits.max_value_size)", OnlyError(Fast(() => ByteFiles.Load(files))));
    }

    [Fact]
    public void Interpolation_across_the_project_stops_at_max_expanded_size()
    {
        var values = string.Join("", Enumerable.Range(1, 10).Select(i => $"      V{i}: ${{BIG}}\n"));
        var options = new LoadOptions
        {
            WorkingDirectory = "/p",
            Environment = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("BIG", new string('x', 300_000)),
            Limits = LoadLimits.Default with { MaxExpandedBytes = 1024 * 1024 },
        };
        var files = new ByteFiles(Project($"services:\n  web:\n    image: x\n    environment:\n{values}"));
        // Three values of 300,000 fit in 1 MiB; the fourth does not.
        Assert.Equal("/p/compose.yaml:8:11: services.web.environment.V4: interpolation produced more than 1 MiB in this project (limits.max_expanded_size)",
            OnlyError(Fast(() => ComposeLoader.Load(options, files))));
    }

    [Fact]
    public void An_env_file_variable_longer_than_max_value_size_is_refused_without_quoting_it()
    {
        var files = Project("services: {web: {image: x}}\n", new() { [".env"] = "SECRET='" + new string('s', 2 * 1024 * 1024) + "'\n" });
        var error = OnlyError(Fast(() => ByteFiles.Load(files)));
        Assert.Equal("/p/.env:1:8: the value of \"SECRET\" is longer than 1 MiB (limits.max_value_size)", error);
    }

    [Fact]
    public void Invalid_utf8_in_a_compose_file_is_an_error_at_its_line_and_column()
    {
        var files = Project("");
        files["/p/compose.yaml"] = [.. "services:\n  web:\n    image: caf"u8, 0xC3, (byte)'(', (byte)'\n'];
        Assert.Equal("/p/compose.yaml:3:15: invalid UTF-8: save the file as UTF-8", OnlyError(ByteFiles.Load(files)));
    }

    [Fact]
    public void A_nul_byte_in_a_compose_file_is_an_error_at_its_line_and_column()
    {
        var files = Project("services:\n  web:\n    image: x\0y\n");
        Assert.Equal("/p/compose.yaml:3:13: a NUL byte: compose and env files must be text", OnlyError(ByteFiles.Load(files)));
    }

    [Fact]
    public void Invalid_utf8_or_nul_in_an_env_file_is_an_error_at_its_position()
    {
        var files = Project("services: {web: {image: x}}\n", new() { [".env"] = "A=1\nB=x\0\n" });
        Assert.Equal("/p/.env:2:4: a NUL byte: compose and env files must be text", OnlyError(ByteFiles.Load(files)));
        files["/p/.env"] = [.. "A=1\nPASSWORD="u8, 0xFF, (byte)'\n'];
        Assert.Equal("/p/.env:2:10: invalid UTF-8: save the file as UTF-8", OnlyError(ByteFiles.Load(files)));
    }

    [Fact]
    public void A_utf8_byte_order_mark_is_dropped_as_compose_drops_it()
    {
        var files = Project("\uFEFFservices: {web: {image: x}}\n", new() { [".env"] = "\uFEFFA=1\n" });
        var result = ByteFiles.Load(files);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Equal("1", result.Project!.Environment["A"]);
    }

    [Fact]
    public void An_extends_chain_longer_than_max_depth_is_refused_without_exhausting_the_stack()
    {
        var yaml = new StringBuilder("services:\n");
        for (var i = 0; i < 5000; i++) yaml.Append($"  s{i}: {{extends: s{i + 1}}}\n");
        yaml.Append("  s5000: {image: x}\n");
        var error = OnlyError(Fast(() => ByteFiles.Load(Project(yaml.ToString()))));
        Assert.Equal("/p/compose.yaml:130:9: extends chains nested deeper than 128 levels (limits.max_depth)", error);
    }

    [Fact]
    public void An_extends_cycle_through_two_files_is_an_error_not_a_stack_overflow()
    {
        var files = Project("services:\n  web: {extends: {file: b.yaml, service: b}}\n", new()
        {
            ["b.yaml"] = "services:\n  b: {extends: {file: compose.yaml, service: web}}\n",
        });
        var error = OnlyError(Fast(() => ByteFiles.Load(files)));
        Assert.Contains("circular reference with extends: /p/compose.yaml#web -> /p/b.yaml#b -> /p/compose.yaml#web", error);
    }

    [Fact]
    public void A_long_depends_on_chain_is_checked_without_recursion()
    {
        var yaml = new StringBuilder("services:\n");
        for (var i = 0; i < 20_000; i++) yaml.Append($"  s{i}: {{image: x, depends_on: [s{i + 1}]}}\n");
        yaml.Append("  s20000: {image: x, depends_on: [s0]}\n");
        var error = OnlyError(Fast(() => ByteFiles.Load(Project(yaml.ToString())), seconds: 30));
        Assert.StartsWith("/p/compose.yaml:20002:", error);
        Assert.Contains("dependency cycle detected: s0 -> s1 -> s2", error);
        Assert.True(error.Length < 2100, $"{error.Length} characters");
    }

    [Fact]
    public void A_megabyte_long_unknown_key_is_quoted_as_an_excerpt()
    {
        var key = new string('k', 1024 * 1024);
        // YAML's implicit keys stop at 1,024 characters; an explicit "? key" has no such limit.
        var error = OnlyError(Fast(() => ByteFiles.Load(Project($"services:\n  web:\n    image: x\n    ? {key}\n    : 1\n"))));
        Assert.Equal($"/p/compose.yaml:4:7: services.web.{new string('k', 120)}…: unknown key \"{new string('k', 120)}…\"", error);
    }

    [Fact]
    public void A_long_key_over_a_long_list_costs_no_more_than_the_file()
    {
        var key = "x-" + new string('k', 1024 * 1024);
        var result = Fast(() => ByteFiles.Load(Project($"services:\n  web:\n    image: x\n    ? {key}\n    :\n{Repeat("      - $$a\n", 200_000)}")));
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
    }

    [Fact]
    public void Many_unused_networks_are_dropped_in_linear_time()
    {
        var yaml = "services: {web: {image: x}}\nnetworks:\n" + string.Concat(Enumerable.Range(0, 100_000).Select(i => $"  n{i}: {{}}\n"));
        var result = Fast(() => ByteFiles.Load(Project(yaml)), seconds: 5);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
    }

    [Fact]
    public void A_document_nested_exactly_at_max_depth_goes_through_every_pass_on_a_one_megabyte_stack()
    {
        // Level 1 is the root mapping; the x-deep list opens level 2, so 127 brackets reach 128.
        string Deep(int levels, string leaf) => new string('[', levels) + leaf + new string(']', levels);
        var compose =
            $"x-deep: {Deep(127, "\"${LEAF:-leaf}\"")}\n" +
            "services:\n" +
            "  web:\n" +
            "    image: nginx\n" +
            $"    x-deep: {Deep(125, "a")}\n" +
            $"    x-develop: {{watch: {Deep(123, "b")}}}\n";
        var over = $"x-deep: {Deep(127, "c")}\nservices:\n  web:\n    x-develop: {{watch: {Deep(123, "d")}}}\n";
        var files = new ByteFiles(Project(compose, new() { ["compose.override.yaml"] = over }));
        var options = new LoadOptions { WorkingDirectory = "/p", Files = ["compose.yaml", "compose.override.yaml"] };

        var (json, yaml, hash) = Fast(() =>
        {
            var result = ComposeLoader.Load(options, files);
            Assert.True(result.Success, string.Join("\n", result.Diagnostics));
            var desired = DesiredStateBuilder.Build(result.Project!, files);
            return (result.Project!.ToJson(), result.Project!.ToYaml(), desired.Services["web"].ConfigHash);
        });
        Assert.Contains("\"leaf\"", json);
        Assert.Contains("leaf", yaml);
        Assert.NotEmpty(hash);

        // One level more is refused.
        var deeper = new ByteFiles(Project($"x-deep: {Deep(128, "a")}\nservices: {{web: {{image: x}}}}\n"));
        Assert.Equal("/p/compose.yaml:1:136: YAML collections nested deeper than 128 levels (limits.max_depth)",
            OnlyError(ComposeLoader.Load(options with { Files = [] }, deeper)));
    }

    [Fact]
    public void An_alias_cannot_paste_a_tree_past_max_depth()
    {
        string Deep(int levels) => new string('[', levels) + "a" + new string(']', levels);
        var compose = $"x-a: &a {Deep(100)}\nx-b: {new string('[', 30)}*a{new string(']', 30)}\nservices: {{web: {{image: x}}}}\n";
        Assert.Equal("/p/compose.yaml:2:36: YAML collections (with the alias *a pasted in) nested deeper than 128 levels (limits.max_depth)",
            OnlyError(ByteFiles.Load(Project(compose))));
    }
}

[CollectionDefinition(nameof(LoadLimitsTests), DisableParallelization = true)]
public sealed class LoadLimitsCollection;
