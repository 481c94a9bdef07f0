using System.Collections.Immutable;
using Reconciler.Core.Building;
using Reconciler.Core.Desired;
using Reconciler.Docker.Building;

namespace Reconciler.Docker.Tests.Building;

/// <summary>The query of <c>POST /build</c>, as the docker CLI writes it for the legacy builder.</summary>
public sealed class BuildQueryTests
{
    private static Dictionary<string, List<string>> Parse(string query) =>
        query.Split('&').Select(p => p.Split('=', 2)).GroupBy(p => Uri.UnescapeDataString(p[0]))
            .ToDictionary(g => g.Key, g => g.Select(p => Uri.UnescapeDataString(p[1])).ToList());

    [Fact]
    public void Every_option_becomes_the_parameter_the_engine_reads()
    {
        var spec = new BuildSpec
        {
            Context = "/ctx",
            Args = ImmutableSortedDictionary<string, string>.Empty.Add("V", "1 & 2"),
            Target = "runtime",
            Network = "host",
            ExtraHosts = ["a:10.0.0.1", "b:10.0.0.2"],
            ShmSize = 1024,
            CacheFrom = ["shop/web:cache"],
            NoCache = true,
            Pull = true,
            Ulimits = [new UlimitSpec("nofile", 1024, 2048)],
            Platform = "Linux/AMD64",
        };

        var q = Parse(BuildQuery.For(spec, ["shop-web", "shop/web:1"], new Dictionary<string, string> { ["k"] = "v" }, "docker/Dockerfile"));

        Assert.Equal(["shop-web", "shop/web:1"], q["t"]);
        Assert.Equal(["docker/Dockerfile"], q["dockerfile"]);
        Assert.Equal(["1"], q["version"]);
        Assert.Equal(["1"], q["rm"]);
        Assert.Equal(["1"], q["forcerm"]);
        Assert.Equal(["1"], q["nocache"]);
        Assert.Equal(["1"], q["pull"]);
        Assert.Equal(["runtime"], q["target"]);
        Assert.Equal(["host"], q["networkmode"]);
        Assert.Equal(["a:10.0.0.1", "b:10.0.0.2"], q["extrahosts"]);
        Assert.Equal(["1024"], q["shmsize"]);
        Assert.Equal(["linux/amd64"], q["platform"]);
        Assert.Equal(["{\"V\":\"1 \\u0026 2\"}"], q["buildargs"]);
        Assert.Equal(["{\"k\":\"v\"}"], q["labels"]);
        Assert.Equal(["[\"shop/web:cache\"]"], q["cachefrom"]);
        Assert.Equal(["[{\"Name\":\"nofile\",\"Soft\":1024,\"Hard\":2048}]"], q["ulimits"]);
    }

    [Fact]
    public void Options_left_unset_are_left_to_the_engine()
    {
        var q = Parse(BuildQuery.For(new BuildSpec { Context = "/ctx" }, ["shop-web"], new Dictionary<string, string>(), "Dockerfile"));

        Assert.Equal(["buildargs", "dockerfile", "forcerm", "labels", "rm", "t", "version"], q.Keys.Order(StringComparer.Ordinal));
    }
}
