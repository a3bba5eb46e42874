// The Swarm Functions app: Linux, .NET isolated worker, on the Flex Consumption plan (FC1).
//
// Why Flex Consumption and not Elastic Premium EP1: the agent-event consumer is a timer-triggered function,
// DrainAgentEvents, that drains the Service Bus subscription every 10 s (the Service Bus trigger extension is not
// usable here), so the platform cannot scale on queue length and the consumer must be kept warm. Both plans can
// guarantee that — EP1 with minimumElasticInstanceCount 1, Flex with always-ready instances per function group — but
// only Flex does it with identity-based storage end to end: Linux Premium still
// needs an Azure Files content share reached with a storage connection string (WEBSITE_CONTENTAZUREFILECONNECTIONSTRING),
// while Flex deploys from a blob container through the managed identity, so the storage account keeps shared keys off.
// Flex also supports .NET 10 isolated, Durable Functions on Azure Storage, and bills the always-ready baseline lower
// than a permanently allocated EP1 core.
//
// Flex Consumption takes the runtime from functionAppConfig.runtime; it rejects the FUNCTIONS_WORKER_RUNTIME and
// FUNCTIONS_EXTENSION_VERSION app settings (always Functions v4 there), so neither is set below.

@description('Azure region.')
param location string

@description('Function app name (globally unique host name).')
param name string

@description('Flex Consumption plan name.')
param planName string

@description('Resource id of the user-assigned managed identity the app runs as.')
param identityId string

@description('Client id of that identity (AzureWebJobsStorage__clientId, ServiceBusConnection__clientId, Entra telemetry).')
param identityClientId string

@description('.NET version of the isolated worker.')
param dotnetVersion string

@description('Instances kept running at all times for the "http" function group (the API, alerts from action groups).')
@minValue(1)
param alwaysReadyInstances int

@description('Name of the timer function that consumes Service Bus; Flex scales it alone, so it gets its own always-ready instance.')
param consumerFunctionName string = 'DrainAgentEvents'

@description('Upper bound of instances the plan scales out to.')
param maximumInstanceCount int

@description('Memory per instance in MB.')
param instanceMemoryMB int

@description('Storage account for AzureWebJobsStorage (identity-based).')
param storageAccountName string

@description('URL of the blob container holding the deployment package.')
param deploymentContainerUrl string

@description('Durable Functions task hub name (host.json reads %SWARM_TASK_HUB%).')
param taskHubName string

@description('Fully qualified Service Bus namespace (<name>.servicebus.windows.net).')
param serviceBusNamespace string

param serviceBusTopicName string
param serviceBusSubscriptionName string

@description('Application Insights connection string.')
param appInsightsConnectionString string

@description('OTLP endpoint for a second telemetry destination; empty: Azure Monitor only.')
param otlpEndpoint string

@description('deployment.environment.name resource attribute.')
param environmentName string

@description('Defect-rate threshold (a fraction) above which Scrum engages Lean.')
param defectRateThreshold string

@description('Incoming-webhook URL for remediation notices; empty: notices are logged.')
@secure()
param notificationWebhook string

@description('Host-level function key to create for the Azure Monitor webhook; empty: none is created.')
@secure()
param alertsFunctionKey string

@description('Name of that key.')
param alertsFunctionKeyName string

@description('More app settings (for example Swarm__Teams__alpha__Capacity); they override the ones above.')
param additionalAppSettings object

param tags object

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    publicNetworkAccess: 'Enabled'
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        // "http" is the group of every HTTP-triggered function: kept ready, the API and the action group's webhook
        // answer without a cold start. A timer function scales alone on Flex ("function:<name>"): one instance of the
        // Service Bus consumer is kept ready, so its 10-s schedule never waits for an instance (the host runs a timer
        // as one instance across the app anyway, so more would idle).
        alwaysReady: [
          {
            name: 'http'
            instanceCount: alwaysReadyInstances
          }
          {
            name: 'function:${consumerFunctionName}'
            instanceCount: 1
          }
        ]
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'dotnet-isolated'
        version: dotnetVersion
      }
    }
  }

  resource appSettings 'config' = {
    name: 'appsettings'
    properties: union(
      {
        // Host storage through the managed identity (no connection string, no account key).
        AzureWebJobsStorage__accountName: storageAccountName
        AzureWebJobsStorage__credential: 'managedidentity'
        AzureWebJobsStorage__clientId: identityClientId
        // host.json: "hubName": "%SWARM_TASK_HUB%".
        SWARM_TASK_HUB: taskHubName
        // The agent-event bus (SwarmFunctionsHosting): publish to the topic, drain the subscription with the timer
        // function, both through the managed identity.
        ServiceBusConnection__fullyQualifiedNamespace: serviceBusNamespace
        ServiceBusConnection__credential: 'managedidentity'
        ServiceBusConnection__clientId: identityClientId
        Swarm__ServiceBus__Topic: serviceBusTopicName
        Swarm__ServiceBus__Subscription: serviceBusSubscriptionName
        Swarm__Scrum__DefectRateThreshold: defectRateThreshold
        // Telemetry: Azure Monitor with an Entra token of the managed identity (Monitoring Metrics Publisher).
        APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identityClientId}'
        OTEL_SERVICE_NAME: 'swarm-functions'
        OTEL_RESOURCE_ATTRIBUTES: 'service.namespace=swarm,deployment.environment.name=${environmentName}'
      },
      // Set only when given: the exporters switch on by the mere presence of these settings.
      empty(otlpEndpoint) ? {} : { OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint },
      empty(notificationWebhook) ? {} : { Swarm__Remediation__NotificationWebhook: notificationWebhook },
      additionalAppSettings
    )
  }
}

// Basic-auth publishing (FTP and SCM) off: deployments authenticate with Entra ID.
resource ftpCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmCredentials 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: app
  name: 'scm'
  properties: {
    allow: false
  }
}

// A named host key for the Azure Monitor action group, when the deployer supplies its value (rotation = redeploy
// with a new value). ARM creates it through the Functions host (PUT sites/{app}/host/default/functionKeys/{name}),
// so the app must be able to start. Bicep's type index has no entry for this ARM type (BCP081), hence the suppression;
// its shape is {name, value}, as the Web Apps "Create Or Update Host Secret" API takes it.
#disable-next-line BCP081
resource alertsKey 'Microsoft.Web/sites/host/functionKeys@2024-04-01' = if (!empty(alertsFunctionKey)) {
  name: '${app.name}/default/${alertsFunctionKeyName}'
  properties: {
    name: alertsFunctionKeyName
    value: alertsFunctionKey
  }
  dependsOn: [
    app::appSettings
  ]
}

output name string = app.name
output defaultHostName string = app.properties.defaultHostName
