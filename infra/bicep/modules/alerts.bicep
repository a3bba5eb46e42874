// Azure Monitor equivalents of local/prometheus/rules.yml, delivered to the function app's POST /api/alerts.
//
// Each rule is a log search alert (scheduledQueryRules, kind LogAlert) on the Log Analytics workspace behind
// Application Insights. Rule names are the Prometheus alert names, because the remediation policy keys on the name
// (src/Swarm.Domain/Remediation/RemediationPolicy.cs, essentials.alertRule in the common alert schema). Results are
// split by the dimension column (team, agent, swarm_framework), which the common-schema payload carries under
// alertContext.condition.allOf[].dimensions — where AlertPayloads reads its labels. autoMitigate sends the Resolved
// notification that closes a remediation. The queries are in ../queries (see the README there).

@description('Azure region of the alert rules.')
param location string

@description('Resource id of the Log Analytics workspace the rules query.')
param workspaceId string

@description('Resource id of the Application Insights component (queries keep to its rows).')
param appInsightsId string

@description('Host name of the function app (<app>.azurewebsites.net).')
param functionAppHostName string

@description('Function key appended to the webhook URL as ?code=.')
@secure()
param functionKey string

@description('Action group name.')
param actionGroupName string

@description('HighDefectRate threshold: failed / completed work items over an hour (a fraction).')
param defectRateThreshold string

param tags object

// How often every rule runs; the Prometheus `for:` durations are multiples of it.
var step = 'PT5M'
var stepMinutes = 5

// Severity: Prometheus "critical" → Sev1, "warning" → Sev2.
var rules = [
  {
    name: 'HighDefectRate'
    severity: 'warning'
    description: 'Defect rate (failed / completed work items over the last hour) of a team above the threshold for 10 minutes.'
    query: loadTextContent('../queries/high-defect-rate.kql')
    window: '1h'
    forMinutes: 10
    windowSize: 'PT2H' // covers 1h + for: 10m
    dimension: 'team'
    measure: 'DefectRate'
    operator: 'GreaterThan'
    threshold: json(defectRateThreshold)
  }
  {
    name: 'WorkItemsStuck'
    severity: 'warning'
    description: 'A team claims work but completed none in two hours, for 30 minutes.'
    query: loadTextContent('../queries/work-items-stuck.kql')
    window: '2h'
    forMinutes: 30
    windowSize: 'PT3H' // covers 2h + for: 30m
    dimension: 'team'
    measure: 'StuckEvaluations'
    operator: 'GreaterThanOrEqual'
    threshold: 30 / stepMinutes + 1 // stuck at every evaluation covering for:
  }
  {
    name: 'AgentStateStuck'
    severity: 'critical'
    description: 'An agent has made no state transition for an hour (held for 5 minutes).'
    query: loadTextContent('../queries/agent-state-stuck.kql')
    window: '1d'
    forMinutes: 5
    windowSize: 'P1D' // the gauge is only sent when it changes: look back a day for each agent's last value
    dimension: 'agent'
    measure: 'SecondsSinceLastTransition'
    operator: 'GreaterThan'
    threshold: 3600 + 5 * 60 // stuck after 3600 s, for: 5m
  }
  {
    name: 'AgentHighErrorRate'
    severity: 'critical'
    description: 'More than 1 % of an agent framework\'s commands fail over 5 minutes, for 5 minutes.'
    query: loadTextContent('../queries/agent-high-error-rate.kql')
    window: '5m'
    forMinutes: 5
    windowSize: 'PT10M' // covers 5m + for: 5m
    dimension: 'swarm_framework'
    measure: 'ErrorRate'
    operator: 'GreaterThan'
    threshold: json('0.01')
  }
  {
    name: 'SlowTransitions'
    severity: 'warning'
    description: 'p95 of an agent framework\'s command processing time above 100 ms over 5 minutes, for 10 minutes.'
    query: loadTextContent('../queries/slow-transitions.kql')
    window: '5m'
    forMinutes: 10
    windowSize: 'PT15M' // covers 5m + for: 10m
    dimension: 'swarm_framework'
    measure: 'P95Seconds'
    operator: 'GreaterThan'
    threshold: json('0.1')
  }
]

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'swarm'
    enabled: true
    webhookReceivers: [
      {
        name: 'swarm-remediation'
        // POST /api/alerts: normalises the alert and starts (or, when Resolved, closes) its remediation.
        serviceUri: 'https://${functionAppHostName}/api/alerts?code=${functionKey}'
        useCommonAlertSchema: true
        useAadAuth: false
      }
    ]
  }
}

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for rule in rules: {
    name: rule.name
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.name
      description: rule.description
      severity: rule.severity == 'critical' ? 1 : 2
      enabled: true
      scopes: [
        workspaceId
      ]
      evaluationFrequency: step
      windowSize: rule.windowSize
      criteria: {
        allOf: [
          {
            query: join(
              [
                'let appInsights = \'${appInsightsId}\';'
                'let window = ${rule.window};'
                'let step = ${stepMinutes}m;'
                'let steps = ${rule.forMinutes / stepMinutes + 1};'
                rule.query
              ],
              '\n'
            )
            timeAggregation: 'Maximum'
            metricMeasureColumn: rule.measure
            dimensions: [
              {
                name: rule.dimension
                operator: 'Include'
                values: [
                  '*'
                ]
              }
            ]
            operator: rule.operator
            threshold: rule.threshold
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      // Resolved notifications close the remediation the Fired one started.
      autoMitigate: true
      // The App* tables appear in a new workspace only once telemetry arrives; do not fail the first deployment on it.
      skipQueryValidation: true
      actions: {
        actionGroups: [
          actionGroup.id
        ]
        // Delivered in data.customProperties, which /api/alerts reads as labels, like the Prometheus rule labels.
        customProperties: {
          severity: rule.severity
        }
      }
    }
  }
]

output actionGroupId string = actionGroup.id
output alertRuleNames array = [for (rule, i) in rules: alertRules[i].name]
