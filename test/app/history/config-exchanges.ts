import {
  type ConfigServiceClient,
  DescribeAggregateComplianceByConfigRulesCommand,
  DescribeConfigRulesCommand,
  DescribeRemediationConfigurationsCommand,
  DescribeRemediationExecutionStatusCommand,
  GetAggregateComplianceDetailsByConfigRuleCommand,
  GetComplianceDetailsByConfigRuleCommand,
  GetResourceConfigHistoryCommand,
  ListDiscoveredResourcesCommand,
} from '@aws-sdk/client-config-service';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import { fixture } from '../../helpers/fixtures';

// AWS Config exchanges recorded as fixtures (test/fixtures/config-history, see its PROVENANCE.md), replayed with
// aws-sdk-client-mock.

const COMMANDS = {
  DescribeConfigRules: DescribeConfigRulesCommand,
  GetComplianceDetailsByConfigRule: GetComplianceDetailsByConfigRuleCommand,
  ListDiscoveredResources: ListDiscoveredResourcesCommand,
  GetResourceConfigHistory: GetResourceConfigHistoryCommand,
  DescribeRemediationConfigurations: DescribeRemediationConfigurationsCommand,
  DescribeRemediationExecutionStatus: DescribeRemediationExecutionStatusCommand,
  DescribeAggregateComplianceByConfigRules: DescribeAggregateComplianceByConfigRulesCommand,
  GetAggregateComplianceDetailsByConfigRule: GetAggregateComplianceDetailsByConfigRuleCommand,
} as const;

interface Exchange {
  operation: keyof typeof COMMANDS;
  request: Record<string, unknown>;
  response: Record<string, unknown>;
}

/** The wire form (epoch seconds, null for absent) as the SDK hands it out (Date, undefined). */
export function sdkShape(value: unknown, key = ''): unknown {
  if (value === null) return undefined;
  if (typeof value === 'number' && /(Time|Timestamp)$/.test(key)) return new Date(value * 1000);
  if (Array.isArray(value)) return value.map((v) => sdkShape(v));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sdkShape(v, k)]));
  return value;
}

/** Answers the exchange's request (a partial match) with its response, as Config would. */
export function answer(config: AwsClientStub<ConfigServiceClient>, name: string): void {
  const exchange = fixture<Exchange>(`config-history/${name}.json`);
  const command = COMMANDS[exchange.operation];
  // biome-ignore lint/suspicious/noExplicitAny: one helper answers eight commands whose input types differ.
  (config.on(command as any, sdkShape(exchange.request) as any) as any).resolves(sdkShape(exchange.response));
}

/** One account (477575873490, us-east-1) on 2021-04-21 at 14:31: see PROVENANCE.md. */
export const ACCOUNT_EXCHANGES = [
  'DescribeConfigRules.page1',
  'DescribeConfigRules.page2',
  'GetComplianceDetailsByConfigRule.access-keys-rotated',
  'GetComplianceDetailsByConfigRule.sg.page1',
  'GetComplianceDetailsByConfigRule.sg.page2',
  'ListDiscoveredResources.resource-compliance',
  'GetResourceConfigHistory.sg-0a1b.page1',
  'GetResourceConfigHistory.sg-0a1b.page2',
  'GetResourceConfigHistory.sg-0c2d',
  'GetResourceConfigHistory.iam-user',
  'DescribeRemediationConfigurations',
  'DescribeRemediationExecutionStatus.sg',
];

/** The same account half an hour later: sg-0a1b's remediation finished and the group is compliant. */
export const LATER_EXCHANGES = [
  'GetComplianceDetailsByConfigRule.sg.page1.later',
  'GetResourceConfigHistory.sg-0a1b.page2.later',
  'DescribeRemediationExecutionStatus.sg.later',
];

/** An organization through the aggregator `org-aggregator`. */
export const AGGREGATOR_EXCHANGES = [
  'DescribeAggregateComplianceByConfigRules',
  'GetAggregateComplianceDetailsByConfigRule.sg.477575873490',
  'GetAggregateComplianceDetailsByConfigRule.sg.616241992003',
  'GetAggregateComplianceDetailsByConfigRule.log-group.775397712397',
];
