using System.Collections.Immutable;
using Reconciler.Core.Compose;
using Reconciler.Core.Compose.Loading;
using Reconciler.Core.Compose.Yaml;

namespace Reconciler.Core.Tests.Compose.Loading;

/// <summary>
/// The loader asks its file source before every file it reads or hands to the engine; a refused
/// path is an error at the key that named it, quoting the path as written and nothing of the file.
/// </summary>
public sealed class ComposeLoaderRefusalTests
{
    private const string Reason = "resolves outside the stack's repository";
    private const string SecretValue = "s3cr3t-do-not-print";

    // The project lives in /p; /host holds what the daemon must not hand to a commit.
    private static readonly Dictionary<string, string> HostFiles = new()
    {
        ["/host/token"] = $"TOKEN={SecretValue}\n",
        ["/host/other.yaml"] = "services:\n  base:\n    image: x\n",
        ["/host/inc/compose.yaml"] = "services:\n  inc:\n    image: x\n",
        ["/host/inc/.env"] = $"TOKEN={SecretValue}\n",
    };

    private static string? InsideP(string path) => path.StartsWith("/p/", StringComparison.Ordinal) || path == "/p" ? null : Reason;

    private static LoadResult Load(string compose, Dictionary<string, string>? more = null, Func<string, string?>? refusal = null,
        LoadOptions? options = null)
    {
        var all = new Dictionary<string, string>(HostFiles) { ["/p/compose.yaml"] = compose };
        foreach (var (k, v) in more ?? []) all["/p/" + k] = v;
        return ComposeLoader.Load(options ?? new LoadOptions { WorkingDirectory = "/p" }, new InMemoryFiles(all, refusal));
    }

    private static Diagnostic OnlyRefusal(LoadResult result)
    {
        Assert.False(result.Success);
        var error = Assert.Single(result.Errors);
        Assert.Contains(Reason, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, string.Join("\n", result.Diagnostics), StringComparison.Ordinal);
        return error;
    }

    [Fact]
    public void Refuses_an_env_file_outside_the_repository_at_its_key()
    {
        var error = OnlyRefusal(Load("services:\n  web:\n    image: x\n    env_file:\n      - ../host/token\n", refusal: InsideP));

        Assert.Equal("/p/compose.yaml:5:9: services.web.env_file[0]: ../host/token " + Reason, error.ToString());
    }

    [Fact]
    public void Refuses_an_optional_env_file_instead_of_skipping_it()
    {
        var error = OnlyRefusal(Load("services:\n  web:\n    image: x\n    env_file:\n      - path: /host/token\n        required: false\n", refusal: InsideP));

        Assert.Equal("services.web.env_file[0]", error.KeyPath);
        Assert.StartsWith("/host/token ", error.Message, StringComparison.Ordinal);
        Assert.Equal(5, error.Where!.Value.Line);
    }

    [Fact]
    public void Refuses_an_env_file_option_outside_the_repository()
    {
        var error = OnlyRefusal(Load("services:\n  web:\n    image: ${TOKEN:-x}\n", refusal: InsideP,
            options: new LoadOptions { WorkingDirectory = "/p", EnvFiles = ["../host/token"] }));

        Assert.Equal("env file /host/token " + Reason, error.Message);
    }

    [Fact]
    public void Refuses_a_default_env_file_the_source_refuses()
    {
        // A .env inside the folder that the source refuses (on disk: a symlink leading out).
        var error = OnlyRefusal(Load("services:\n  web:\n    image: x\n", new() { [".env"] = "A=1\n" },
            refusal: p => p == "/p/.env" ? Reason : null));

        Assert.Equal("env file .env " + Reason, error.Message);
    }

    [Fact]
    public void Refuses_a_compose_file_option_outside_the_repository()
    {
        var error = OnlyRefusal(Load("services: {}\n", refusal: InsideP,
            options: new LoadOptions { WorkingDirectory = "/p", ProjectDirectory = "/p", Files = ["../host/other.yaml"] }));

        Assert.Equal("compose file /host/other.yaml " + Reason, error.Message);
    }

    [Fact]
    public void Refuses_compose_files_named_by_COMPOSE_FILE_in_the_env_file()
    {
        var error = OnlyRefusal(Load("services: {}\n", new() { [".env"] = "COMPOSE_FILE=../host/other.yaml\n" }, InsideP));

        Assert.Contains("/host/other.yaml", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refuses_an_extends_file_outside_the_repository_at_its_key()
    {
        var error = OnlyRefusal(Load("services:\n  web:\n    extends:\n      service: base\n      file: ../host/other.yaml\n", refusal: InsideP));

        Assert.Equal("/p/compose.yaml:5:13: services.web.extends.file: ../host/other.yaml " + Reason, error.ToString());
    }

    [Theory]
    [InlineData("include:\n  - ../host/inc/compose.yaml\n", "include[0]", 2)]
    [InlineData("include:\n  - path: ../host/inc/compose.yaml\n", "include[0].path", 2)]
    [InlineData("include:\n  - path: inc/compose.yaml\n    project_directory: /host/inc\n", "include[0].project_directory", 3)]
    [InlineData("include:\n  - path: inc/compose.yaml\n    env_file: ../host/token\n", "include[0].env_file", 3)]
    public void Refuses_an_include_reaching_outside_the_repository_at_its_key(string include, string key, int line)
    {
        var error = OnlyRefusal(Load(include + "services:\n  web:\n    image: x\n",
            new() { ["inc/compose.yaml"] = "services:\n  inc:\n    image: x\n" }, InsideP));

        Assert.Equal(key, error.KeyPath);
        Assert.Equal(new Mark("/p/compose.yaml", line, error.Where!.Value.Column), error.Where);
    }

    [Fact]
    public void Refuses_the_env_file_of_an_included_folder_the_source_refuses()
    {
        var error = OnlyRefusal(Load("include:\n  - inc/compose.yaml\nservices:\n  web:\n    image: x\n",
            new() { ["inc/compose.yaml"] = "services:\n  inc:\n    image: x\n", ["inc/.env"] = "A=1\n" },
            p => p == "/p/inc/.env" ? Reason : null));

        Assert.Equal("env file inc/.env " + Reason, error.Message);
    }

    [Theory]
    [InlineData("secrets")]
    [InlineData("configs")]
    public void Refuses_a_secret_or_config_file_outside_the_repository_at_its_key(string kind)
    {
        var error = OnlyRefusal(Load($"services:\n  web:\n    image: x\n    {kind}: [token]\n{kind}:\n  token:\n    file: /host/token\n", refusal: InsideP));

        Assert.Equal($"/p/compose.yaml:7:11: {kind}.token.file: /host/token " + Reason, error.ToString());
    }

    [Fact]
    public void Reports_every_refused_env_and_secret_file_of_a_project_at_once()
    {
        var result = Load("services:\n  web:\n    image: x\n    env_file: [../host/token]\n    secrets: [token]\nsecrets:\n  token:\n    file: ../host/token\n", refusal: InsideP);

        Assert.Equal(["secrets.token.file", "services.web.env_file[0]"], result.Errors.Select(e => e.KeyPath).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Files_the_source_allows_load_as_before()
    {
        var result = Load("services:\n  web:\n    image: x\n    env_file: [../host/token]\n    secrets: [token]\nsecrets:\n  token:\n    file: ../host/token\n",
            refusal: p => p.StartsWith("/p/", StringComparison.Ordinal) || p == "/host/token" ? null : Reason);

        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Contains($"\"TOKEN\": \"{SecretValue}\"", result.Project!.ServiceJson("web"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_source_without_refusals_reads_any_file_as_compose_does()
    {
        // The CLI's source: the user runs it on their own files, so nothing is refused.
        IFileSource plain = new PlainFiles(new(HostFiles) { ["/p/compose.yaml"] = "services:\n  web:\n    image: x\n    env_file: [../host/token]\n" });
        Assert.Null(plain.Refusal("/host/token"));

        var result = ComposeLoader.Load(new LoadOptions { WorkingDirectory = "/p", EnvFiles = ["/host/inc/.env"] }, plain);

        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        Assert.Contains($"\"TOKEN\": \"{SecretValue}\"", result.Project!.ServiceJson("web"), StringComparison.Ordinal);
    }

    /// <summary>A source that does not implement <see cref="IFileSource.Refusal"/>: the interface's default applies.</summary>
    private sealed class PlainFiles(Dictionary<string, string> files) : IFileSource
    {
        private readonly InMemoryFiles _inner = new(files);
        public string? ReadText(string path) => _inner.ReadText(path);
        public byte[]? ReadBytes(string path) => _inner.ReadBytes(path);
        public bool FileExists(string path) => _inner.FileExists(path);
        public bool DirectoryExists(string path) => _inner.DirectoryExists(path);
        public IEnumerable<string> ListFiles(string directory) => _inner.ListFiles(directory);
    }
}
