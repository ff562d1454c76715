import { expect } from 'chai';
import { parseConfigRuleEvent, ruleLocation } from '../../../shared/config/event';
import { MalformedEventError } from '../../../shared/errors';
import { fixture } from '../../helpers/fixtures';
import { changeEvent, scheduledEvent } from '../../helpers/rules';

type RawEvent = Record<string, unknown>;

const CI = {
  awsAccountId: '123456789012',
  awsRegion: 'us-east-1',
  resourceType: 'AWS::EC2::SecurityGroup',
  resourceId: 'sg-0123456789abcdef0',
  configurationItemStatus: 'OK',
  configurationItemCaptureTime: '2026-11-01T00:00:00.000Z',
  configuration: { groupId: 'sg-0123456789abcdef0', ipPermissions: [] },
};

const corpusEvent = (name: string) => fixture<RawEvent>(`corpus/invoking_events/${name}.json`);

/** A change event whose invokingEvent (parsed) is changed by `edit`. */
function withInvokingEvent(edit: (invokingEvent: Record<string, unknown>) => void): RawEvent {
  const event: RawEvent = changeEvent(CI);
  const invokingEvent = JSON.parse(event.invokingEvent as string);
  edit(invokingEvent);
  event.invokingEvent = JSON.stringify(invokingEvent);
  return event;
}

function oversized(summary: Record<string, unknown>): RawEvent {
  return {
    ...changeEvent(CI),
    invokingEvent: JSON.stringify({
      configurationItemSummary: summary,
      messageType: 'OversizedConfigurationItemChangeNotification',
      notificationCreationTime: '2026-11-01T00:00:00.000Z',
    }),
  };
}

const SUMMARY = {
  awsAccountId: '123456789012',
  resourceType: 'AWS::EC2::SecurityGroup',
  resourceId: 'sg-0123456789abcdef0',
  configurationItemStatus: 'OK',
  configurationItemCaptureTime: '2026-11-01T00:00:00.000Z',
};

describe('shared/config/event', () => {
  describe('malformed events raise MalformedEventError naming the field', () => {
    const cases: { name: string; event: () => unknown; field: RegExp }[] = [
      { name: 'the event is not an object', event: () => 'hello', field: /The event is not a JSON object/ },
      {
        name: 'the event is an array',
        event: () => [changeEvent(CI)],
        field: /The event is not a JSON object/,
      },
      {
        name: 'invokingEvent is absent',
        event: () => ({ ...changeEvent(CI), invokingEvent: undefined }),
        field: /^invokingEvent must be a JSON string, got undefined\.$/,
      },
      {
        name: 'invokingEvent is not JSON',
        event: () => ({ ...changeEvent(CI), invokingEvent: '{"messageType": ' }),
        field: /^invokingEvent is not valid JSON: /,
      },
      {
        name: 'invokingEvent is JSON but not an object',
        event: () => ({ ...changeEvent(CI), invokingEvent: '["ScheduledNotification"]' }),
        field: /^invokingEvent must encode a JSON object\.$/,
      },
      {
        name: 'messageType is missing',
        event: () => withInvokingEvent((ie) => delete ie.messageType),
        field: /^invokingEvent\.messageType is missing/,
      },
      {
        name: 'messageType is unknown',
        event: () => withInvokingEvent((ie) => (ie.messageType = 'ComplianceChangeNotification')),
        field: /^invokingEvent\.messageType "ComplianceChangeNotification" is not one of/,
      },
      {
        name: 'a change notification without its configuration item',
        event: () => withInvokingEvent((ie) => delete ie.configurationItem),
        field: /^invokingEvent\.configurationItem is missing/,
      },
      {
        name: 'notificationCreationTime is not a date',
        event: () => withInvokingEvent((ie) => (ie.notificationCreationTime = 'yesterday')),
        field: /^invokingEvent\.notificationCreationTime is not a date: "yesterday"\.$/,
      },
      {
        name: 'a scheduled notification without its notificationCreationTime',
        event: () =>
          withInvokingEvent((ie) => {
            ie.messageType = 'ScheduledNotification';
            delete ie.notificationCreationTime;
          }),
        field: /^invokingEvent\.notificationCreationTime is missing\.$/,
      },
      {
        name: 'an oversized notification without its summary',
        event: () =>
          withInvokingEvent((ie) => {
            ie.messageType = 'OversizedConfigurationItemChangeNotification';
          }),
        field: /^invokingEvent\.configurationItemSummary is missing/,
      },
      {
        name: 'an oversized summary without resourceId',
        event: () => oversized({ ...SUMMARY, resourceId: undefined }),
        field: /^invokingEvent\.configurationItemSummary\.resourceId is missing or empty\.$/,
      },
      {
        name: 'an oversized summary without awsAccountId',
        event: () => oversized({ ...SUMMARY, awsAccountId: '' }),
        field: /^invokingEvent\.configurationItemSummary\.awsAccountId is missing or empty\.$/,
      },
      {
        name: 'an oversized summary with an unreadable capture time',
        event: () => oversized({ ...SUMMARY, configurationItemCaptureTime: 'not a time' }),
        field: /^invokingEvent\.configurationItemSummary\.configurationItemCaptureTime is not a date/,
      },
      {
        name: 'resultToken is missing',
        event: () => ({ ...changeEvent(CI), resultToken: undefined }),
        field: /^event\.resultToken is missing or empty\.$/,
      },
      {
        name: 'resultToken is empty',
        event: () => ({ ...changeEvent(CI), resultToken: '' }),
        field: /^event\.resultToken is missing or empty\.$/,
      },
      {
        name: 'accountId is missing',
        event: () => ({ ...changeEvent(CI), accountId: undefined }),
        field: /^event\.accountId is missing or empty\.$/,
      },
      {
        name: 'accountId is not 12 digits',
        event: () => ({ ...changeEvent(CI), accountId: '12345678901' }),
        field: /^event\.accountId 12345678901 is not a 12-digit account id\.$/,
      },
      {
        name: 'accountId is a number, not a string',
        event: () => ({ ...changeEvent(CI), accountId: 123456789012 }),
        field: /^event\.accountId must be a string, got number\.$/,
      },
      {
        name: 'configRuleName is missing',
        event: () => ({ ...changeEvent(CI), configRuleName: undefined }),
        field: /^event\.configRuleName is missing or empty\.$/,
      },
      {
        name: 'ruleParameters is not JSON',
        event: () => ({ ...changeEvent(CI), ruleParameters: '{authorizedTcpPorts: 443}' }),
        field: /^ruleParameters is not valid JSON: /,
      },
      {
        name: 'ruleParameters encodes a list',
        event: () => ({ ...changeEvent(CI), ruleParameters: '["443"]' }),
        field: /^ruleParameters must encode a JSON object\.$/,
      },
      {
        name: 'ruleParameters is a number',
        event: () => ({ ...changeEvent(CI), ruleParameters: 443 }),
        field: /^ruleParameters must be a JSON string, got number\.$/,
      },
      {
        name: 'eventLeftScope is not a boolean',
        event: () => ({ ...changeEvent(CI), eventLeftScope: 'maybe' }),
        field: /^event\.eventLeftScope must be a boolean\.$/,
      },
      {
        name: 'a real captured invokingEvent alone (c7n s3-from-rule: no accountId, token or rule name)',
        event: () => corpusEvent('c7n__config__s3-from-rule'),
        field: /^event\.accountId is missing or empty\.$/,
      },
    ];
    for (const c of cases)
      it(c.name, () => {
        // Prepare
        const event = c.event();
        // Act + Assess
        expect(() => parseConfigRuleEvent(event)).to.throw(MalformedEventError, c.field);
      });

    it('keeps the message on one line when the JSON parser quotes a multi-line input', () => {
      // Prepare: a hand-edited event file with a syntax error on its second line.
      const event = { ...changeEvent(CI), ruleParameters: '{\n  "allowIcmp": tru\n}' };
      // Act
      let message = '';
      try {
        parseConfigRuleEvent(event);
      } catch (error) {
        message = (error as Error).message;
      }
      // Assess
      expect(message).to.match(/^ruleParameters is not valid JSON: /);
      expect(message).not.to.include('\n');
    });

    it('keeps the JSON parse failure as the cause', () => {
      try {
        parseConfigRuleEvent({ ...changeEvent(CI), invokingEvent: '{' });
        expect.fail('should have thrown');
      } catch (error) {
        expect(error).to.be.instanceOf(MalformedEventError);
        expect((error as Error).cause).to.be.instanceOf(SyntaxError);
      }
    });
  });

  describe('spellings of the same event are read the same', () => {
    it('eventLeftScope as text', () => {
      expect(parseConfigRuleEvent({ ...changeEvent(CI), eventLeftScope: 'true' }).eventLeftScope).to.equal(
        true,
      );
      expect(parseConfigRuleEvent({ ...changeEvent(CI), eventLeftScope: 'False' }).eventLeftScope).to.equal(
        false,
      );
      expect(() => parseConfigRuleEvent({ ...changeEvent(CI), eventLeftScope: 'yes' })).to.throw(
        MalformedEventError,
      );
    });

    it('an invoking event encoded twice, and a configuration item as JSON text', () => {
      const event = changeEvent(CI);
      const twice = parseConfigRuleEvent({ ...event, invokingEvent: JSON.stringify(event.invokingEvent) });
      expect(twice.invokingEvent).to.deep.equal(parseConfigRuleEvent(event).invokingEvent);
      const asText = withInvokingEvent((inv) => {
        inv.configurationItem = JSON.stringify(inv.configurationItem);
      });
      expect(parseConfigRuleEvent(asText).invokingEvent).to.deep.equal(
        parseConfigRuleEvent(event).invokingEvent,
      );
    });
  });

  describe('real events from AWS Config parse', () => {
    it('the documented ConfigurationItemChangeNotification', () => {
      // Act
      const event = parseConfigRuleEvent(
        corpusEvent('awsdocs__config__example_ConfigurationItemChangeNotification'),
      );
      // Assess
      expect(event).to.include({
        configRuleName: 'change-triggered-config-rule',
        configRuleArn: 'arn:aws:config:us-east-2:123456789012:config-rule/config-rule-0123456',
        accountId: '123456789012',
        resultToken: 'myResultToken',
        eventLeftScope: false,
        executionRoleArn: 'arn:aws:iam::123456789012:role/config-role',
      });
      expect(event.ruleParameters).to.deep.equal({ myParameterKey: 'myParameterValue' });
      expect(event.invokingEvent.messageType).to.equal('ConfigurationItemChangeNotification');
      if (event.invokingEvent.messageType !== 'ConfigurationItemChangeNotification') return;
      expect(event.invokingEvent.configurationItem).to.include({
        resourceId: 'i-00000000',
        resourceType: 'AWS::EC2::Instance',
      });
    });

    it('the documented OversizedConfigurationItemChangeNotification', () => {
      const event = parseConfigRuleEvent(
        corpusEvent('awsdocs__config__example_OversizedConfigurationItemChangeNotification'),
      );
      expect(event.invokingEvent.messageType).to.equal('OversizedConfigurationItemChangeNotification');
      if (event.invokingEvent.messageType !== 'OversizedConfigurationItemChangeNotification') return;
      expect(event.invokingEvent.configurationItemSummary).to.deep.equal({
        resourceType: 'AWS::EC2::Instance',
        resourceId: 'i-00000000',
        awsRegion: 'us-west-2',
        accountId: '123456789012',
        configurationItemStatus: 'OK',
        captureTime: new Date('2016-10-06T16:46:16.261Z'),
      });
    });

    it('the documented ScheduledNotification', () => {
      const event = parseConfigRuleEvent(corpusEvent('awsdocs__config__example_ScheduledNotification'));
      expect(event.invokingEvent).to.deep.equal({
        messageType: 'ScheduledNotification',
        notificationCreationTime: new Date('2016-07-13T21:50:00.373Z'),
      });
      expect(event.configRuleName).to.equal('periodic-config-rule');
    });

    it('a captured periodic evaluation (c7n poll-evaluation)', () => {
      const raw = corpusEvent('c7n__config__poll-evaluation');
      const event = parseConfigRuleEvent(raw);
      expect(event.invokingEvent).to.deep.equal({
        messageType: 'ScheduledNotification',
        notificationCreationTime: new Date('2020-05-03T13:55:44.576Z'),
      });
      expect(event.accountId).to.equal('644160558196');
      expect(event.resultToken).to.equal(raw.resultToken);
      expect(event.ruleParameters).to.deep.equal({});
    });

    for (const name of ['c7n__cwe__event-config-rule-security-group', 'c7n__cwe__event-config-rule-instance'])
      it(`a captured change notification (${name})`, () => {
        const event = parseConfigRuleEvent(corpusEvent(name));
        expect(event.invokingEvent.messageType).to.equal('ConfigurationItemChangeNotification');
        expect(event.invokingEvent.notificationCreationTime).to.be.instanceOf(Date);
        expect(event.resultToken).to.have.length.greaterThan(20);
      });

    it('ruleParameters absent or empty is no parameters', () => {
      expect(
        parseConfigRuleEvent({ ...scheduledEvent(), ruleParameters: undefined }).ruleParameters,
      ).to.deep.equal({});
      expect(parseConfigRuleEvent({ ...scheduledEvent(), ruleParameters: '' }).ruleParameters).to.deep.equal(
        {},
      );
    });

    it('eventLeftScope true is kept', () => {
      expect(parseConfigRuleEvent(changeEvent(CI, {}, { eventLeftScope: true })).eventLeftScope).to.equal(
        true,
      );
    });
  });

  describe('ruleLocation', () => {
    it('reads partition and region from the rule ARN', () => {
      const event = parseConfigRuleEvent(
        scheduledEvent(
          {},
          { configRuleArn: 'arn:aws-cn:config:cn-north-1:123456789012:config-rule/config-rule-x' },
        ),
      );
      expect(ruleLocation(event, 'us-east-1')).to.deep.equal({ partition: 'aws-cn', region: 'cn-north-1' });
    });

    it('falls back to the Lambda region and the aws partition without an ARN', () => {
      const event = parseConfigRuleEvent(scheduledEvent({}, { configRuleArn: undefined }));
      expect(ruleLocation(event, 'eu-central-1')).to.deep.equal({ partition: 'aws', region: 'eu-central-1' });
    });
  });
});
