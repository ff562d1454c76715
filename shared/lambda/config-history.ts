// The Config calls of the rule protocol (shared/lambda/evaluate-event.ts), in a module of their own: loaded only when
// an event needs one, so an offline evaluation does not load the Config SDK.
import {
  type ConfigServiceClient,
  GetResourceConfigHistoryCommand,
  paginateGetComplianceDetailsByConfigRule,
} from '@aws-sdk/client-config-service';
import { type Evaluation, toEvaluation } from '../engine';
import { InsufficientDataError } from '../errors';

/**
 * The configuration item of an oversized change notification, from the resource's history at the capture time.
 * @throws InsufficientDataError when Config has none.
 * @example
 * await fetchOversizedItem(config, 'AWS::EC2::SecurityGroup', 'sg-0123456789abcdef0', captureTime);
 */
export async function fetchOversizedItem(
  config: ConfigServiceClient,
  resourceType: string,
  resourceId: string,
  at: Date,
) {
  let nextToken: string | undefined;
  // Config may return an empty page with a nextToken: keep paging until an item arrives.
  for (let page = 0; page < 20; page++) {
    const out = await config.send(
      new GetResourceConfigHistoryCommand({
        resourceType: resourceType as never,
        resourceId,
        laterTime: at,
        limit: 1,
        nextToken,
      }),
    );
    const item = out.configurationItems?.[0];
    if (item) return item;
    nextToken = out.nextToken;
    if (!nextToken) break;
  }
  throw new InsufficientDataError(
    `Config has no configuration item for ${resourceType} ${resourceId} at ${at.toISOString()}.`,
  );
}

/**
 * Resources this rule reported before that the periodic run no longer found: NOT_APPLICABLE.
 * @example
 * await vanishedResources(config, 'rebaseline-vpc-flow-logs-enabled', 'AWS::EC2::VPC', present, timestamp);
 */
export async function vanishedResources(
  config: ConfigServiceClient,
  ruleName: string,
  resourceType: string,
  present: ReadonlySet<string>,
  timestamp: Date,
): Promise<Evaluation[]> {
  const gone: Evaluation[] = [];
  for await (const page of paginateGetComplianceDetailsByConfigRule(
    { client: config },
    // The API's default page is 10 results; at organisation scale that is ten times the calls (and throttling).
    { ConfigRuleName: ruleName, ComplianceTypes: ['COMPLIANT', 'NON_COMPLIANT'], Limit: 100 },
  )) {
    for (const result of page.EvaluationResults ?? []) {
      const q = result.EvaluationResultIdentifier?.EvaluationResultQualifier;
      if (!q?.ResourceId || q.ResourceType !== resourceType || present.has(q.ResourceId)) continue;
      gone.push(
        toEvaluation(
          { resourceType, resourceId: q.ResourceId },
          { complianceType: 'NOT_APPLICABLE', annotation: 'The resource no longer exists.' },
          timestamp,
        ),
      );
    }
  }
  return gone;
}
