using System.Text;
using System.Text.Json;
using Reconciler.Docker.Registry;
using Reconciler.Docker.Swarm;

namespace Reconciler.Docker.Tests.Swarm;

public class SwarmRegistryAuthTests
{
    [Fact]
    public void The_header_is_the_engines_auth_config_in_url_safe_base64()
    {
        var header = SwarmRegistryAuth.Encode(new RegistryCredential { ServerAddress = "registry.example:5000", Username = "deploy", Password = "p+/w?>" });

        Assert.DoesNotContain('+', header);
        Assert.DoesNotContain('/', header);
        var json = Encoding.UTF8.GetString(Convert.FromBase64String(header.Replace('-', '+').Replace('_', '/')));
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("deploy", doc.RootElement.GetProperty("username").GetString());
        Assert.Equal("p+/w?>", doc.RootElement.GetProperty("password").GetString());
        Assert.Equal("registry.example:5000", doc.RootElement.GetProperty("serveraddress").GetString());
    }

    [Fact]
    public async Task The_credential_is_looked_up_by_the_images_registry_and_none_means_no_header()
    {
        var asked = new List<string>();
        var auth = new SwarmRegistryAuth(new Lookup(host =>
        {
            asked.Add(host);
            return host == "registry.example:5000" ? new RegistryCredential { ServerAddress = host, Username = "u", Password = "p" } : null;
        }));

        Assert.NotNull(await auth.HeaderForAsync("registry.example:5000/team/app:1.2", default));
        Assert.Null(await auth.HeaderForAsync("busybox:1", default));
        Assert.Equal(["registry.example:5000", "docker.io"], asked);
        Assert.Null(await new SwarmRegistryAuth(null).HeaderForAsync("registry.example:5000/team/app:1.2", default));
    }

    private sealed class Lookup(Func<string, RegistryCredential?> find) : IRegistryCredentialProvider
    {
        public ValueTask<CredentialLookup> FindAsync(string registryHost, CancellationToken ct = default) =>
            ValueTask.FromResult(new CredentialLookup(find(registryHost), "test"));
    }
}
