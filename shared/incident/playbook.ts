import type { IamStatement } from '../rule';

/** What the finding (through the decision) gives a playbook document. */
export const FINDING_FIELDS = [
  'findingId',
  'findingType',
  'severity',
  'instanceId',
  'roleName',
  'ipAddresses',
  'directions',
  'detectedAt',
  'summary',
] as const;
export type FindingField = (typeof FINDING_FIELDS)[number];

/**
 * The settings a deployment (stage parameters) or a person (`rebaseline respond` options) gives the playbooks, with
 * their defaults. Every one is a string in SSM's form.
 */
export const RESPONSE_SETTINGS = {
  stateTable: 'rebaseline-incident-state',
  requireApproval: 'false',
  approvers: '',
  skipTagKey: 'rebaseline:incident-response',
  skipTagValue: 'skip',
  isolationGroupName: 'rebaseline-isolation',
  resetTrackedConnections: 'true',
  decrementDesiredCapacity: 'false',
  forensicsSubnetId: '',
  forensicsSecurityGroupId: '',
  terminate: 'false',
  ruleNumberRange: '1-99',
  naclQuota: '20',
  retentionHours: '12',
  allowList: '',
  wafIpSetArns: '',
  evidenceBucket: '',
  commandDocumentName: 'rebaseline-collect-evidence',
  topicArn: '',
} as const;
export type ResponseSetting = keyof typeof RESPONSE_SETTINGS;
export type ResponseSettings = { [K in ResponseSetting]: string };

/**
 * Where the value of one document parameter comes from when a response starts the playbook.
 * - `finding`: a field of the finding, as the decision resolved it (the instance, the addresses to block…);
 * - `setting`: a response setting (a stage parameter when deployed, an option of `rebaseline respond`);
 * - `lambda`, `assumeRole`: deployment-specific, as for remediations;
 * - `static`: a fixed value.
 */
export type PlaybookParameterSource =
  | { source: 'finding'; field: FindingField }
  | { source: 'setting'; setting: ResponseSetting }
  | { source: 'lambda' }
  | { source: 'assumeRole' }
  | { source: 'static'; value: string };

/** `playbooks/<id>/playbook.json`. */
export interface PlaybookMetadata {
  id: string;
  title: string;
  description: string;
  /** The SSM Automation document run for the playbook. */
  document: 'document.yaml';
  /** The Run Command document it sends to instances (collect-evidence), deployed beside it. */
  commandDocument?: 'command.yaml';
  /** Every document parameter and where its value comes from. */
  parameters: Record<string, PlaybookParameterSource>;
  /** What the automation assume role needs (its own steps: the Lambda invocations, Run Command, approvals). */
  iam: IamStatement[];
  lambda?: { handler: 'handler.ts'; timeoutSeconds: number; iam: IamStatement[] };
}
