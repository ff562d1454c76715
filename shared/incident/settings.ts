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

/** The names of the response settings, for the schema of playbook.json (a `setting` source names one of them). */
export const RESPONSE_SETTING_NAMES = Object.keys(RESPONSE_SETTINGS) as ResponseSetting[];
