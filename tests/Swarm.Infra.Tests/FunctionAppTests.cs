using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Swarm.Infra.Tests;

/// <summary>The function app: Flex Consumption, .NET isolated, one instance always ready, locked down, identity-based settings.</summary>
public sealed class FunctionAppTests
{
    private static Snapshot Snapshot => Bicep.Example;

    private static JsonObject Site => Snapshot.Single("Microsoft.Web/sites");

    private static JsonNode Config => Site["properties"]!["functionAppConfig"]!;

    private static AppSettings Settings => Snapshot.AppSettings;

    private static string IdentityId => (string)Snapshot.Single("Microsoft.ManagedIdentity/userAssignedIdentities")["id"]!;

    [Fact]
    public void The_app_runs_on_a_linux_flex_consumption_plan()
    {
        var plan = Snapshot.Single("Microsoft.Web/serverfarms");

        Assert.Equal("FC1", (string?)plan["sku"]!["name"]);
        Assert.Equal("FlexConsumption", (string?)plan["sku"]!["tier"]);
        Assert.True((bool)plan["properties"]!["reserved"]!, "reserved: true is a Linux plan");
        Assert.Equal("functionapp,linux", (string?)Site["kind"]);
        Assert.Equal((string?)plan["id"], (string?)Site["properties"]!["serverFarmId"]);
    }

    [Fact]
    public void The_worker_is_dotnet_isolated_on_dotnet_10()
    {
        Assert.Equal("dotnet-isolated", (string?)Config["runtime"]!["name"]);
        Assert.Equal("10.0", (string?)Config["runtime"]!["version"]);
        // Flex Consumption takes the runtime from functionAppConfig and refuses these settings.
        Assert.False(Settings.Has("FUNCTIONS_WORKER_RUNTIME"));
        Assert.False(Settings.Has("FUNCTIONS_EXTENSION_VERSION"));
    }

    [Fact]
    public void The_http_group_and_the_service_bus_consumer_timer_are_each_kept_ready()
    {
        var alwaysReady = Config["scaleAndConcurrency"]!["alwaysReady"]!.AsArray().Select(r => ((string?)r!["name"], (int)r["instanceCount"]!)).ToList();

        // The consumer is the timer function DrainAgentEvents (Swarm.Functions.BusFunctions.DrainFunction); Flex scales it alone.
        Assert.Equal([("http", 1), ("function:DrainAgentEvents", 1)], alwaysReady);
        var parameter = JsonNode.Parse(Bicep.Build.Stdout)!["parameters"]!["alwaysReadyInstances"]!;
        Assert.Equal(1, (int)parameter["minValue"]!);
        Assert.Equal(2, (int)Bicep.Variant.Single("Microsoft.Web/sites")["properties"]!["functionAppConfig"]!["scaleAndConcurrency"]!["alwaysReady"]![0]!["instanceCount"]!);
    }

    [Fact]
    public void The_app_is_https_only_with_tls_1_2_no_ftp_and_no_basic_publishing_credentials()
    {
        var properties = Site["properties"]!;

        Assert.True((bool)properties["httpsOnly"]!);
        Assert.Equal("1.2", (string?)properties["siteConfig"]!["minTlsVersion"]);
        Assert.Equal("1.2", (string?)properties["siteConfig"]!["scmMinTlsVersion"]);
        Assert.Equal("Disabled", (string?)properties["siteConfig"]!["ftpsState"]);
        var policies = Snapshot.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies").ToList();
        Assert.Equal(["ftp", "scm"], policies.Select(p => ((string)p["name"]!).Split('/')[^1]).Order(StringComparer.Ordinal));
        Assert.All(policies, p => Assert.False((bool)p["properties"]!["allow"]!));
    }

    [Fact]
    public void The_app_runs_as_the_user_assigned_identity_and_deploys_from_blob_storage_through_it()
    {
        var storage = Config["deployment"]!["storage"]!;

        Assert.Equal("UserAssigned", (string?)Site["identity"]!["type"]);
        Assert.Equal([IdentityId], Site["identity"]!["userAssignedIdentities"]!.AsObject().Select(p => p.Key));
        Assert.Equal("blobContainer", (string?)storage["type"]);
        Assert.Equal("UserAssignedIdentity", (string?)storage["authentication"]!["type"]);
        Assert.Equal(IdentityId, (string?)storage["authentication"]!["userAssignedIdentityResourceId"]);
        var container = ((string)Snapshot.Single("Microsoft.Storage/storageAccounts/blobServices/containers")["name"]!).Split('/')[^1];
        Assert.EndsWith($"primaryEndpoints.blob, '{container}')]", (string?)storage["value"], StringComparison.Ordinal);
    }

    [Fact]
    public void Host_storage_is_identity_based_with_no_connection_string()
    {
        var account = (string)Snapshot.Single("Microsoft.Storage/storageAccounts")["name"]!;

        Assert.Equal(account, Settings.Literal("AzureWebJobsStorage__accountName"));
        Assert.Equal("managedidentity", Settings.Literal("AzureWebJobsStorage__credential"));
        Assert.Equal($"reference('{IdentityId}', '2023-01-31').clientId", Settings.ValueExpression("AzureWebJobsStorage__clientId"));
        Assert.False(Settings.Has("AzureWebJobsStorage"));
        Assert.DoesNotContain("AccountKey", Settings.Expression, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING", Settings.Expression, StringComparison.Ordinal);
    }

    [Fact]
    public void The_task_hub_setting_is_the_one_host_json_and_the_local_settings_read()
    {
        var hostJson = JsonNode.Parse(Repository.Read("host.json"), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip })!;
        var hubName = (string)hostJson["extensions"]!["durableTask"]!["hubName"]!;
        var setting = Regex.Match(hubName, "^%([^%]+)%$").Groups[1].Value;
        var local = JsonNode.Parse(Repository.Read("src", "Swarm.Functions", "local.settings.example.json"))!["Values"]!.AsObject();

        Assert.Equal("SWARM_TASK_HUB", setting);
        Assert.True(local.ContainsKey(setting), $"local.settings.example.json has no {setting}");
        Assert.Equal("swarmprod", Settings.Literal(setting));
    }

    [Fact]
    public void The_agent_event_bus_is_service_bus_through_the_managed_identity()
    {
        var ns = (string)Snapshot.Single("Microsoft.ServiceBus/namespaces")["id"]!;
        var topic = ((string)Snapshot.Single("Microsoft.ServiceBus/namespaces/topics")["name"]!).Split('/')[^1];
        var subscription = ((string)Snapshot.Single("Microsoft.ServiceBus/namespaces/topics/subscriptions")["name"]!).Split('/')[^1];

        Assert.Equal($"parseUri(reference('{ns}', '2024-01-01').serviceBusEndpoint).host", Settings.ValueExpression("ServiceBusConnection__fullyQualifiedNamespace"));
        Assert.Equal("managedidentity", Settings.Literal("ServiceBusConnection__credential"));
        Assert.Equal($"reference('{IdentityId}', '2023-01-31').clientId", Settings.ValueExpression("ServiceBusConnection__clientId"));
        Assert.Equal(topic, Settings.Literal("Swarm__ServiceBus__Topic"));
        Assert.Equal(subscription, Settings.Literal("Swarm__ServiceBus__Subscription"));
        Assert.False(Settings.Has("ServiceBusConnection"));
    }

    [Fact]
    public void Telemetry_goes_to_application_insights_with_an_entra_token_of_the_identity()
    {
        var appInsights = (string)Snapshot.Single("Microsoft.Insights/components")["id"]!;

        Assert.Equal($"reference('{appInsights}', '2020-02-02').ConnectionString", Settings.ValueExpression("APPLICATIONINSIGHTS_CONNECTION_STRING"));
        Assert.Equal(
            $"format('Authorization=AAD;ClientId={{0}}', reference('{IdentityId}', '2023-01-31').clientId)",
            Settings.ValueExpression("APPLICATIONINSIGHTS_AUTHENTICATION_STRING"));
        Assert.Equal("swarm-functions", Settings.Literal("OTEL_SERVICE_NAME"));
        Assert.Equal("service.namespace=swarm,deployment.environment.name=prod", Settings.Literal("OTEL_RESOURCE_ATTRIBUTES"));
    }

    [Fact]
    public void Optional_settings_are_present_only_when_given()
    {
        Assert.False(Settings.Has("OTEL_EXPORTER_OTLP_ENDPOINT"));
        Assert.Contains(
            "if(empty(parameters('notificationWebhook')), createObject(), createObject('Swarm__Remediation__NotificationWebhook', parameters('notificationWebhook')))",
            Settings.Expression,
            StringComparison.Ordinal);
        Assert.Equal("40", Settings.Literal("Swarm__Teams__alpha__Capacity"));
        Assert.Equal("0.03", Settings.Literal("Swarm__Scrum__DefectRateThreshold"));

        var variant = Bicep.Variant.AppSettings;
        Assert.Equal(Bicep.VariantOtlpEndpoint, variant.Literal("OTEL_EXPORTER_OTLP_ENDPOINT"));
        Assert.Equal("service.namespace=swarm,deployment.environment.name=test", variant.Literal("OTEL_RESOURCE_ATTRIBUTES"));
    }

    [Fact]
    public void Alerts_can_be_left_out()
    {
        Assert.Empty(Bicep.Variant.OfType("Microsoft.Insights/scheduledQueryRules"));
        Assert.Empty(Bicep.Variant.OfType("Microsoft.Insights/actionGroups"));
        Assert.Single(Bicep.Variant.OfType("Microsoft.Web/sites"));
    }
}
