namespace Reconciler.Docker.Tests;

public sealed class EndpointTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] vars) =>
        key => vars.FirstOrDefault(v => v.Key == key).Value;

    [Fact]
    public void Explicit_host_wins_over_DOCKER_HOST()
    {
        var e = DockerEndpoint.Resolve("unix:///run/other.sock", Env(("DOCKER_HOST", "tcp://10.0.0.1:2375")));
        Assert.Equal("unix:///run/other.sock", e.Uri.ToString());
        Assert.Equal("explicit", e.Source);
        Assert.True(e.IsUnixSocket);
    }

    [Fact]
    public void DOCKER_HOST_is_used_when_no_host_is_given()
    {
        var e = DockerEndpoint.Resolve(null, Env(("DOCKER_HOST", "tcp://10.0.0.1:2376")));
        Assert.Equal(new Uri("tcp://10.0.0.1:2376"), e.Uri);
        Assert.Equal("DOCKER_HOST", e.Source);
        Assert.False(e.IsUnixSocket);
        Assert.Equal(new Uri("http://10.0.0.1:2376"), e.TransportUri);
    }

    [Fact]
    public void Default_is_the_standard_socket()
    {
        var e = DockerEndpoint.Resolve(null, Env());
        Assert.Equal(new Uri(DockerEndpoint.DefaultHost), e.Uri);
        Assert.Equal("default", e.Source);
    }

    [Fact]
    public void Tcp_without_port_means_2375_and_a_bare_path_means_unix()
    {
        Assert.Equal(2375, DockerEndpoint.Resolve("tcp://docker.lan", Env()).Uri.Port);
        Assert.Equal(new Uri("unix:///var/run/docker.sock"), DockerEndpoint.Resolve("/var/run/docker.sock", Env()).Uri);
    }

    [Theory]
    [InlineData("ssh://me@host")]
    [InlineData("npipe:////./pipe/docker_engine")]
    [InlineData("not a uri")]
    [InlineData("unix://")]
    public void Unsupported_hosts_are_refused_with_a_clear_message(string host)
    {
        var e = Assert.Throws<DockerEndpointException>(() => DockerEndpoint.Resolve(host, Env()));
        Assert.Contains(host, e.Message);
    }

    [Fact]
    public void Tls_is_refused_rather_than_silently_ignored()
    {
        var e = Assert.Throws<DockerEndpointException>(() => DockerEndpoint.Resolve(null, Env(("DOCKER_HOST", "tcp://10.0.0.1:2376"), ("DOCKER_TLS_VERIFY", "1"))));
        Assert.Contains("TLS", e.Message);
    }

    [Fact]
    public async Task An_unreachable_engine_fails_with_a_message_naming_the_endpoint()
    {
        using var engine = DockerEngine.Connect("unix:///tmp/rtest-no-such-docker.sock");
        var e = await Assert.ThrowsAsync<DockerEngineUnavailableException>(() => engine.PingAsync());
        Assert.Contains("unix:///tmp/rtest-no-such-docker.sock", e.Message);
        Assert.Contains("unreachable", e.Message);
    }

    [Fact]
    public async Task An_unreachable_tcp_engine_fails_the_same_way()
    {
        using var engine = DockerEngine.Connect("tcp://127.0.0.1:1");
        var e = await Assert.ThrowsAsync<DockerEngineUnavailableException>(() => engine.PingAsync());
        Assert.Contains("tcp://127.0.0.1:1", e.Message);
    }
}
