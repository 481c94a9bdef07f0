using Reconciler.Core.Swarm;

namespace Reconciler.Core.Tests.Swarm;

public class SwarmSpecComparisonTests
{
    private const string Sent = """
        {"Name":"s_web","Labels":{"com.docker.stack.namespace":"s"},
         "TaskTemplate":{"ContainerSpec":{"Image":"busybox:1","Secrets":[{"File":{"Name":"pw","UID":"0","GID":"0","Mode":292},"SecretName":"s_pw","SecretID":""}]},
           "Resources":{},"Placement":{"Preferences":[]}},
         "Mode":{"Replicated":{}},"EndpointSpec":{"Ports":[{"Protocol":"tcp","TargetPort":80,"PublishedPort":8080}]}}
        """;

    private const string Kept = """
        {"Name":"s_web","Labels":{"com.docker.stack.namespace":"s"},
         "TaskTemplate":{"ContainerSpec":{"Image":"busybox:1@sha256:0123","Isolation":"default","Privileges":{"CredentialSpec":null,"SELinuxContext":null},
             "Secrets":[{"File":{"Name":"pw","UID":"0","GID":"0","Mode":292},"SecretName":"s_pw","SecretID":"abc"}]},
           "Placement":{"Platforms":[{"Architecture":"amd64","OS":"linux"}]},"ForceUpdate":0,"Runtime":"container"},
         "Mode":{"Replicated":{"Replicas":1}},
         "RollbackConfig":{"Parallelism":1,"FailureAction":"pause","Monitor":5000000000,"MaxFailureRatio":0,"Order":"stop-first"},
         "EndpointSpec":{"Mode":"vip","Ports":[{"Protocol":"tcp","TargetPort":80,"PublishedPort":8080,"PublishMode":"ingress"}]}}
        """;

    [Fact]
    public void What_the_engine_fills_in_is_not_a_difference()
    {
        Assert.Empty(SwarmSpecComparison.Differences(Sent, Kept));
    }

    [Fact]
    public void A_changed_field_is_named_with_both_values()
    {
        var changed = Kept.Replace("\"TargetPort\":80", "\"TargetPort\":81", StringComparison.Ordinal);
        var difference = Assert.Single(SwarmSpecComparison.Differences(Sent, changed));
        Assert.Equal("EndpointSpec.Ports[0].TargetPort: 80 → 81", difference);
    }

    [Fact]
    public void Zero_replicas_differ_from_the_default_one()
    {
        var scaledDown = Kept.Replace("\"Replicas\":1", "\"Replicas\":0", StringComparison.Ordinal);
        Assert.Single(SwarmSpecComparison.Differences(Sent, scaledDown));
    }

    [Fact]
    public void Parallelism_zero_differs_from_the_default_one()
    {
        var allAtOnce = Kept.Replace("\"RollbackConfig\":{\"Parallelism\":1", "\"RollbackConfig\":{\"Parallelism\":0", StringComparison.Ordinal);
        Assert.Single(SwarmSpecComparison.Differences(Sent, allAtOnce));
    }

    [Fact]
    public void A_label_added_by_hand_is_a_difference()
    {
        var labelled = Kept.Replace("\"Labels\":{\"com.docker.stack.namespace\":\"s\"}", "\"Labels\":{\"com.docker.stack.namespace\":\"s\",\"x\":\"1\"}", StringComparison.Ordinal);
        Assert.Equal(["Labels.x: (absent) → \"1\""], SwarmSpecComparison.Differences(Sent, labelled).ToArray());
    }
}
