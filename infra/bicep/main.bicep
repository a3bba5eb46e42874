// Swarm on Azure: the Functions app (Flex Consumption, .NET isolated), its identity-based storage and Service Bus,
// Application Insights on Log Analytics, and the Azure Monitor alert rules that call back into POST /api/alerts.
//
//   az group create -n rg-swarm -l swedencentral
//   az deployment group create -g rg-swarm -n swarm -p infra/bicep/main.bicepparam
// (README.md, "Deploy to Azure": the first deployment, publishing the code, the alerts' function key.)
//
// Everything the app reaches, it reaches as one user-assigned managed identity: no connection string or key is stored.

targetScope = 'resourceGroup'

@description('Azure region (must offer the Flex Consumption plan).')
param location string = resourceGroup().location

@description('Short name every resource name starts with.')
@minLength(2)
@maxLength(10)
param namePrefix string = 'swarm'

@description('Environment name: part of resource names and the deployment.environment.name telemetry attribute.')
@minLength(1)
@maxLength(8)
param environmentName string = 'prod'

@description('Tags for every resource.')
param tags object = {}

@description('.NET version of the isolated worker (Flex Consumption runtime version).')
@allowed([
  '8.0'
  '9.0'
  '10.0'
])
param dotnetVersion string = '10.0'

@description('Instances of the HTTP function group always running (the Service Bus consumer, a timer function, gets one of its own).')
@minValue(1)
@maxValue(20)
param alwaysReadyInstances int = 1

@description('Maximum instances the app scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory per instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Days Log Analytics keeps telemetry.')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Disable instrumentation-key ingestion into Application Insights (Entra ID only).')
param appInsightsDisableLocalAuth bool = true

@description('Durable Functions task hub (SWARM_TASK_HUB): 3-45 letters and digits, starting with a letter.')
@minLength(3)
@maxLength(45)
param taskHubName string = '${namePrefix}${environmentName}'

@description('Service Bus topic the agents publish to.')
param serviceBusTopicName string = 'swarm-events'

@description('Service Bus subscription the swarm consumes.')
param serviceBusSubscriptionName string = 'swarm-agents'

@description('Deliveries of an agent event before it is dead-lettered.')
@minValue(1)
@maxValue(2000)
param serviceBusMaxDeliveryCount int = 10

@description('Agent event time to live; expired events are dead-lettered.')
param serviceBusMessageTimeToLive string = 'P14D'

@description('Optional OTLP endpoint (a collector) that receives telemetry alongside Azure Monitor.')
param otlpEndpoint string = ''

@description('Optional incoming-webhook URL (Teams/Slack style) for remediation notices (Swarm__Remediation__NotificationWebhook).')
@secure()
param notificationWebhook string = ''

@description('Defect-rate threshold, a fraction: the Scrum review and the HighDefectRate alert both use it.')
param defectRateThreshold string = '0.03'

@description('More app settings, e.g. {"Swarm__Teams__alpha__Capacity": "40"}; they override the defaults.')
param additionalAppSettings object = {}

@description('Deploy the action group and the alert rules.')
param deployAlerts bool = true

@description('''Function key for the Azure Monitor webhook (/api/alerts?code=…). Given: it is created as the host key
"azure-monitor-alerts" and used. Empty: the host's default function key is read with listKeys at deployment time.''')
@secure()
param alertsFunctionKey string = ''

var suffix = take(uniqueString(resourceGroup().id, namePrefix, environmentName), 8)
var baseName = '${namePrefix}-${environmentName}'
var names = {
  identity: 'id-${baseName}'
  workspace: 'log-${baseName}-${suffix}'
  appInsights: 'appi-${baseName}-${suffix}'
  storage: 'st${uniqueString(resourceGroup().id, namePrefix, environmentName)}' // 15 lowercase letters and digits
  serviceBus: 'sb-${baseName}-${suffix}'
  plan: 'plan-${baseName}-${suffix}'
  functionApp: 'func-${baseName}-${suffix}'
  actionGroup: 'ag-${baseName}-remediation'
}
var deploymentContainerName = 'app-package'
var alertsFunctionKeyName = 'azure-monitor-alerts'

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: names.identity
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'swarm-monitoring'
  params: {
    location: location
    workspaceName: names.workspace
    appInsightsName: names.appInsights
    retentionInDays: logRetentionInDays
    disableLocalAuth: appInsightsDisableLocalAuth
    publisherIdentityId: identity.id
    publisherPrincipalId: identity.properties.principalId
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'swarm-storage'
  params: {
    location: location
    name: names.storage
    deploymentContainerName: deploymentContainerName
    identityId: identity.id
    principalId: identity.properties.principalId
    tags: tags
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'swarm-servicebus'
  params: {
    location: location
    name: names.serviceBus
    topicName: serviceBusTopicName
    subscriptionName: serviceBusSubscriptionName
    maxDeliveryCount: serviceBusMaxDeliveryCount
    messageTimeToLive: serviceBusMessageTimeToLive
    identityId: identity.id
    principalId: identity.properties.principalId
    tags: tags
  }
}

// Depends on the three modules above through their outputs, so the identity holds its roles (and the deployment
// container exists) before the app starts.
module functionApp 'modules/functionapp.bicep' = {
  name: 'swarm-functionapp'
  params: {
    location: location
    name: names.functionApp
    planName: names.plan
    identityId: identity.id
    identityClientId: identity.properties.clientId
    dotnetVersion: dotnetVersion
    alwaysReadyInstances: alwaysReadyInstances
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    taskHubName: taskHubName
    serviceBusNamespace: serviceBus.outputs.fullyQualifiedNamespace
    serviceBusTopicName: serviceBus.outputs.topicName
    serviceBusSubscriptionName: serviceBus.outputs.subscriptionName
    appInsightsConnectionString: monitoring.outputs.connectionString
    otlpEndpoint: otlpEndpoint
    environmentName: environmentName
    defectRateThreshold: defectRateThreshold
    notificationWebhook: notificationWebhook
    alertsFunctionKey: alertsFunctionKey
    alertsFunctionKeyName: alertsFunctionKeyName
    additionalAppSettings: additionalAppSettings
    tags: tags
  }
}

// The deployed app, for reading its host keys (only when no key was supplied, and only at deployment time).
resource functionAppSite 'Microsoft.Web/sites@2024-04-01' existing = {
  name: names.functionApp
}

module alerts 'modules/alerts.bicep' = if (deployAlerts) {
  name: 'swarm-alerts'
  params: {
    location: location
    workspaceId: monitoring.outputs.workspaceId
    appInsightsId: monitoring.outputs.appInsightsId
    functionAppHostName: functionApp.outputs.defaultHostName
    functionKey: empty(alertsFunctionKey)
      ? listKeys('${functionAppSite.id}/host/default', '2024-04-01').functionKeys.default
      : alertsFunctionKey
    actionGroupName: names.actionGroup
    defectRateThreshold: defectRateThreshold
    tags: tags
  }
}

@description('Name of the function app (az functionapp deployment source config-zip -n …).')
output functionAppName string = functionApp.outputs.name

@description('Default host name of the function app; the API is https://<host>/api.')
output functionAppDefaultHostName string = functionApp.outputs.defaultHostName

@description('Name of the Application Insights component.')
output appInsightsName string = monitoring.outputs.appInsightsName

@description('App setting that holds the Application Insights connection string.')
output appInsightsConnectionStringSetting string = 'APPLICATIONINSIGHTS_CONNECTION_STRING'

@description('Fully qualified Service Bus namespace (ServiceBusConnection__fullyQualifiedNamespace).')
output serviceBusFullyQualifiedNamespace string = serviceBus.outputs.fullyQualifiedNamespace

@description('Client id of the app\'s user-assigned managed identity.')
output identityClientId string = identity.properties.clientId

@description('Names of the Azure Monitor alert rules (the remediation policy keys on them).')
output alertRuleNames array = deployAlerts ? alerts!.outputs.alertRuleNames : []
