import { expect } from 'chai';
import { leastPrivilegeProblems } from '../../../scripts/deploy/iam';
import { lambdaLogicalId } from '../../../scripts/deploy/naming';
import { loadRegistry } from '../../../scripts/deploy/registry';
import {
  ACTION_TARGETS_FUNCTION_KEY,
  AUTOMATABLE,
  actionId,
  CUSTOM_ACTIONS,
  compliancePattern,
  guardDutyPattern,
  playbookFunctionKey,
  ROUTER_FUNCTION_KEY,
} from '../../../scripts/deploy/respond';
import { buildServerlessSections } from '../../../scripts/deploy/serverless-stack';
import { resolveStageSettings } from '../../../scripts/deploy/stage-params';
import { DeploymentConfigError } from '../../../shared/errors';
import { matchesEventPattern } from '../../../shared/incident/event-pattern';
import { rolePolicies } from '../../helpers/deploy';
import { guardDutyEvent } from '../../helpers/findings';
import { fixture } from '../../helpers/fixtures';

const registry = loadRegistry();
type Resource = { Type: string; Properties: Record<string, unknown> };

function sections(params: Record<string, string> = {}) {
  const out = buildServerlessSections(registry, resolveStageSettings(registry, 'prod', params));
  return { ...out, resources: out.resources.Resources as Record<string, Resource> };
}

describe('scripts/deploy/respond: incident response in the stack', () => {
  it('deploys every playbook (Lambda, least-privilege role, SSM document, automation role), the router and the state table', () => {
    const { functions, resources } = sections();
    for (const id of [
      'collect-evidence',
      'isolate-ec2-instance',
      'block-ip',
      'revoke-role-sessions',
      'notify',
    ])
      expect(functions, id).to.have.property(playbookFunctionKey(id));
    expect(functions[ROUTER_FUNCTION_KEY]).to.deep.include({
      name: 'rebaseline-prod-respond',
      handler: 'playbooks/router/handler.handler',
      timeout: 900,
    });
    expect(resources.PlaybookIsolateEc2InstanceDocument?.Properties).to.deep.include({
      Name: 'rebaseline-prod-isolate-ec2-instance',
      DocumentType: 'Automation',
    });
    expect(resources.PlaybookCollectEvidenceCommandDocument?.Properties).to.deep.include({
      Name: 'rebaseline-prod-capture-volatile-data',
      DocumentType: 'Command',
    });
    expect(resources.IncidentStateTable?.Properties).to.deep.include({
      TableName: 'rebaseline-prod-incident-state',
      BillingMode: 'PAY_PER_REQUEST',
    });
    for (const [role, doc] of rolePolicies(resources as never))
      expect(leastPrivilegeProblems(doc), role).to.deep.equal([]);
  });

  it('automatic response is off for every playbook until its stage parameter turns it on', () => {
    const env = (p: Record<string, string>) =>
      (sections(p).functions[ROUTER_FUNCTION_KEY] as { environment: Record<string, string> }).environment;
    expect(env({}).AUTOMATIC_PLAYBOOKS).to.equal('');
    expect(env({ 'block-ip.automaticResponse': 'true' }).AUTOMATIC_PLAYBOOKS).to.equal('block-ip');
    expect(AUTOMATABLE).to.not.include('notify');
    expect(() => sections({ 'block-ip.automaticResponse': 'yes' })).to.throw(
      DeploymentConfigError,
      'block-ip.automaticResponse',
    );
  });

  it('the GuardDuty rule: numeric severity filter and resource types; the router may be invoked only by it (SourceArn)', () => {
    const { resources } = sections({ incidentMinSeverity: '6.5' });
    const rule = resources.IncidentGuardDutyRule!.Properties;
    expect(rule.EventPattern).to.deep.equal({
      source: ['aws.guardduty'],
      'detail-type': ['GuardDuty Finding'],
      detail: { severity: [{ numeric: ['>=', 6.5] }], resource: { resourceType: ['Instance', 'AccessKey'] } },
    });
    expect(resources.IncidentGuardDutyPermission!.Properties).to.deep.equal({
      FunctionName: { 'Fn::GetAtt': [lambdaLogicalId(ROUTER_FUNCTION_KEY), 'Arn'] },
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': ['IncidentGuardDutyRule', 'Arn'] },
    });
  });

  it('the GuardDuty pattern, evaluated: high findings on instances and keys in, the rest out (corpus events)', () => {
    const settings = resolveStageSettings(registry, 'prod', {
      incidentTypePrefixes: 'UnauthorizedAccess:,Backdoor:',
    }).respond;
    const pattern = guardDutyPattern(settings);
    expect(matchesEventPattern(pattern, guardDutyEvent({ severity: 8 }))).to.equal(true);
    expect(matchesEventPattern(pattern, guardDutyEvent({ severity: 6.9 }))).to.equal(false);
    expect(
      matchesEventPattern(pattern, guardDutyEvent({ severity: 8, type: 'Recon:EC2/Portscan' })),
    ).to.equal(false);
    expect(
      matchesEventPattern(pattern, fixture('corpus/guardduty/c7n__ec2-duty-event.json')),
      'severity 5',
    ).to.equal(false);
    expect(
      matchesEventPattern(pattern, {
        ...fixture<Record<string, unknown>>('corpus/guardduty/c7n__iam-duty-event.json'),
        detail: {
          ...fixture<{ detail: object }>('corpus/guardduty/c7n__iam-duty-event.json').detail,
          severity: 8,
        },
      }),
    ).to.equal(true);
  });

  it('Security Hub custom actions: names of at most 20 characters, ids unique per stage, the rule names their ARNs', () => {
    const { resources, functions } = sections();
    for (const a of CUSTOM_ACTIONS) expect(a.name.length, a.name).to.be.at.most(20);
    const targets = Object.entries(resources).filter(([, r]) => r.Type === 'Custom::SecurityHubActionTarget');
    expect(targets.map(([, r]) => r.Properties.Name)).to.deep.equal([
      'Respond (decide)',
      'Isolate instance',
      'Block IP',
      'Revoke sessions',
    ]);
    expect(targets.map(([, r]) => r.Properties.Id)).to.deep.equal([
      'RblProdRsp',
      'RblProdIso',
      'RblProdBlk',
      'RblProdRev',
    ]);
    expect(functions).to.have.property(ACTION_TARGETS_FUNCTION_KEY);
    expect(
      (resources.IncidentSecurityHubRule!.Properties.EventPattern as { resources: unknown[] }).resources,
    ).to.deep.equal(targets.map(([id]) => ({ 'Fn::GetAtt': [id, 'Arn'] })));
    expect(actionId('averyveryverylong', 'Iso')).to.match(/^[A-Za-z0-9]{1,20}$/);
    expect(Object.keys(sections({ incidentSecurityHubActions: 'false' }).resources)).to.not.include(
      'IncidentSecurityHubRule',
    );
  });

  it('NON_COMPLIANT results of this stage’s Config rules go to the topic (the topic allows only that rule)', () => {
    const { resources } = sections();
    expect(resources.IncidentComplianceRule!.Properties.EventPattern).to.deep.equal(
      compliancePattern('prod'),
    );
    const policy = resources.IncidentTopicPolicy!.Properties.PolicyDocument as {
      Statement: { Condition: unknown }[];
    };
    expect(policy.Statement[0]!.Condition).to.deep.equal({
      ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['IncidentComplianceRule', 'Arn'] } },
    });
    const event = fixture<Record<string, { configRuleName: string }>>(
      'corpus/eventbridge/config_compliance_change__access-keys-rotated__NON_COMPLIANT_from_COMPLIANT.json',
    );
    expect(matchesEventPattern(compliancePattern('prod'), event), 'another stack’s rule').to.equal(false);
    event.detail!.configRuleName = 'rebaseline-prod-iam-root-access-keys-absent';
    expect(matchesEventPattern(compliancePattern('prod'), event)).to.equal(true);
  });

  it('an hourly prune of expired blocks invokes block-ip with SourceArn', () => {
    const { resources } = sections({ incidentRetentionHours: '6' });
    expect(resources.IncidentPruneSchedule!.Properties.ScheduleExpression).to.equal('rate(1 hour)');
    const input = (
      resources.IncidentPruneSchedule!.Properties.Targets as { Input: { 'Fn::Sub': string } }[]
    )[0]!.Input['Fn::Sub'];
    expect(JSON.parse(input)).to.deep.include({
      Mode: 'prune',
      RetentionHours: '6',
      AccountId: `\${AWS::AccountId}`,
    });
    expect(resources.IncidentPrunePermission!.Properties.SourceArn).to.deep.equal({
      'Fn::GetAtt': ['IncidentPruneSchedule', 'Arn'],
    });
    expect(resources.IncidentPrunePermission!.Properties.FunctionName).to.deep.equal({
      'Fn::GetAtt': [lambdaLogicalId(playbookFunctionKey('block-ip')), 'Arn'],
    });
  });

  it('a given topic is used (none created); incidentResponse=false deploys nothing of it', () => {
    const given = sections({ incidentTopicArn: 'arn:aws:sns:us-east-1:111111111111:soc' });
    expect(given.resources).to.not.have.property('IncidentTopic');
    expect(
      (
        given.resources.IncidentRouterRole!.Properties.Policies as {
          PolicyDocument: { Statement: { Sid: string; Resource: unknown[] }[] };
        }[]
      )[0]!.PolicyDocument.Statement.find((s) => s.Sid === 'Notify')?.Resource,
    ).to.deep.equal(['arn:aws:sns:us-east-1:111111111111:soc']);
    const off = sections({ incidentResponse: 'false' });
    expect(Object.keys(off.resources).filter((k) => /^(Incident|Playbook)/.test(k))).to.deep.equal([]);
  });

  describe('stage parameters that cannot deploy name themselves', () => {
    for (const [name, value] of [
      ['incidentMinSeverity', 'high'],
      ['incidentTopicArn', 'soc-topic'],
      ['incidentAllowList', '10.0.0.0/33'],
      ['incidentRuleNumberRange', '100-1'],
      ['incidentNaclQuota', '99'],
      ['incidentWafIpSetArns', 'arn:aws:wafv2:us-east-1:111111111111:regional/ipset/x'],
      ['incidentRequireApproval', 'true'],
    ] as const)
      it(`${name}=${value}`, () => {
        expect(() => sections({ [name]: value })).to.throw(
          DeploymentConfigError,
          name === 'incidentRequireApproval' ? 'incidentApprovers' : name,
        );
      });
  });
});
