import { normaliseConfigurationItem } from '../../shared/config/configuration-item';
import { parseRuleParameters } from '../../shared/params';
import type { AnyRule, Scope } from '../../shared/rule';

export const SCOPE: Scope = {
  accountId: '123456789012',
  region: 'us-east-1',
  partition: 'aws',
  now: new Date('2026-11-01T00:00:00Z'),
};

/** Parameters of a rule from Config's string form, defaults applied. */
export function params<P>(rule: AnyRule, input: Record<string, string> = {}): P {
  const p = parseRuleParameters<P>(rule.meta, input);
  rule.checkParameters?.(p);
  return p;
}

/** The configuration item inside a Lambda event fixture (invokingEvent is a JSON string). */
export function ciOfEvent(event: { invokingEvent: string }) {
  return normaliseConfigurationItem(JSON.parse(event.invokingEvent).configurationItem);
}

/** A Config Lambda event around a configuration item. */
export function changeEvent(
  configurationItem: Record<string, unknown>,
  ruleParameters: Record<string, string> = {},
  extra: Record<string, unknown> = {},
) {
  return {
    version: '1.0',
    invokingEvent: JSON.stringify({
      configurationItem,
      notificationCreationTime: '2026-11-01T00:00:00.000Z',
      messageType: 'ConfigurationItemChangeNotification',
      recordVersion: '1.3',
    }),
    ruleParameters: JSON.stringify(ruleParameters),
    resultToken: 'token',
    eventLeftScope: false,
    executionRoleArn: 'arn:aws:iam::123456789012:role/config-role',
    configRuleArn: 'arn:aws:config:us-east-1:123456789012:config-rule/config-rule-abc123',
    configRuleName: 'rule',
    configRuleId: 'config-rule-abc123',
    accountId: String(configurationItem.awsAccountId ?? '123456789012'),
    ...extra,
  };
}

export function scheduledEvent(
  ruleParameters: Record<string, string> = {},
  extra: Record<string, unknown> = {},
) {
  return {
    version: '1.0',
    invokingEvent: JSON.stringify({
      awsAccountId: '123456789012',
      notificationCreationTime: '2026-11-01T00:00:00.000Z',
      messageType: 'ScheduledNotification',
      recordVersion: '1.0',
    }),
    ruleParameters: JSON.stringify(ruleParameters),
    resultToken: 'token',
    eventLeftScope: false,
    executionRoleArn: 'arn:aws:iam::123456789012:role/config-role',
    configRuleArn: 'arn:aws:config:us-east-1:123456789012:config-rule/config-rule-abc123',
    configRuleName: 'rule',
    configRuleId: 'config-rule-abc123',
    accountId: '123456789012',
    ...extra,
  };
}
