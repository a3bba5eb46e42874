using System.Text.Json.Nodes;

namespace Swarm.Infra.Tests;

/// <summary>Storage, Service Bus, monitoring and the roles the app's identity holds on them; the template's outputs.</summary>
public sealed class PlatformTests
{
    private static Snapshot Snapshot => Bicep.Example;

    private static string IdOf(string type) => (string)Snapshot.Single(type)["id"]!;

    private static string PrincipalOfIdentity =>
        $"[reference('{IdOf("Microsoft.ManagedIdentity/userAssignedIdentities")}', '2023-01-31').principalId]";

    /// <summary>Built-in role ids granted to the app's identity, by the scope they are granted on.</summary>
    private static ILookup<string, string> RolesByScope =>
        Snapshot.OfType("Microsoft.Authorization/roleAssignments")
            .Where(r => (string?)r["properties"]!["principalId"] == PrincipalOfIdentity)
            .ToLookup(
                r => ((string)r["id"]!)[..((string)r["id"]!).IndexOf("/providers/Microsoft.Authorization/", StringComparison.Ordinal)],
                r => ((string)r["properties"]!["roleDefinitionId"]!).Split('/')[^1]);

    [Fact]
    public void The_storage_account_takes_no_shared_key_and_no_anonymous_or_plain_http_access()
    {
        var properties = Snapshot.Properties("Microsoft.Storage/storageAccounts");

        Assert.False((bool)properties["allowSharedKeyAccess"]!);
        Assert.False((bool)properties["allowBlobPublicAccess"]!);
        Assert.True((bool)properties["supportsHttpsTrafficOnly"]!);
        Assert.Equal("TLS1_2", (string?)properties["minimumTlsVersion"]);
        Assert.Equal("None", (string?)Snapshot.Properties("Microsoft.Storage/storageAccounts/blobServices/containers")["publicAccess"]);
    }

    [Fact]
    public void The_identity_holds_the_storage_data_roles_the_functions_host_and_durable_functions_need()
    {
        Assert.Equal(
            [
                "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3", // Storage Table Data Contributor
                "974c5e8b-45b9-4653-ba55-5f855dd0fb88", // Storage Queue Data Contributor
                "b7e6dc6d-f1e8-4753-8033-0f276bb0955b", // Storage Blob Data Owner
            ],
            RolesByScope[IdOf("Microsoft.Storage/storageAccounts")].Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_identity_sends_to_and_receives_from_the_swarm_events_topic()
    {
        Assert.Equal(
            [
                "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0", // Azure Service Bus Data Receiver
                "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39", // Azure Service Bus Data Sender
            ],
            RolesByScope[IdOf("Microsoft.ServiceBus/namespaces/topics")].Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_identity_publishes_telemetry_to_application_insights()
    {
        Assert.Equal(
            ["3913510d-42f4-4e42-8a64-420c390055eb"], // Monitoring Metrics Publisher
            RolesByScope[IdOf("Microsoft.Insights/components")]);
    }

    [Fact]
    public void Every_role_assignment_goes_to_the_identity_as_a_service_principal()
    {
        var assignments = Snapshot.OfType("Microsoft.Authorization/roleAssignments").ToList();

        Assert.Equal(6, assignments.Count);
        Assert.All(assignments, a =>
        {
            Assert.Equal(PrincipalOfIdentity, (string?)a["properties"]!["principalId"]);
            Assert.Equal("ServicePrincipal", (string?)a["properties"]!["principalType"]);
        });
    }

    [Fact]
    public void Service_bus_is_standard_with_local_auth_off_and_the_swarm_topic_and_subscription()
    {
        var ns = Snapshot.Single("Microsoft.ServiceBus/namespaces");
        var topic = Snapshot.Single("Microsoft.ServiceBus/namespaces/topics");
        var subscription = Snapshot.Single("Microsoft.ServiceBus/namespaces/topics/subscriptions");

        Assert.Equal("Standard", (string?)ns["sku"]!["name"]);
        Assert.True((bool)ns["properties"]!["disableLocalAuth"]!);
        Assert.Equal("1.2", (string?)ns["properties"]!["minimumTlsVersion"]);
        Assert.EndsWith("/swarm-events", (string?)topic["name"], StringComparison.Ordinal);
        Assert.True((bool)topic["properties"]!["requiresDuplicateDetection"]!, "event ids are message ids: the broker drops re-sent events");
        Assert.EndsWith("/swarm-events/swarm-agents", (string?)subscription["name"], StringComparison.Ordinal);
        Assert.True((bool)subscription["properties"]!["deadLetteringOnMessageExpiration"]!);
        Assert.Equal(10, (int)subscription["properties"]!["maxDeliveryCount"]!);
    }

    [Fact]
    public void Application_insights_is_workspace_based_and_takes_entra_authenticated_telemetry_only()
    {
        var properties = Snapshot.Properties("Microsoft.Insights/components");

        Assert.Equal(IdOf("Microsoft.OperationalInsights/workspaces"), (string?)properties["WorkspaceResourceId"]);
        Assert.Equal("LogAnalytics", (string?)properties["IngestionMode"]);
        Assert.True((bool)properties["DisableLocalAuth"]!);
    }

    [Fact]
    public void The_template_outputs_what_a_deployment_script_needs()
    {
        var outputs = Snapshot.Outputs;

        Assert.Equal((string?)Snapshot.Single("Microsoft.Web/sites")["name"], (string?)outputs["functionAppName"]);
        Assert.Equal(
            $"[reference('{IdOf("Microsoft.Web/sites")}', '2024-04-01').defaultHostName]",
            (string?)outputs["functionAppDefaultHostName"]);
        Assert.Equal("APPLICATIONINSIGHTS_CONNECTION_STRING", (string?)outputs["appInsightsConnectionStringSetting"]);
        Assert.Equal((string?)Snapshot.Single("Microsoft.Insights/components")["name"], (string?)outputs["appInsightsName"]);
        Assert.Equal(
            $"[parseUri(reference('{IdOf("Microsoft.ServiceBus/namespaces")}', '2024-01-01').serviceBusEndpoint).host]",
            (string?)outputs["serviceBusFullyQualifiedNamespace"]);
        Assert.Equal(
            PrometheusRules.All.Select(a => a.Name).Order(StringComparer.Ordinal),
            outputs["alertRuleNames"]!.AsArray().Select(n => (string)n!).Order(StringComparer.Ordinal));
    }
}
