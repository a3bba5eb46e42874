// Example parameters for a production-like deployment:
//   az deployment group create -g <resource group> -n swarm -p infra/bicep/main.bicepparam
// Secrets (the remediation webhook, a fixed alerts function key) are read from the environment, never written here.
using 'main.bicep'

param namePrefix = 'swarm'
param environmentName = 'prod'
param tags = {
  project: 'swarm'
  environment: 'prod'
}

param dotnetVersion = '10.0'
param alwaysReadyInstances = 1
param maximumInstanceCount = 100
param instanceMemoryMB = 2048

param logRetentionInDays = 30
param appInsightsDisableLocalAuth = true

param taskHubName = 'swarmprod'
param serviceBusTopicName = 'swarm-events'
param serviceBusSubscriptionName = 'swarm-agents'
param serviceBusMaxDeliveryCount = 10

// Optional second telemetry destination (an OpenTelemetry collector), e.g. 'https://otel.example.com:4317'.
param otlpEndpoint = ''

// Teams/Slack incoming webhook for remediation notices; empty: notices are logged.
param notificationWebhook = readEnvironmentVariable('SWARM_NOTIFICATION_WEBHOOK', '')

// Empty: the action group uses the host's default function key (read at deployment time).
param alertsFunctionKey = readEnvironmentVariable('SWARM_ALERTS_FUNCTION_KEY', '')

param defectRateThreshold = '0.03'
param additionalAppSettings = {
  Swarm__Teams__alpha__Capacity: '40'
}
