export { renderTable } from './table.js';
export { renderInventoryTable } from './inventory-table.js';
export { renderVulnTable } from './vuln-table.js';
export { renderVulnJson, toJsonReport, JSON_REPORT_SCHEMA_VERSION, type JsonReport, type JsonReportOptions, type JsonFinding, type JsonPackage, type JsonResult } from './vuln-json.js';
export { renderSarif, SARIF_SCHEMA_URI, type SarifOptions, type SarifLog } from './sarif.js';
export { groupByTarget, type VulnTarget, type ResultClass } from './vuln-targets.js';
export { toPolicyReports, renderPolicyReports, reportResultOf } from './policyreport.js';
