import { expect } from 'chai';
import { parse } from 'yaml';
import { renderPacks } from '../../../scripts/deploy/packs';
import { loadRegistry } from '../../../scripts/deploy/registry';
import { buildExemptionScp, MAX_SCP_CHARACTERS, scpStatements, taggingOf } from '../../../scripts/deploy/scp';
import { withSynthetic } from '../../helpers/deploy';

const registry = loadRegistry();

type Statement = {
  Sid: string;
  Effect: string;
  Action: string[];
  Resource: string | string[];
  Condition: Record<string, Record<string, string>>;
};

/** The policy as AWS receives it: the template's Fn::Sub resolved with sample parameter values. */
function policy(
  variant: 0 | 1,
  values: Record<string, string> = {},
): { Version: string; Statement: Statement[] } {
  const template = parse(renderPacks(registry)['rebaseline-exemption-scp.yaml']!) as {
    Resources: {
      ExemptionScp: {
        Properties: { Content: { 'Fn::If': [string, { 'Fn::Sub': string }, { 'Fn::Sub': string }] } };
      };
    };
  };
  const sub = template.Resources.ExemptionScp.Properties.Content['Fn::If'][variant + 1] as {
    'Fn::Sub': string;
  };
  const all: Record<string, string> = {
    'AWS::Partition': 'aws',
    ExemptTagKey: 'rebaseline:exempt',
    ExemptionAdminArnPatterns: 'arn:aws:iam::*:role/security-admin',
    ExecutionRoleName: 'rebaseline-execution',
    ...values,
  };
  const text = sub['Fn::Sub'].replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
    if (!(name in all)) throw new Error(`unresolved ${whole}`);
    return all[name] as string;
  });
  return JSON.parse(text);
}

describe('scripts/deploy/scp: the exemption-protecting service control policy', () => {
  for (const [variant, name] of [
    [0, 'with bucket tagging kept to the administrators'],
    [1, 'with bucket tagging left open'],
  ] as const)
    it(`${name}: valid policy JSON within AWS's ${MAX_SCP_CHARACTERS} characters, only Deny statements`, () => {
      const doc = policy(variant, { ExemptionAdminArnPatterns: `arn:aws:iam::*:role/${'a'.repeat(150)}` });
      expect(doc.Version).to.equal('2012-10-17');
      expect(JSON.stringify(doc).length).to.be.at.most(MAX_SCP_CHARACTERS);
      for (const s of doc.Statement) {
        expect(s.Effect, s.Sid).to.equal('Deny');
        expect(s.Sid).to.match(/^[A-Za-z0-9]+$/);
        for (const action of s.Action) expect(action).to.match(/^[a-z0-9-]+:[A-Z][A-Za-z]+$/);
        for (const r of [s.Resource].flat()) expect(r).to.match(/^(\*|arn:aws:[a-z0-9-]+:[^$]*)$/);
        expect(s.Condition.ArnNotLike, `${s.Sid}: administrators keep the right`).to.deep.equal({
          'aws:PrincipalArn': 'arn:aws:iam::*:role/security-admin'.replace('security-admin', 'a'.repeat(150)),
        });
      }
    });

  it('denies writing or removing the exemption tag key on every resource a rule evaluates, to all but the administrators', () => {
    const doc = policy(0);
    const tag = doc.Statement.find((s) => s.Sid === 'ProtectExemptionTag')!;
    expect(tag.Condition['ForAnyValue:StringEquals']).to.deep.equal({ 'aws:TagKeys': 'rebaseline:exempt' });
    expect(tag.Action).to.include.members([
      'ec2:CreateTags',
      'ec2:DeleteTags',
      'tag:TagResources',
      'tag:UntagResources',
    ]);
    const buckets = doc.Statement.find((s) => s.Sid === 'ProtectTagSetsWithoutKeyConditions')!;
    expect(buckets.Action).to.deep.equal(['s3:PutBucketTagging', 's3:DeleteBucketTagging']);
    expect(policy(1).Statement.map((s) => s.Sid)).to.not.include('ProtectTagSetsWithoutKeyConditions');
    for (const rule of registry.rules)
      for (const type of [
        ...(rule.trigger.configurationChange?.resourceTypes ?? []),
        ...(rule.trigger.periodic ? [rule.trigger.periodic.resourceType] : []),
      ]) {
        const tagging = taggingOf(type);
        if ('none' in tagging) continue;
        const covering = doc.Statement.filter((s) => tagging.actions.every((a) => s.Action.includes(a)));
        expect(covering, `${rule.id} ${type}`).to.not.be.empty;
      }
  });

  it('protects Config recording, the execution and automation roles and every remediation document', () => {
    const doc = policy(0);
    const sids = doc.Statement.map((s) => s.Sid);
    expect(sids).to.include.members([
      'ProtectConfigRecording',
      'ProtectRebaselineRoles',
      'ProtectRemediationDocuments',
    ]);
    const documents = doc.Statement.find((s) => s.Sid === 'ProtectRemediationDocuments')!
      .Resource as string[];
    for (const r of registry.remediations)
      expect(documents).to.include(`arn:aws:ssm:*:*:document/rebaseline-${r.meta.id}`);
    expect(doc.Statement.find((s) => s.Sid === 'ProtectRebaselineRoles')!.Resource).to.deep.equal([
      'arn:aws:iam::*:role/rebaseline-execution',
      'arn:aws:iam::*:role/rebaseline-automation-*',
    ]);
  });

  it('is generated from the registry: a rule on a new service gets that service’s tagging protected', () => {
    expect(taggingOf('AWS::GuardDuty::Detector')).to.deep.equal({
      actions: ['guardduty:TagResource', 'guardduty:UntagResource'],
      resource: '*',
      byTagKey: true,
    });
    const synthetic = scpStatements(withSynthetic(registry), true);
    expect(synthetic.find((s) => s.Sid === 'ProtectExemptionTag')?.Action).to.include('ec2:CreateTags');
    expect(buildExemptionScp(withSynthetic(registry)).Resources).to.have.property('ExemptionScp');
  });
});
