import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { leastPrivilegeProblems } from '../../../scripts/deploy/iam';
import {
  memberAutomationRoleName,
  memberDocumentName,
  packRuleName,
  pascal,
} from '../../../scripts/deploy/naming';
import {
  baselinePackName,
  baselinePacks,
  buildBaselinePack,
  buildManagedPack,
  buildMemberRoles,
  MAX_PACK_PARAMETERS,
  MAX_TEMPLATE_BODY_BYTES,
  packParameterName,
  renderPacks,
} from '../../../scripts/deploy/packs';
import { loadRegistry, readsThroughExecutionRole, remediationOf } from '../../../scripts/deploy/registry';
import { deployableParameters, toConfigString } from '../../../scripts/deploy/stage-params';
import { SYNTHETIC_REMEDIATION, SYNTHETIC_RULE, withSynthetic } from '../../helpers/deploy';

const registry = loadRegistry();
const MANAGED_DOCS = join(__dirname, '..', '..', 'fixtures', 'deploy', 'managed-rules');

type Resource = { Type: string; Condition?: string; Properties: Record<string, unknown> };
const resources = (template: Record<string, unknown>) => template.Resources as Record<string, Resource>;

describe('conformance packs', () => {
  describe('rebaseline-baseline.yaml', () => {
    // One pack per rule: what a rule's section holds does not depend on the packs the registry is spread over.
    const synthetic = withSynthetic(registry);
    const packOf = (id: string) =>
      buildBaselinePack({ ...synthetic, rules: synthetic.rules.filter((r) => r.id === id) });
    const parametersOf = (id: string) => packOf(id).Parameters as Record<string, { Default: string }>;

    for (const rule of [...registry.rules, SYNTHETIC_RULE])
      it(`holds ${rule.id} as a custom Lambda rule with every parameter, defaulting to the rule's`, () => {
        const P = pascal(rule.id);
        const r = resources(packOf(rule.id))[`${P}Rule`]!;
        expect(r.Type).to.equal('AWS::Config::ConfigRule');
        expect(r.Properties.ConfigRuleName).to.equal(packRuleName(rule.id));
        const source = r.Properties.Source as { Owner: string; SourceIdentifier: { 'Fn::If': unknown[] } };
        expect(source.Owner).to.equal('CUSTOM_LAMBDA');
        expect(source.SourceIdentifier['Fn::If'][1]).to.deep.equal({ Ref: `${P}LambdaArn` });
        expect(JSON.stringify(source.SourceIdentifier['Fn::If'][2])).to.include(
          `\${LambdaNamePrefix}${rule.id}`,
        );
        const inputs = r.Properties.InputParameters as Record<string, unknown>;
        for (const [name, schema] of Object.entries(deployableParameters(rule))) {
          expect(inputs, name).to.have.property(name);
          if (name === 'exemptTagKey' || name === 'exemptTagValue') continue;
          expect(parametersOf(rule.id)[packParameterName(rule.id, name)]?.Default).to.equal(
            toConfigString(schema.default),
          );
        }
        expect(inputs.executionRoleName).to.deep.equal({
          'Fn::If': ['HasExecutionRoleName', { Ref: 'ExecutionRoleName' }, { Ref: 'AWS::NoValue' }],
        });
      });

    for (const rule of [...registry.rules, SYNTHETIC_RULE]) {
      const remediation = remediationOf(withSynthetic(registry), rule);
      if (!remediation) continue;
      it(`remediates ${rule.id} with member-roles.yaml's document and role, manual by default`, () => {
        const P = pascal(rule.id);
        const r = resources(packOf(rule.id))[`${P}Remediation`]!;
        expect(r.Properties).to.deep.include({
          ConfigRuleName: { Ref: `${P}Rule` },
          TargetType: 'SSM_DOCUMENT',
          TargetId: memberDocumentName(remediation.meta.id),
          Automatic: { Ref: `${P}AutomaticRemediation` },
        });
        expect(parametersOf(rule.id)[`${P}AutomaticRemediation`]?.Default).to.equal('false');
        const params = r.Properties.Parameters as Record<string, unknown>;
        for (const [name, source] of Object.entries(remediation.meta.parameters))
          if (source.source === 'assumeRole')
            expect(params[name]).to.deep.equal({
              StaticValue: {
                Values: [
                  {
                    'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${memberAutomationRoleName(remediation.meta.id)}`,
                  },
                ],
              },
            });
      });
    }

    it('points remediations at RemediationLambdaAccountId, else the central LambdaAccountId, else this account', () => {
      for (const rule of [...registry.rules, SYNTHETIC_RULE]) {
        const remediation = remediationOf(withSynthetic(registry), rule);
        if (!remediation?.meta.lambda) continue;
        const pack = packOf(rule.id);
        const params = resources(pack)[`${pascal(rule.id)}Remediation`]!.Properties.Parameters as Record<
          string,
          { StaticValue: { Values: unknown[] } }
        >;
        const lambdaParameter = Object.entries(remediation.meta.parameters).find(
          ([, source]) => source.source === 'lambda',
        )![0];
        const arn = `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${Account}:function:\${LambdaNamePrefix}${remediation.meta.id}`;
        const remote = {
          'Fn::If': [
            'HasRemediationLambdaAccountId',
            { Ref: 'RemediationLambdaAccountId' },
            { Ref: 'LambdaAccountId' },
          ],
        };
        // Another account's Lambda only through this account's own alias: the only one it may invoke.
        expect(params[lambdaParameter]!.StaticValue.Values, rule.id).to.deep.equal([
          {
            'Fn::If': [
              'UsesRemoteRemediationLambda',
              { 'Fn::Sub': [`${arn}:member-\${AWS::AccountId}`, { Account: remote }] },
              { 'Fn::Sub': [arn, { Account: { Ref: 'AWS::AccountId' } }] },
            ],
          },
        ]);
        expect((pack.Conditions as Record<string, unknown>).UsesRemoteRemediationLambda).to.deep.equal({
          'Fn::Or': [{ Condition: 'HasRemediationLambdaAccountId' }, { Condition: 'HasLambdaAccountId' }],
        });
      }
    });

    it(`spreads the rules over packs of at most ${MAX_PACK_PARAMETERS} parameters and ${MAX_TEMPLATE_BODY_BYTES} bytes, each rule once, in order`, () => {
      // Many rules (the registry's, again and again under other ids), as a registry that keeps growing would hold.
      const many = {
        ...registry,
        rules: Array.from({ length: 4 }, (_, i) =>
          registry.rules.map((r) => ({ ...r, id: `${r.id}-${i}`, remediation: undefined })),
        ).flat(),
      };
      for (const reg of [registry, many]) {
        const packs = baselinePacks(reg);
        expect(packs.flatMap((p) => p.rules)).to.deep.equal(reg.rules.map((r) => r.id));
        expect(packs.map((p) => p.name)).to.deep.equal(packs.map((_, i) => baselinePackName(i + 1)));
        for (const p of packs) {
          expect(Buffer.byteLength(p.text), p.name).to.be.at.most(MAX_TEMPLATE_BODY_BYTES);
          const parameters = (parse(p.text) as { Parameters: object }).Parameters;
          expect(Object.keys(parameters).length, p.name).to.be.at.most(MAX_PACK_PARAMETERS);
        }
      }
      expect(baselinePacks(many).length).to.be.greaterThan(2);
      expect(baselinePackName(1)).to.equal('rebaseline-baseline');
      expect(Buffer.byteLength(renderPacks(registry)['rebaseline-managed-rules.yaml']!)).to.be.at.most(
        MAX_TEMPLATE_BODY_BYTES,
      );
    });

    it('a new rule joins the last pack or starts one: the rules already in a pack stay there', () => {
      const before = baselinePacks(registry);
      const after = baselinePacks(withSynthetic(registry));
      expect(after.slice(0, -1).map((p) => p.rules)).to.deep.equal(
        before.slice(0, after.length - 1).map((p) => p.rules),
      );
      expect(after.at(-1)?.rules.at(-1)).to.equal(SYNTHETIC_RULE.id);
    });

    it('uses only the resource types and parameter names conformance packs accept', () => {
      for (const { text } of baselinePacks(registry)) {
        const pack = parse(text) as Record<string, unknown>;
        for (const r of Object.values(resources(pack)))
          expect(['AWS::Config::ConfigRule', 'AWS::Config::RemediationConfiguration']).to.include(r.Type);
        for (const name of Object.keys(pack.Parameters as object))
          expect(name).to.match(/^[A-Za-z0-9]{1,255}$/);
      }
    });

    it('hard-codes no account id or ARN', () => {
      for (const { text } of baselinePacks(registry)) {
        expect(text).to.not.match(/\d{12}/);
        expect(text).to.not.match(/arn:aws[\w-]*:/);
      }
    });
  });

  describe('rebaseline-managed-rules.yaml', () => {
    const pack = buildManagedPack(registry);

    for (const rule of registry.rules)
      for (const c of rule.managedRules ?? [])
        it(`maps ${rule.id} to ${c.name}, with the identifier and trigger the AWS Config guide gives when the corpus has its page`, () => {
          const r = resources(pack)[pascal(c.name)]!;
          expect(r.Properties.Source).to.deep.equal({ Owner: 'AWS', SourceIdentifier: c.identifier });
          expect(r.Properties.Description).to.include(rule.id);
          const page = join(MANAGED_DOCS, `${c.name}.md`);
          if (!existsSync(page)) return;
          const doc = readFileSync(page, 'utf8');
          const identifier = /\*\*Identifier:\*\* (\S+)/.exec(doc)?.[1]?.replace(/\\/g, '');
          expect(identifier).to.equal(c.identifier);
          expect(Boolean(r.Properties.MaximumExecutionFrequency)).to.equal(/Periodic/.test(doc));
        });

    it('has one managed rule per managedRules entry of every registered rule', () => {
      const names = registry.rules.flatMap((r) => (r.managedRules ?? []).map((c) => pascal(c.name)));
      expect(Object.keys(resources(pack)).sort()).to.deep.equal([...names].sort());
    });
  });

  describe('member-roles.yaml', () => {
    const template = buildMemberRoles(withSynthetic(registry));
    const R = resources(template);

    it('creates the execution role only in the primary region, and only with a central account or scanners', () => {
      expect(R.ExecutionRole!.Condition).to.equal('CreateExecutionRole');
      expect((template.Conditions as Record<string, unknown>).CreateExecutionRole).to.deep.equal({
        'Fn::And': [
          { Condition: 'IsPrimaryRegion' },
          { 'Fn::Or': [{ Condition: 'HasCentralAccount' }, { Condition: 'HasScanner' }] },
        ],
      });
    });

    it('trusts only the central account’s rule- and remediation-Lambda roles, and the scanners named, with the external id, inside the organization', () => {
      const trust = (R.ExecutionRole!.Properties.AssumeRolePolicyDocument as { Statement: unknown[] })
        .Statement;
      const [central, scanner] = trust as { 'Fn::If': [string, unknown, unknown] }[];
      expect(trust).to.have.length(2);
      expect(central!['Fn::If'][0]).to.equal('HasCentralAccount');
      expect(central!['Fn::If'][2]).to.deep.equal({ Ref: 'AWS::NoValue' });
      // rebaseline scan --org: only principals matching ScannerPrincipalArns, in the organization, with the id.
      expect(scanner).to.deep.equal({
        'Fn::If': [
          'HasScanner',
          {
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: 'sts:AssumeRole',
            Condition: {
              StringEquals: {
                'sts:ExternalId': { Ref: 'ExternalId' },
                'aws:PrincipalOrgID': { Ref: 'OrganizationId' },
              },
              ArnLike: { 'aws:PrincipalArn': { 'Fn::Split': [',', { Ref: 'ScannerPrincipalArns' }] } },
            },
          },
          { Ref: 'AWS::NoValue' },
        ],
      });
      expect([central!['Fn::If'][1]]).to.deep.equal([
        {
          Effect: 'Allow',
          Principal: { AWS: { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${CentralAccountId}:root` } },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: {
              'sts:ExternalId': { Ref: 'ExternalId' },
              'aws:PrincipalOrgID': { Ref: 'OrganizationId' },
            },
            ArnLike: {
              'aws:PrincipalArn': [
                {
                  'Fn::Sub': `arn:\${AWS::Partition}:iam::\${CentralAccountId}:role/rebaseline/\${CentralStage}/rule/*`,
                },
                {
                  'Fn::Sub': `arn:\${AWS::Partition}:iam::\${CentralAccountId}:role/rebaseline/\${CentralStage}/remediation/*`,
                },
              ],
            },
          },
        },
      ]);
    });

    it('grants every rule’s reads plus the Config adapter’s calls, least-privilege', () => {
      const doc = (
        R.ExecutionRole!.Properties.Policies as { PolicyDocument: { Statement: { Action: string[] }[] } }[]
      )[0]!.PolicyDocument;
      const actions = doc.Statement.flatMap((s) => s.Action);
      for (const rule of [...registry.rules, SYNTHETIC_RULE])
        for (const action of rule.iam.flatMap((s) => s.actions)) expect(actions, rule.id).to.include(action);
      expect(actions).to.include.members(['config:PutEvaluations', 'config:GetResourceConfigHistory']);
      expect(leastPrivilegeProblems(doc)).to.deep.equal([]);
    });

    it('grants the reads of the remediation Lambdas that use it, least-privilege, and nothing of one that acts on its own', () => {
      type Policy = { PolicyName: string; PolicyDocument: { Statement: { Action: string[] }[] } };
      const policies = R.ExecutionRole!.Properties.Policies as Policy[];
      expect(policies.map((p) => p.PolicyName)).to.deep.equal([
        'rebaseline-rules',
        'rebaseline-remediations',
        'rebaseline-scan',
      ]);
      // rebaseline scan's own reads (regions, Config's inventory), only reads, least-privilege.
      const scan = policies[2]!.PolicyDocument;
      expect(leastPrivilegeProblems(scan)).to.deep.equal([]);
      for (const action of scan.Statement.flatMap((s) => s.Action))
        expect(action).to.match(/:(Describe|List|BatchGet)[A-Z]/);
      const doc = policies[1]!.PolicyDocument;
      const actions = doc.Statement.flatMap((s) => s.Action);
      const all = [...registry.remediations, SYNTHETIC_REMEDIATION];
      for (const { meta } of all.filter((r) => readsThroughExecutionRole(r.meta)))
        for (const action of meta.lambda!.iam.flatMap((s) => s.actions))
          expect(actions, meta.id).to.include(action);
      expect(leastPrivilegeProblems(doc)).to.deep.equal([]);
      const everyAction = policies.flatMap((p) => p.PolicyDocument.Statement.flatMap((s) => s.Action));
      for (const action of [
        'sts:AssumeRoot',
        'sns:Publish',
        'organizations:DescribeOrganization',
        'organizations:ListDelegatedAdministrators',
      ])
        expect(everyAction, action).to.not.include(action);
      // Only reads: the changes are the member automation role's.
      for (const action of actions) expect(action).to.match(/:(Describe|Get|List)[A-Z]/);
    });

    it('has the member automation roles invoke, and the documents default to, the central remediation Lambda', () => {
      const account = {
        'Fn::If': [
          'HasRemediationLambdaAccountId',
          { Ref: 'RemediationLambdaAccountId' },
          { Ref: 'CentralAccountId' },
        ],
      };
      for (const remediation of [...registry.remediations, SYNTHETIC_REMEDIATION]) {
        if (!remediation.meta.lambda) continue;
        const P = pascal(remediation.meta.id);
        const name = `rebaseline-\${CentralStage}-${remediation.meta.id}`;
        const invoke = (
          R[`${P}AutomationRole`]!.Properties.Policies as {
            PolicyDocument: { Statement: { Sid?: string; Resource: unknown[] }[] };
          }[]
        )[0]!.PolicyDocument.Statement.find((s) => s.Sid === 'InvokeRemediationLambda');
        // A central Lambda only through this member's own alias, the only one this account may invoke.
        const lambdaArn = (region: string) => ({
          'Fn::If': [
            'UsesRemoteRemediationLambda',
            {
              'Fn::Sub': [
                `arn:\${AWS::Partition}:lambda:${region}:\${Account}:function:${name}:member-\${AWS::AccountId}`,
                { Account: account },
              ],
            },
            {
              'Fn::Sub': [
                `arn:\${AWS::Partition}:lambda:${region}:\${Account}:function:${name}`,
                { Account: { Ref: 'AWS::AccountId' } },
              ],
            },
          ],
        });
        expect(invoke?.Resource, remediation.meta.id).to.deep.equal([lambdaArn('*')]);
        const lambdaParameter = Object.entries(remediation.meta.parameters).find(
          ([, source]) => source.source === 'lambda',
        )![0];
        const content = R[`${P}Document`]!.Properties.Content as { parameters: Record<string, unknown> };
        expect(content.parameters[lambdaParameter], remediation.meta.id).to.deep.include({
          default: lambdaArn(`\${AWS::Region}`),
        });
      }
    });

    for (const remediation of [...registry.remediations, SYNTHETIC_REMEDIATION])
      it(`creates ${remediation.meta.id}'s automation role and document under the names the pack uses`, () => {
        const P = pascal(remediation.meta.id);
        expect(R[`${P}AutomationRole`]!.Properties.RoleName).to.equal(
          memberAutomationRoleName(remediation.meta.id),
        );
        expect(R[`${P}AutomationRole`]!.Condition).to.equal('IsPrimaryRegion');
        expect(R[`${P}Document`]!.Properties).to.deep.include({
          Name: memberDocumentName(remediation.meta.id),
          DocumentType: 'Automation',
        });
        // document.yaml as it is, except the Lambda parameter's default and description (checked above).
        const content = R[`${P}Document`]!.Properties.Content as Record<string, unknown> & {
          parameters: Record<string, Record<string, unknown>>;
        };
        const lambdaParameter = Object.entries(remediation.meta.parameters).find(
          ([, source]) => source.source === 'lambda',
        )?.[0];
        const original = remediation.document as typeof content;
        const withoutLambdaDefault = (doc: typeof content) => ({
          ...doc,
          parameters: Object.fromEntries(
            Object.entries(doc.parameters).map(([name, spec]) => {
              if (name !== lambdaParameter) return [name, spec];
              const { default: _default, description: _description, ...rest } = spec;
              return [name, rest];
            }),
          ),
        });
        expect(withoutLambdaDefault(content)).to.deep.equal(withoutLambdaDefault(original));
        if (lambdaParameter)
          expect(content.parameters[lambdaParameter]!.description).to.match(/^\(Optional\) /);
        expect(R[`${P}Document`]!.Condition).to.equal(undefined);
      });

    it('is what conformance-packs/member-roles.yaml holds', () => {
      expect(parse(renderPacks(registry)['member-roles.yaml']!)).to.deep.equal(buildMemberRoles(registry));
    });
  });
});
