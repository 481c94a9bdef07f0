using System.Net;
using Reconciler.Docker.Execution;

namespace Reconciler.Docker.Tests.Execution;

/// <summary>
/// Failures keep their kind from the engine's answer to the daemon's decision: the adapter reads
/// the engine's words once, at the wire, and nothing further up parses an error message.
/// </summary>
public sealed class ActionFailureTests
{
    [Theory]
    [InlineData("manifest for 127.0.0.1:5000/app:9.9 not found: manifest unknown: manifest unknown")]
    [InlineData("repository app not found")]
    public void A_registry_answer_naming_no_such_image_is_read_as_not_found(string reason) =>
        Assert.True(DockerImageOperations.NamesNoImage(reason));

    [Theory]
    [InlineData("Get \"http://127.0.0.1:5001/v2/\": dial tcp 127.0.0.1:5001: connect: connection refused")]
    [InlineData("unauthorized: authentication required")]
    public void A_registry_that_is_down_or_refuses_credentials_is_not_read_as_not_found(string reason) =>
        Assert.False(DockerImageOperations.NamesNoImage(reason));

    [Fact]
    public void A_pull_of_an_image_the_registry_lacks_is_its_own_kind_and_other_pull_failures_are_not() =>
        Assert.Equal([ActionFailureKind.ImageNotFound, ActionFailureKind.PullFailed],
            new[] { true, false }.Select(notFound => ActionFailure.Of(
                new ImagePullException("127.0.0.1:5000/app:9.9", "127.0.0.1:5000", "reason", usedCredentials: false, notFound: notFound)).Kind));

    [Theory]
    [InlineData("driver failed programming external connectivity on endpoint web-1 (abc): Bind for 127.0.0.1:18080 failed: port is already allocated", 18080)]
    [InlineData("error while calling proxy: listen tcp4 0.0.0.0:8081: bind: address already in use", 8081)]
    public void The_host_port_of_a_bind_conflict_is_found_in_the_engines_refusal(string reason, int port) =>
        Assert.Equal([port], EngineErrors.PortsRefused(reason));

    [Fact]
    public void Other_refusals_name_no_port() =>
        Assert.Empty(EngineErrors.PortsRefused("Conflict. The container name \"/web-1\" is already in use"));

    [Fact]
    public void A_port_conflict_carries_its_ports_to_the_action_failure()
    {
        var failure = ActionFailure.Of(new PortInUseException("start container", "'web-1'", "port is already allocated", [18080], HttpStatusCode.InternalServerError, null));
        Assert.Equal(ActionFailureKind.PortInUse, failure.Kind);
        Assert.Equal([18080], failure.Ports);
    }

    [Fact]
    public void Engine_refusals_unreachable_engines_and_timeouts_are_told_apart() =>
        Assert.Equal([ActionFailureKind.EngineRefused, ActionFailureKind.EngineUnavailable, ActionFailureKind.NotReady, ActionFailureKind.Other],
            new Exception[]
            {
                new DockerOperationException("start container", "'web-1'", "No such container", DockerErrorKind.NotFound, HttpStatusCode.NotFound),
                new DockerEngineUnavailableException("no socket"),
                new TimeoutException("not healthy"),
                new InvalidOperationException("anything else"),
            }.Select(e => ActionFailure.Of(e).Kind));
}
