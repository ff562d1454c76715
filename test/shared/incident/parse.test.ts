import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { MalformedFindingError } from '../../../shared/errors';
import { decide } from '../../../shared/incident/decision';
import { eventPattern } from '../../../shared/incident/event-pattern';
import { parseFindings } from '../../../shared/incident/parse';
import { guardDutyDetail, guardDutyEvent, merge, pascalKeys, portProbe } from '../../helpers/findings';
import { FIXTURES, fixture, fixtureText } from '../../helpers/fixtures';

const GUARDDUTY = join(FIXTURES, 'corpus', 'guardduty');

/** The JSON blocks of a documentation page, in order (balanced braces; `{PLACEHOLDER}` replaced by `fill`). */
function jsonBlocks(text: string, fill: string): unknown[] {
  const filled = text.replace(/\{GUARDDUTY_FINDING_JSON_OBJECT\}/g, fill);
  const blocks: unknown[] = [];
  let depth = 0;
  let start = -1;
  for (let i = 0; i < filled.length; i++) {
    if (filled[i] === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (filled[i] === '}') {
      depth--;
      if (depth === 0) blocks.push(JSON.parse(filled.slice(start, i + 1)));
    }
  }
  return blocks;
}

function malformed(input: unknown): MalformedFindingError {
  try {
    parseFindings(input);
  } catch (error) {
    expect(error).to.be.instanceOf(MalformedFindingError);
    return error as MalformedFindingError;
  }
  throw new Error('expected a MalformedFindingError');
}

describe('incident findings: parse', () => {
  describe('every sample in the GuardDuty corpus parses and gets a decision', () => {
    const files = readdirSync(GUARDDUTY).filter((f) => f.endsWith('.json'));
    it('walks the folder (6 findings and the envelope page)', () => {
      expect(files).to.have.length(6);
      expect(readdirSync(GUARDDUTY)).to.include('awsdocs__guardduty_finding_event_envelope.txt');
    });
    for (const file of files)
      it(file, () => {
        const findings = parseFindings(fixture(join('corpus', 'guardduty', file)));
        expect(findings).to.have.length(1);
        const [finding] = findings;
        expect(finding!.id).to.match(/^[0-9a-f]{32}$/);
        expect(finding!.type).to.match(/^[A-Za-z]+:[A-Za-z0-9]+\//);
        const decision = decide(finding!);
        expect(decision.responses.at(-1)?.playbook).to.equal('notify');
        expect(decision.reasons).to.have.length.greaterThan(0);
      });

    it('the envelope of the GuardDuty user guide, carrying a corpus finding, parses; its example patterns evaluate', () => {
      const detail = fixtureText(
        'corpus/guardduty/aws-samples__automated-response__guardduty_ec2_event.json',
      );
      const [envelope, severityPattern, accountPattern] = jsonBlocks(
        fixtureText('corpus/guardduty/awsdocs__guardduty_finding_event_envelope.txt'),
        detail,
      );
      const [finding] = parseFindings(envelope);
      expect(finding).to.include({
        type: 'Canary:EC2/Stateless.IntegTest',
        accountId: '123456789012',
        severity: 5,
      });
      expect(finding!.event).to.include({ account: '111122223333', detailType: 'GuardDuty Finding' });
      expect(eventPattern(severityPattern as Record<string, unknown>)(envelope)).to.equal(true);
      expect(eventPattern(accountPattern as Record<string, unknown>)(envelope)).to.equal(true);
    });
  });

  it('reads the waf-acl sample: role, direction, the attacker with the port it hit, and drops placeholders with a warning', () => {
    const [f] = parseFindings(
      fixture('corpus/guardduty/aws-samples__guardduty-waf-acl__gd2acl_test_event.json'),
    );
    expect(f).to.deep.include({
      source: 'guardduty',
      id: '02be5693b63eea1d67e6f321c6aee4f3',
      type: 'UnauthorizedAccess:EC2/SSHBruteForce',
      severity: 2,
      severityBand: 'LOW',
      region: 'us-east-1',
      partition: 'aws',
      resourceType: 'Instance',
      resourceRole: 'TARGET',
      connectionDirection: 'INBOUND',
      actionType: 'NETWORK_CONNECTION',
      sample: true,
      archived: false,
    });
    expect(f!.accountId).to.equal(undefined);
    expect(f!.remoteIps).to.deep.equal([
      {
        address: '198.51.100.0',
        version: 4,
        cidr: '198.51.100.0/32',
        seenIn: 'networkConnectionAction',
        localPort: 22,
      },
    ]);
    expect(f!.instance?.instanceId).to.equal('i-99999999');
    expect(f!.instance?.networkInterfaces[0]).to.deep.include({
      networkInterfaceId: 'eni-bfcffe88',
      subnetId: undefined,
    });
    expect(f!.warnings.join(' ')).to.contain('"Replace with valid SubnetID" is not a subnet id');
    expect(f!.instance?.tags).to.include({ GeneratedFindingInstaceTag1: 'GeneratedFindingInstaceValue1' });
  });

  it('takes the account of the finding, not of the administrator account the event was delivered to', () => {
    const [f] = parseFindings(fixture('corpus/guardduty/c7n__ec2-duty-event.json'));
    expect(f!.accountId).to.equal('883606788610');
    expect(f!.event?.account).to.equal('101010101111');
    expect(f!.domains).to.deep.equal(['example.com']);
    expect(f!.remoteIps).to.deep.equal([]);
  });

  it('reads an access key finding with an instance for context, and its archived flag', () => {
    const [f] = parseFindings(
      fixture('corpus/guardduty/aws-samples__automated-response__guardduty_iam_event.json'),
    );
    expect(f!.resourceType).to.equal('AccessKey');
    expect(f!.accessKey).to.deep.include({
      userType: 'IAMUser',
      userName: 'GeneratedFindingUserName',
      roleName: undefined,
    });
    expect(f!.instance?.instanceId).to.equal('i-99999999');
    expect(f!.archived).to.equal(true);
    expect(f!.warnings.join(' ')).to.contain('is not an instance profile ARN');
  });

  it('reads instance credentials used elsewhere: the role from userName, the instance from the session name', () => {
    const [f] = parseFindings(
      guardDutyEvent({
        type: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
        severity: 8,
        resource: {
          resourceType: 'AccessKey',
          instanceDetails: undefined,
          accessKeyDetails: {
            accessKeyId: 'ASIAEXAMPLEEXAMPLE12',
            principalId: 'AROAEXAMPLEEXAMPLE123:i-0abc1234def567890',
            userName: 'web-app-role',
            userType: 'AssumedRole',
          },
        },
        service: {
          action: {
            actionType: 'AWS_API_CALL',
            networkConnectionAction: undefined,
            awsApiCallAction: { api: 'ListBuckets', remoteIpDetails: { ipAddressV4: '203.0.113.9' } },
          },
        },
      }),
    );
    expect(f!.accessKey).to.deep.include({ roleName: 'web-app-role', instanceId: 'i-0abc1234def567890' });
    expect(f!.remoteIps.map((r) => [r.address, r.seenIn])).to.deep.equal([
      ['203.0.113.9', 'awsApiCallAction'],
    ]);
  });

  it('reads every address of a port probe, IPv6 canonical, duplicates once, with the probed port', () => {
    const [f] = parseFindings(
      guardDutyEvent(
        merge(portProbe(['203.0.113.5', '2001:DB8:0:0::7', '203.0.113.5', '::ffff:198.51.100.20'], 3389), {
          type: 'Recon:EC2/PortProbeUnprotectedPort',
        }),
      ),
    );
    expect(f!.remoteIps).to.deep.equal([
      {
        address: '203.0.113.5',
        version: 4,
        cidr: '203.0.113.5/32',
        seenIn: 'portProbeAction',
        localPort: 3389,
      },
      {
        address: '2001:db8::7',
        version: 6,
        cidr: '2001:db8::7/128',
        seenIn: 'portProbeAction',
        localPort: 3389,
      },
      {
        address: '198.51.100.20',
        version: 4,
        cidr: '198.51.100.20/32',
        seenIn: 'portProbeAction',
        localPort: 3389,
      },
    ]);
  });

  it('reads remoteIpDetails.ipAddressV6 of a network connection', () => {
    const [f] = parseFindings(
      guardDutyEvent({
        service: {
          action: {
            networkConnectionAction: {
              remoteIpDetails: { ipAddressV4: undefined, ipAddressV6: '2001:0db8::0bad' },
            },
          },
        },
      }),
    );
    expect(f!.remoteIps.map((r) => r.cidr)).to.deep.equal(['2001:db8::bad/128']);
  });

  it('reads a bare finding and GetFindings output printed by the AWS CLI (PascalCase) to the same model', () => {
    const detail = guardDutyDetail();
    const [bare] = parseFindings(detail);
    const [cli] = parseFindings({ Findings: [pascalKeys(detail)] });
    expect({ ...cli, warnings: cli!.warnings.length }).to.deep.equal({
      ...bare,
      warnings: bare!.warnings.length,
    });
    expect(bare!.instance?.instanceId).to.equal('i-99999999');
  });

  describe('Security Hub (ASFF)', () => {
    it('a GuardDuty finding sent by a custom action: type, severity, role and remote address from ProductFields', () => {
      const [f] = parseFindings(
        fixture('corpus/eventbridge/c7n__event-securityhub-iamkey-finding-action.json'),
      );
      expect(f).to.deep.include({
        source: 'securityhub',
        id: '4cb5a629e9757b650d102f683cdbcd7b',
        type: 'UnauthorizedAccess:IAMUser/ConsoleLogin',
        severity: 5,
        severityBand: 'MEDIUM',
        accountId: '644160558196',
        region: 'us-east-1',
        resourceType: 'AwsIamAccessKey',
        resourceRole: 'TARGET',
        actionType: 'AWS_API_CALL',
      });
      expect(f!.remoteIps.map((r) => r.address)).to.deep.equal(['208.115.85.104']);
      expect(f!.event?.actionName).to.equal('Ec2 aws');
    });

    it('GetFindings output with several GuardDuty findings: one model each', () => {
      const findings = parseFindings(
        fixture<{ data: unknown }>(
          'corpus/securityhub/c7n__test_security_hub_mode_action_insight__securityhub.GetFindings_1.json',
        ).data,
      );
      expect(findings.map((f) => f.type)).to.deep.equal([
        'Recon:IAMUser/ResourcePermissions',
        'UnauthorizedAccess:IAMUser/ConsoleLogin',
        'Recon:IAMUser/UserPermissions',
        'Recon:IAMUser/UserPermissions',
        'Recon:IAMUser/ResourcePermissions',
      ]);
      expect(findings[0]!.accessKey?.accessKeyId).to.equal('AKIAIPRJCJL6BOF6DPMA');
    });

    it('an EC2 GuardDuty finding in ASFF: the instance, its network and the Network section', () => {
      const event = fixture<{ detail: { findings: Record<string, unknown>[] } }>(
        'corpus/eventbridge/c7n__event-securityhub-iamkey-finding-action.json',
      );
      // Derived: the custom-action event of the corpus with an EC2 SSH brute-force finding in its place.
      const finding = merge(event.detail.findings[0], {
        Types: ['TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce'],
        Severity: { Product: 8, Normalized: 80, Label: 'HIGH' },
        ProductFields: {
          'action/awsApiCallAction/remoteIpDetails/ipAddressV4': undefined,
          resourceRole: 'TARGET',
        },
        Network: { Direction: 'IN', Protocol: 'TCP', SourceIpV4: '203.0.113.77', DestinationPort: 22 },
        Resources: [
          {
            Type: 'AwsEc2Instance',
            Id: 'arn:aws:ec2:us-east-1:644160558196:instance/i-0123456789abcdef0',
            Partition: 'aws',
            Region: 'us-east-1',
            Tags: { 'rebaseline:incident-response': 'skip' },
            Details: {
              AwsEc2Instance: { VpcId: 'vpc-0123456789abcdef0', SubnetId: 'subnet-0123456789abcdef0' },
            },
          },
        ],
      });
      event.detail.findings = [finding as Record<string, unknown>];
      const [f] = parseFindings(event);
      expect(f).to.deep.include({
        type: 'UnauthorizedAccess:EC2/SSHBruteForce',
        severity: 8,
        severityBand: 'HIGH',
        connectionDirection: 'INBOUND',
        resourceRole: 'TARGET',
      });
      expect(f!.instance).to.deep.include({
        instanceId: 'i-0123456789abcdef0',
        tags: { 'rebaseline:incident-response': 'skip' },
      });
      expect(f!.instance?.networkInterfaces[0]).to.include({
        subnetId: 'subnet-0123456789abcdef0',
        vpcId: 'vpc-0123456789abcdef0',
      });
      expect(f!.remoteIps.map((r) => [r.address, r.seenIn])).to.deep.equal([['203.0.113.77', 'network']]);
    });

    it('a Security Hub control finding: the control as its type, the normalized severity', () => {
      const [f] = parseFindings(fixture('corpus/securityhub/awsdocs__sample-finding-fsbp.json'));
      expect(f).to.deep.include({
        type: 'SecurityHub:CloudTrail.2',
        severity: 4,
        severityBand: 'MEDIUM',
        resourceType: 'AwsCloudTrailTrail',
      });
      expect(decide(f!).notifyOnly).to.equal(true);
    });
  });

  describe('a malformed finding is a typed error naming the field', () => {
    const cases: [string, unknown, string, RegExp][] = [
      ['no id', guardDutyEvent({ id: undefined }), 'detail.id', /is missing/],
      ['severity as text', guardDutyEvent({ severity: '8' }), 'detail.severity', /must be a number/],
      ['severity out of range', guardDutyEvent({ severity: 11 }), 'detail.severity', /from 0 to 10/],
      [
        'a type that is not GuardDuty’s',
        guardDutyEvent({ type: 'ssh brute force' }),
        'detail.type',
        /GuardDuty finding type/,
      ],
      ['an id with characters no tag accepts', guardDutyEvent({ id: 'abc def' }), 'detail.id', /finding id/],
      [
        'an instance finding without its instance',
        guardDutyEvent({ resource: { instanceDetails: { instanceId: undefined } } }),
        'detail.resource.instanceDetails.instanceId',
        /is missing/,
      ],
      [
        'an instance id that is not one',
        guardDutyEvent({ resource: { instanceDetails: { instanceId: 'i-$(reboot)' } } }),
        'detail.resource.instanceDetails.instanceId',
        /instance id/,
      ],
      [
        'a remote address that is not one',
        guardDutyEvent({
          service: { action: { networkConnectionAction: { remoteIpDetails: { ipAddressV4: '999.1.1.1' } } } },
        }),
        'detail.service.action.networkConnectionAction.remoteIpDetails.ipAddressV4',
        /IP address/,
      ],
      [
        'a CIDR where an address belongs',
        guardDutyEvent({
          service: { action: { networkConnectionAction: { remoteIpDetails: { ipAddressV4: '0.0.0.0/0' } } } },
        }),
        'detail.service.action.networkConnectionAction.remoteIpDetails.ipAddressV4',
        /IP address/,
      ],
      [
        'a port probe that is not a list',
        guardDutyEvent({
          service: { action: { portProbeAction: { portProbeDetails: { remoteIpDetails: {} } } } },
        }),
        'detail.service.action.portProbeAction.portProbeDetails',
        /must be a list/,
      ],
      [
        'an account id that is not one',
        guardDutyEvent({ accountId: '12345' }),
        'detail.accountId',
        /12-digit/,
      ],
      [
        'an event from another source',
        { source: 'aws.config', 'detail-type': 'Config Rules Compliance Change', detail: {} },
        'source',
        /aws\.guardduty or aws\.securityhub/,
      ],
      [
        'a Security Hub event without findings',
        { source: 'aws.securityhub', detail: { findings: [] } },
        'detail.findings',
        /is empty/,
      ],
      [
        'an ASFF finding without resources',
        {
          SchemaVersion: '2018-10-08',
          ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty',
          Id: 'x',
          GeneratorId: 'x',
          AwsAccountId: '123456789012',
          Types: [],
          Severity: { Label: 'HIGH' },
          Resources: [],
        },
        'Resources',
        /is empty/,
      ],
      ['not JSON object', 'a string', 'input', /JSON object/],
      ['something else', { hello: 'world' }, 'input', /neither a finding/],
    ];
    for (const [name, input, field, problem] of cases)
      it(name, () => {
        const error = malformed(input);
        expect(error.field).to.equal(field);
        expect(error.message).to.match(problem);
      });
  });
});
