// Parses and analyzes KQL queries with Microsoft's Kusto language service (the engine behind the Kusto editors),
// against the columns of the Log Analytics tables the alert rules read.
//   node check-kql.js <queries.json>   where queries.json is {"<rule name>": "<query>", ...}
// Prints {"<rule name>": {"diagnostics": ["<severity>: <message> at '<text>'"], "columns": ["<name>:<type>"]}, ...}.
'use strict';
require('@kusto/language-service-next/bridge.min.js');
require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
const fs = require('fs');

const K = Kusto.Language;
const S = K.Symbols;

// Columns of the workspace tables of Application Insights (Azure Monitor reference: tables AppMetrics, AppDependencies).
const common = [
  'TenantId:string', 'TimeGenerated:datetime', '_ResourceId:string', '_BilledSize:real', '_IsBillable:string',
  'Name:string', 'ItemCount:int', 'Properties:dynamic', 'AppRoleName:string', 'AppRoleInstance:string',
  'AppVersion:string', 'OperationId:string', 'OperationName:string', 'ParentId:string', 'ResourceGUID:string',
  'SDKVersion:string', 'SessionId:string', 'UserId:string', 'IKey:string', 'ClientType:string', 'Type:string',
];
const tables = {
  AppMetrics: [...common, 'Sum:real', 'Min:real', 'Max:real'],
  AppDependencies: [...common, 'Id:string', 'Target:string', 'DependencyType:string', 'Data:string',
    'Success:bool', 'ResultCode:string', 'DurationMs:real', 'PerformanceBucket:string', 'Measurements:dynamic'],
};

const database = new S.DatabaseSymbol.ctor('workspace', Object.entries(tables).map(
  ([name, columns]) => S.TableSymbol.From(`(${columns.join(', ')})`).WithName(name)));
const globals = K.GlobalState.Default.WithDatabase(database);

const queries = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const report = {};
for (const [name, query] of Object.entries(queries)) {
  const code = K.KustoCode.ParseAndAnalyze(query, globals);
  const diagnostics = [];
  const found = code.GetDiagnostics();
  for (let i = 0; i < found.Count; i++) {
    const d = found.getItem(i);
    diagnostics.push(`${d.Severity}: ${d.Message} at '${query.substr(d.Start, d.Length)}'`);
  }
  const columns = [];
  const result = code.ResultType;
  if (result && result.Columns) {
    for (let i = 0; i < result.Columns.Count; i++) {
      const column = result.Columns.getItem(i);
      columns.push(`${column.Name}:${column.Type.Name}`);
    }
  }
  report[name] = { diagnostics, columns };
}
process.stdout.write(JSON.stringify(report));
