// Log Analytics workspace and a workspace-based Application Insights component. The Functions host and the worker
// export OpenTelemetry to it (APPLICATIONINSIGHTS_CONNECTION_STRING); the worker's metrics land in the workspace's
// AppMetrics table and its spans in AppRequests/AppDependencies, which the alert rules query.

@description('Azure region.')
param location string

@description('Log Analytics workspace name.')
param workspaceName string

@description('Application Insights component name.')
param appInsightsName string

@description('Days the workspace keeps data.')
@minValue(30)
@maxValue(730)
param retentionInDays int

@description('Refuse instrumentation-key ingestion: telemetry must then come with an Entra token (APPLICATIONINSIGHTS_AUTHENTICATION_STRING).')
param disableLocalAuth bool

@description('Resource id of the managed identity that publishes telemetry (names its role assignment).')
param publisherIdentityId string

@description('Principal id of that identity (gets Monitoring Metrics Publisher).')
param publisherPrincipalId string

param tags object

// Monitoring Metrics Publisher: lets an Entra identity ingest telemetry into Application Insights.
var monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: workspaceName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
    features: {
      enableLogAccessUsingOnlyResourcePermissions: true
    }
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    IngestionMode: 'LogAnalytics'
    DisableLocalAuth: disableLocalAuth
    publicNetworkAccessForIngestion: 'Enabled'
    publicNetworkAccessForQuery: 'Enabled'
  }
}

resource publisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, publisherIdentityId, monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisher)
    principalId: publisherPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output workspaceId string = workspace.id
output appInsightsId string = appInsights.id
output appInsightsName string = appInsights.name
output connectionString string = appInsights.properties.ConnectionString
