using System.Collections.Immutable;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Environment;

namespace Reconciler.Core.Tests.Compose.Environment;

// Layering checked against `docker compose --env-file … config` (Docker Compose 2.26.1).
public class ProjectEnvironmentTests
{
    private const string DotEnv = "/project/.env";

    private static ProjectEnvironmentResult Build(
        Dictionary<string, string> files,
        Dictionary<string, string>? process = null,
        string[]? envFiles = null,
        string[]? directories = null) =>
        ProjectEnvironment.Build(
            process ?? [],
            envFiles ?? [],
            DotEnv,
            p => files.TryGetValue(p, out var t) ? t : null,
            p => directories?.Contains(p) == true);

    [Fact]
    public void Process_environment_wins_over_the_dot_env_file()
    {
        var r = Build(new() { [DotEnv] = "A=file\nB=file\n" }, new() { ["A"] = "proc" });
        Assert.False(r.HasErrors);
        Assert.Equal("proc", r.Variables["A"]);
        Assert.Equal("file", r.Variables["B"]);
        Assert.Equal([DotEnv], r.EnvFiles.ToArray());
    }

    [Fact]
    public void Dot_env_values_expand_against_the_process_environment_first()
    {
        var r = Build(new() { [DotEnv] = "A=file\nB=${A}\n" }, new() { ["A"] = "proc" });
        Assert.Equal("proc", r.Variables["B"]);
    }

    [Fact]
    public void Missing_dot_env_file_is_fine()
    {
        var r = Build([], new() { ["A"] = "proc" });
        Assert.False(r.HasErrors);
        Assert.Empty(r.EnvFiles);
        Assert.Equal(new Dictionary<string, string> { ["A"] = "proc" }, r.Variables);
    }

    [Fact]
    public void Dot_env_directory_is_ignored()
    {
        var r = Build([], directories: [DotEnv]);
        Assert.False(r.HasErrors);
        Assert.Empty(r.Variables);
    }

    [Fact]
    public void Explicit_env_files_replace_the_dot_env_file()
    {
        var r = Build(new() { [DotEnv] = "A=dot\nD=dot\n", ["/e1"] = "A=e1\nB=e1b\n" }, envFiles: ["/e1"]);
        Assert.Equal(new Dictionary<string, string> { ["A"] = "e1", ["B"] = "e1b" }, r.Variables);
        Assert.Equal(["/e1"], r.EnvFiles.ToArray());
    }

    [Fact]
    public void Later_env_file_overrides_an_earlier_one()
    {
        var r = Build(new() { ["/e1"] = "A=e1\nB=e1b\n", ["/e2"] = "B=e2b\n" }, envFiles: ["/e1", "/e2"]);
        Assert.Equal("e1", r.Variables["A"]);
        Assert.Equal("e2b", r.Variables["B"]);
    }

    [Fact]
    public void Expansion_in_a_later_file_prefers_earlier_files_to_its_own_lines()
    {
        // compose: the lookup is the process, then the files before; the file's own lines come last.
        var r = Build(
            new() { ["/e1"] = "A=e1\nB=e1b\n", ["/e2"] = "B=e2b\nC=${A}-${B}\n" },
            new() { ["A"] = "proc" },
            ["/e1", "/e2"]);
        Assert.Equal("proc", r.Variables["A"]);
        Assert.Equal("e2b", r.Variables["B"]);
        Assert.Equal("proc-e1b", r.Variables["C"]);
    }

    [Fact]
    public void Bare_key_inherits_from_an_earlier_env_file()
    {
        var r = Build(new() { ["/e1"] = "A=1\n", ["/e2"] = "A\n" }, envFiles: ["/e1", "/e2"]);
        Assert.Equal("1", r.Variables["A"]);
    }

    [Fact]
    public void Missing_explicit_env_file_is_an_error()
    {
        var r = Build([], envFiles: ["/nope.env"]);
        Assert.True(r.HasErrors);
        var d = Assert.Single(r.Diagnostics);
        Assert.Equal("Couldn't find env file: /nope.env", d.Message);
        Assert.Equal("/nope.env: error: Couldn't find env file: /nope.env", d.ToString());
    }

    [Fact]
    public void Explicit_env_file_that_is_a_directory_is_an_error()
    {
        var r = Build([], envFiles: ["/dd"], directories: ["/dd"]);
        Assert.Equal("/dd is a directory", Assert.Single(r.Diagnostics).Message);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("true")]
    [InlineData("TRUE")]
    [InlineData("t")]
    public void Compose_disable_env_file_skips_the_dot_env_file(string value)
    {
        var r = Build(new() { [DotEnv] = "A=dot\n" }, new() { ["COMPOSE_DISABLE_ENV_FILE"] = value });
        Assert.False(r.HasErrors);
        Assert.False(r.Variables.ContainsKey("A"));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("false")]
    [InlineData("F")]
    public void Compose_disable_env_file_false_keeps_the_dot_env_file(string value)
    {
        var r = Build(new() { [DotEnv] = "A=dot\n" }, new() { ["COMPOSE_DISABLE_ENV_FILE"] = value });
        Assert.Equal("dot", r.Variables["A"]);
    }

    [Fact]
    public void Compose_disable_env_file_with_a_non_boolean_is_an_error()
    {
        var r = Build(new() { [DotEnv] = "A=dot\n" }, new() { ["COMPOSE_DISABLE_ENV_FILE"] = "yes" });
        Assert.Equal("strconv.ParseBool: parsing \"yes\": invalid syntax", Assert.Single(r.Diagnostics).Message);
    }

    [Fact]
    public void Compose_disable_env_file_does_not_affect_explicit_env_files()
    {
        var r = Build(new() { ["/e1"] = "A=e1\n" }, new() { ["COMPOSE_DISABLE_ENV_FILE"] = "1" }, ["/e1"]);
        Assert.Equal("e1", r.Variables["A"]);
    }

    [Fact]
    public void Parse_error_stops_layering_with_the_files_diagnostic()
    {
        var r = Build(new() { ["/e1"] = "A=1\nB C=2\n", ["/e2"] = "D=1\n" }, envFiles: ["/e1", "/e2"]);
        Assert.True(r.HasErrors);
        var d = Assert.Single(r.Diagnostics);
        Assert.Equal("/e1", d.File);
        Assert.Equal(2, d.Line);
        Assert.False(r.Variables.ContainsKey("D"));
    }

    [Fact]
    public void Empty_variable_name_in_a_project_env_file_is_an_error()
    {
        // docker compose fails with "setenv: invalid argument".
        var r = Build(new() { [DotEnv] = "X=1\nA" });
        Assert.True(r.HasErrors);
        Assert.Contains(r.Diagnostics, d => d.IsError && d.Message.Contains("empty name", StringComparison.Ordinal));
    }

    [Fact]
    public void Unset_variable_warnings_are_passed_on()
    {
        var r = Build(new() { [DotEnv] = "A=$U\n" });
        Assert.False(r.HasErrors);
        Assert.Equal(EnvDiagnosticSeverity.Warning, Assert.Single(r.Diagnostics).Severity);
    }

    [Fact]
    public void Lookup_returns_null_for_unset_variables()
    {
        var r = Build(new() { [DotEnv] = "A=1\nE=\n" });
        Assert.Equal("1", r.Lookup("A"));
        Assert.Equal("", r.Lookup("E"));
        Assert.Null(r.Lookup("U"));
    }

    [Fact]
    public void Loader_overload_reads_through_the_file_source_and_reports_diagnostics()
    {
        var fs = new FakeFiles(new() { ["/work/proj/.env"] = "A=dot\nB=$U\n", ["/work/cwd/extra.env"] = "A=extra\n" });
        var diagnostics = new List<Diagnostic>();
        var options = new LoadOptions { WorkingDirectory = "/work/cwd", Environment = ImmutableDictionary<string, string>.Empty.Add("P", "proc") };

        var env = ProjectEnvironment.Build(options, "/work/proj", "/work/cwd", fs, diagnostics);
        Assert.Equal("dot", env["A"]);
        Assert.Equal("proc", env["P"]);
        var warning = Assert.Single(diagnostics);
        Assert.Equal(Severity.Warning, warning.Severity);
        Assert.Equal("/work/proj/.env:2:3", warning.Where.ToString());

        diagnostics.Clear();
        env = ProjectEnvironment.Build(options with { EnvFiles = ["extra.env"] }, "/work/proj", "/work/cwd", fs, diagnostics);
        Assert.Equal("extra", env["A"]);
        Assert.Empty(diagnostics);

        env = ProjectEnvironment.Build(options with { EnvFiles = ["missing.env"] }, "/work/proj", "/work/cwd", fs, diagnostics);
        Assert.Equal("Couldn't find env file: /work/cwd/missing.env", Assert.Single(diagnostics).Message);
        Assert.Equal(Severity.Error, diagnostics[0].Severity);
    }

    private sealed class FakeFiles(Dictionary<string, string> files) : IFileSource
    {
        public string? ReadText(string path) => files.TryGetValue(path, out var t) ? t : null;
        public byte[]? ReadBytes(string path) => files.TryGetValue(path, out var t) ? System.Text.Encoding.UTF8.GetBytes(t) : null;
        public bool FileExists(string path) => files.ContainsKey(path);
        public bool DirectoryExists(string path) => false;
        public IEnumerable<string> ListFiles(string directory) => [];
    }
}
