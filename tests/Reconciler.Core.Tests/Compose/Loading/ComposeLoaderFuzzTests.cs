using System.Text;

namespace Reconciler.Core.Tests.Compose.Loading;

/// <summary>
/// Loading never throws, whatever the input: random and mutated YAML all come back as a project or
/// diagnostics, and never an "internal error" (an exception the loader caught: a bug of ours).
/// Inputs that once broke the loader are kept in fuzz-corpus/ and replayed.
/// </summary>
public class ComposeLoaderFuzzTests
{
    private static readonly string[] Seeds =
    [
        "services:\n  web:\n    image: x\n    ports: [\"80:80\", 443]\n    environment: [A=1, B]\n",
        "x-d: &d {image: x, restart: always}\nservices:\n  a: {<<: *d, command: echo hi}\n  b: *d\n",
        "services:\n  web:\n    image: ${IMG:-x}\n    volumes: [./a:/a:ro, data:/d, {type: tmpfs, target: /t}]\nvolumes: {data: {}}\n",
        "services:\n  w:\n    image: x\n    depends_on: {db: {condition: service_healthy}}\n    healthcheck: {test: [CMD, true], interval: 1s}\n  db: {image: y}\n",
        "name: p\nservices:\n  a:\n    image: x\n    networks: {n: {aliases: [q]}}\nnetworks: {n: {driver: bridge}}\n",
        "services:\n  base: {image: x, environment: {A: \"${A:-${B:+c}}\"}}\n  web: {extends: base, ports: [\"8000-8002:80-82/udp\"], depends_on: [base]}\n  w2: {extends: {service: web}, x-e: [[[1]]], build: {context: .}}\n",
        "x-a: &a {labels: [a=1], restart: \"no\"}\nservices:\n  s: {<<: [*a, {image: y}], secrets: [s1], configs: [{source: c1, target: /c}]}\nsecrets: {s1: {file: ./s}}\nconfigs: {c1: {content: hi}}\n",
    ];

    private static void MustNotThrow(string yaml)
    {
        var result = InMemoryFiles.Load(yaml);
        Assert.True(result.Success || result.Errors.Any(), "a failed load must say why");
        var internalError = result.Errors.FirstOrDefault(d => d.Message.StartsWith("internal error", StringComparison.Ordinal));
        Assert.True(internalError is null, $"{internalError} for input:\n{yaml}");
        if (result.Success) _ = result.Project!.ToJson();
    }

    [Fact]
    public void Mutated_compose_files_never_throw()
    {
        var random = new Random(20261125);
        const string alphabet = ":-[]{}&*<>!|'\"$#%@`,?\n \t~0aZ._=";
        for (var i = 0; i < 4000; i++)
        {
            var sb = new StringBuilder(Seeds[random.Next(Seeds.Length)]);
            var edits = random.Next(1, 6);
            for (var e = 0; e < edits && sb.Length > 0; e++)
            {
                var at = random.Next(sb.Length);
                switch (random.Next(3))
                {
                    case 0: sb.Remove(at, Math.Min(random.Next(1, 4), sb.Length - at)); break;
                    case 1: sb.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                    default: sb[at] = alphabet[random.Next(alphabet.Length)]; break;
                }
            }
            MustNotThrow(sb.ToString());
        }
    }

    [Fact]
    public void Random_bytes_never_throw()
    {
        var random = new Random(7);
        for (var i = 0; i < 1000; i++)
        {
            var chars = new char[random.Next(0, 200)];
            for (var c = 0; c < chars.Length; c++) chars[c] = (char)random.Next(1, 128);
            MustNotThrow(new string(chars));
        }
    }

    [Fact]
    public void Random_bytes_with_invalid_utf8_and_nul_never_throw()
    {
        var random = new Random(11);
        for (var i = 0; i < 500; i++)
        {
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            var result = ByteFiles.Load(new Dictionary<string, byte[]> { ["/p/compose.yaml"] = bytes });
            Assert.True(result.Success || result.Errors.Any(), "a failed load must say why");
            Assert.DoesNotContain(result.Errors, d => d.Message.StartsWith("internal error", StringComparison.Ordinal));
        }
    }

    public static IEnumerable<object[]> Corpus() =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Compose", "Loading", "fuzz-corpus")).Order().Select(f => new object[] { Path.GetFileName(f) });

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Kept_corpus_inputs_never_throw(string file) =>
        MustNotThrow(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Compose", "Loading", "fuzz-corpus", file)));
}
