// The agent-event bus: topic swarm-events and the swarm's subscription, consumed by a ServiceBusProcessor inside the
// Functions worker (src/Swarm.ServiceBus/ServiceBusAgentEventBus.cs). Local (SAS) auth is off; the app's managed
// identity sends to the topic and receives from its subscriptions.

@description('Azure region.')
param location string

@description('Service Bus namespace name (6-50 characters).')
@minLength(6)
@maxLength(50)
param name string

@description('Topic the agents publish their events to.')
param topicName string

@description('Subscription the swarm consumes.')
param subscriptionName string

@description('Deliveries before a message is dead-lettered.')
@minValue(1)
@maxValue(2000)
param maxDeliveryCount int

@description('Message time to live (ISO 8601); expired messages are dead-lettered.')
param messageTimeToLive string

@description('Resource id of the function app\'s managed identity (names its role assignments).')
param identityId string

@description('Principal id of that identity.')
param principalId string

param tags object

// Sender + Receiver rather than Data Owner: the app publishes and consumes, it never manages entities.
var roles = {
  'Azure Service Bus Data Sender': '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  'Azure Service Bus Data Receiver': '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
}

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }

  resource topic 'topics' = {
    name: topicName
    properties: {
      // Each event's id is its MessageId, so the broker drops a re-sent event (the consumers are idempotent too).
      requiresDuplicateDetection: true
      duplicateDetectionHistoryTimeWindow: 'PT30M'
      defaultMessageTimeToLive: messageTimeToLive
      enableBatchedOperations: true
      supportOrdering: false
    }

    resource subscription 'subscriptions' = {
      name: subscriptionName
      properties: {
        lockDuration: 'PT1M'
        maxDeliveryCount: maxDeliveryCount
        defaultMessageTimeToLive: messageTimeToLive
        deadLetteringOnMessageExpiration: true
        deadLetteringOnFilterEvaluationExceptions: true
        enableBatchedOperations: true
        requiresSession: false
      }
    }
  }
}

resource dataRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for role in items(roles): {
    name: guid(namespace::topic.id, identityId, role.value)
    scope: namespace::topic
    properties: {
      description: '${role.key} on ${topicName} for the Swarm function app'
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.value)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]

// serviceBusEndpoint is https://<namespace>.servicebus.<cloud suffix>:443/ — the host is the fully qualified namespace,
// taken from the resource so the template holds no cloud-specific host names.
output fullyQualifiedNamespace string = parseUri(namespace.properties.serviceBusEndpoint).host
output topicName string = namespace::topic.name
output subscriptionName string = namespace::topic::subscription.name
