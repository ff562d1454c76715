import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import {
  lambdaLogicalId,
  pascal,
  remediationFunctionKey,
  ruleFunctionKey,
} from '../../../scripts/deploy/naming';
import { cliParameters, sectionsFor } from '../../../scripts/deploy/osls';
import {
  loadRegistry,
  REPO_ROOT,
  readsThroughExecutionRole,
  remediationOf,
} from '../../../scripts/deploy/registry';
import { buildServerlessSections } from '../../../scripts/deploy/serverless-stack';
import {
  automaticRemediationKey,
  GLOBAL_PARAMETERS,
  MAX_MEMBER_ACCOUNTS,
  resolveStageSettings,
  ruleParameterKey,
} from '../../../scripts/deploy/stage-params';
import { DeploymentConfigError } from '../../../shared/errors';
import { props, SYNTHETIC_REMEDIATION, SYNTHETIC_RULE, withSynthetic } from '../../helpers/deploy';

const registry = withSynthetic(loadRegistry());
const CENTRAL = {
  central: 'true',
  organizationId: 'o-exampleorg1',
  externalId: 'external-id-1',
  memberAccountIds: '111111111111,222222222222',
};

function build(input: Record<string, unknown> = {}, stage = 'prod') {
  return buildServerlessSections(registry, resolveStageSettings(registry, stage, input));
}

type Statement = { Sid?: string; Action: string[]; Resource: unknown[]; Condition?: Record<string, unknown> };
function statements(resources: Record<string, unknown>, roleId: string): Statement[] {
  const role = props({ Resources: resources }, roleId) as {
    Policies: { PolicyDocument: { Statement: Statement[] } }[];
  };
  return role.Policies.flatMap((p) => p.PolicyDocument.Statement);
}

describe('serverless stack generator', () => {
  describe('in one account (defaults)', () => {
    const { functions, resources } = build();
    const R = resources.Resources;

    for (const rule of registry.rules)
      describe(rule.id, () => {
        const P = pascal(rule.id);

        it('has a Lambda whose handler exists (synthetic rules aside), with its own role, retention and concurrency', () => {
          const fn = functions[ruleFunctionKey(rule.id)]!;
          expect(fn.name).to.equal(`rebaseline-prod-${rule.id}`);
          expect(fn.handler).to.equal(`rules/${rule.id}/handler.handler`);
          if (rule !== SYNTHETIC_RULE)
            expect(existsSync(join(REPO_ROOT, 'rules', rule.id, 'handler.ts'))).to.equal(true);
          expect(fn.role).to.deep.equal({ 'Fn::Sub': `\${Rule${P}Role.Arn}` });
          expect(R[`Rule${P}Role`]).to.have.property('Type', 'AWS::IAM::Role');
          expect(fn.logRetentionInDays).to.equal(30);
          expect(fn.reservedConcurrency).to.equal(5);
          expect(fn.environment).to.not.have.property('EXECUTION_ROLE_EXTERNAL_ID');
        });

        it('lets only this account’s Config invoke it', () => {
          expect(props(resources, `Rule${P}ConfigPermission`)).to.deep.equal({
            FunctionName: { 'Fn::GetAtt': [lambdaLogicalId(ruleFunctionKey(rule.id)), 'Arn'] },
            Action: 'lambda:InvokeFunction',
            Principal: 'config.amazonaws.com',
            SourceAccount: { Ref: 'AWS::AccountId' },
          });
          expect(Object.keys(R).filter((k) => k.startsWith(`Rule${P}ConfigPermission`))).to.have.length(1);
        });

        it('has a Config rule with its triggers, scope and string parameters, created after the permission', () => {
          const resource = R[`Rule${P}ConfigRule`] as {
            DependsOn: string[];
            Properties: unknown;
          };
          expect(resource.DependsOn).to.deep.equal([`Rule${P}ConfigPermission`]);
          const p = resource.Properties as Record<string, unknown> & {
            Source: {
              Owner: string;
              SourceDetails: { MessageType: string; MaximumExecutionFrequency?: string }[];
            };
            InputParameters: Record<string, unknown>;
          };
          expect(p.ConfigRuleName).to.equal(`rebaseline-prod-${rule.id}`);
          expect(p.Source.Owner).to.equal('CUSTOM_LAMBDA');
          const types = p.Source.SourceDetails.map((d) => d.MessageType);
          if (rule.trigger.configurationChange) {
            expect(types).to.include.members([
              'ConfigurationItemChangeNotification',
              'OversizedConfigurationItemChangeNotification',
            ]);
            expect(p.Scope).to.deep.equal({
              ComplianceResourceTypes: rule.trigger.configurationChange.resourceTypes,
            });
          } else expect(p).to.not.have.property('Scope');
          const scheduled = p.Source.SourceDetails.find((d) => d.MessageType === 'ScheduledNotification');
          expect(scheduled?.MaximumExecutionFrequency).to.equal(
            rule.trigger.periodic?.maximumExecutionFrequency,
          );
          for (const value of Object.values(p.InputParameters))
            expect(value).to.be.a('string').and.not.equal('');
          expect(p.InputParameters).to.not.have.property('executionRoleName');
          expect(JSON.stringify(p.InputParameters).length).to.be.at.most(1024);
        });

        it('reports with PutEvaluations and reads what the adapter needs', () => {
          const s = statements(R, `Rule${P}Role`);
          const actions = s.flatMap((x) => x.Action);
          expect(actions).to.include('config:PutEvaluations');
          expect(actions.includes('config:GetResourceConfigHistory')).to.equal(
            Boolean(rule.trigger.configurationChange),
          );
          for (const declared of rule.iam.flatMap((x) => x.actions)) expect(actions).to.include(declared);
          expect(actions).to.not.include('sts:AssumeRole');
        });
      });

    for (const remediation of registry.remediations)
      describe(remediation.meta.id, () => {
        const P = pascal(remediation.meta.id);

        it('has its SSM Automation document, from document.yaml', () => {
          expect(props(resources, `Remediation${P}Document`)).to.deep.include({
            Name: `rebaseline-prod-${remediation.meta.id}`,
            DocumentType: 'Automation',
            DocumentFormat: 'YAML',
            Content: remediation.document,
          });
          if (remediation !== SYNTHETIC_REMEDIATION)
            expect(remediation.document).to.deep.equal(
              parse(readFileSync(join(REPO_ROOT, remediation.folder, 'document.yaml'), 'utf8')),
            );
        });

        it('has an automation role that only SSM in this account can assume', () => {
          const trust = (
            props(resources, `Remediation${P}AutomationRole`) as {
              AssumeRolePolicyDocument: {
                Statement: { Principal: unknown; Condition: Record<string, unknown> }[];
              };
            }
          ).AssumeRolePolicyDocument.Statement;
          expect(trust).to.have.length(1);
          expect(trust[0]!.Principal).to.deep.equal({ Service: 'ssm.amazonaws.com' });
          expect(trust[0]!.Condition.StringEquals).to.deep.equal({
            'aws:SourceAccount': { Ref: 'AWS::AccountId' },
          });
        });

        it('has its Lambda when it declares one, and the automation may invoke it', () => {
          const key = remediationFunctionKey(remediation.meta.id);
          if (!remediation.meta.lambda) {
            expect(functions).to.not.have.property(key);
            return;
          }
          const fn = functions[key]!;
          expect(
            fn.name.endsWith(remediation.meta.id),
            'function name ends with the remediation id',
          ).to.equal(true);
          expect(fn.handler).to.equal(`${remediation.folder}/handler.handler`);
          if (remediation !== SYNTHETIC_REMEDIATION)
            expect(existsSync(join(REPO_ROOT, remediation.folder, 'handler.ts'))).to.equal(true);
          expect(fn.timeout).to.equal(remediation.meta.lambda.timeoutSeconds);
          const invoke = statements(R, `Remediation${P}AutomationRole`).find(
            (s) => s.Sid === 'InvokeRemediationLambda',
          );
          expect(invoke?.Resource).to.deep.equal([{ 'Fn::GetAtt': [lambdaLogicalId(key), 'Arn'] }]);
        });

        it('reads only its own account: no execution role to assume, no member may invoke its Lambda', () => {
          if (!remediation.meta.lambda) return;
          expect(functions[remediationFunctionKey(remediation.meta.id)]!.environment).to.deep.equal({
            LOG_LEVEL: 'info',
          });
          const actions = statements(R, `Remediation${P}LambdaRole`).flatMap((s) => s.Action);
          expect(actions).to.not.include('sts:AssumeRole');
          expect(Object.keys(R).filter((k) => k.startsWith(`Remediation${P}InvokePermission`))).to.deep.equal(
            [],
          );
        });
      });

    for (const rule of registry.rules) {
      const remediation = remediationOf(registry, rule);
      if (!remediation) continue;
      it(`configures ${remediation.meta.id} for ${rule.id}: manual by default, with its parameter sources`, () => {
        const p = props(resources, `Rule${pascal(rule.id)}Remediation`) as Record<string, unknown> & {
          Parameters: Record<string, unknown>;
        };
        expect(p).to.deep.include({
          ConfigRuleName: { Ref: `Rule${pascal(rule.id)}ConfigRule` },
          TargetType: 'SSM_DOCUMENT',
          TargetId: { Ref: `Remediation${pascal(remediation.meta.id)}Document` },
          Automatic: false,
          MaximumAutomaticAttempts: 3,
          RetryAttemptSeconds: 60,
          ExecutionControls: { SsmControls: { ConcurrentExecutionRatePercentage: 10, ErrorPercentage: 10 } },
        });
        for (const [name, source] of Object.entries(remediation.meta.parameters)) {
          if (source.source === 'resourceId')
            expect(p.Parameters[name]).to.deep.equal({ ResourceValue: { Value: 'RESOURCE_ID' } });
          if (source.source === 'assumeRole')
            expect(p.Parameters[name]).to.deep.equal({
              StaticValue: {
                Values: [
                  { 'Fn::GetAtt': [`Remediation${pascal(remediation.meta.id)}AutomationRole`, 'Arn'] },
                ],
              },
            });
          if (source.source === 'lambda')
            expect(p.Parameters[name]).to.deep.equal({
              StaticValue: {
                Values: [{ Ref: lambdaLogicalId(remediationFunctionKey(remediation.meta.id)) }],
              },
            });
        }
      });
    }

    for (const rule of registry.rules) {
      const remediation = remediationOf(registry, rule);
      if (!remediation) continue;
      it(`passes ${remediation.meta.id} only parameters its document declares, in their allowed form`, () => {
        const declared = (remediation.document.parameters ?? {}) as Record<
          string,
          { default?: unknown; allowedPattern?: string }
        >;
        const passed = (
          props(resources, `Rule${pascal(rule.id)}Remediation`) as { Parameters: Record<string, unknown> }
        ).Parameters;
        for (const [name, value] of Object.entries(passed)) {
          expect(declared, `${name} is not a parameter of the document`).to.have.property(name);
          const literal = (value as { StaticValue?: { Values: unknown[] } }).StaticValue?.Values[0];
          const pattern = declared[name]!.allowedPattern;
          if (typeof literal === 'string' && pattern) expect(literal, name).to.match(new RegExp(pattern));
        }
        for (const [name, spec] of Object.entries(declared))
          if (spec.default === undefined)
            expect(passed, `${name} has no default and is not passed`).to.have.property(name);
      });
    }

    it('has a remediation configuration for exactly the rules whose remediation is registered', () => {
      const configured = Object.keys(R).filter(
        (k) => (R[k] as { Type: string }).Type === 'AWS::Config::RemediationConfiguration',
      );
      const expected = registry.rules
        .filter((r) => remediationOf(registry, r))
        .map((r) => `Rule${pascal(r.id)}Remediation`);
      expect(configured.sort()).to.deep.equal(expected.sort());
    });
  });

  it('passes stage parameters to the Config rule and, in the same string form, to the remediation', () => {
    const { resources } = build({
      [ruleParameterKey(SYNTHETIC_RULE.id, 'allowedOwners')]: '111111111111,222222222222',
      [ruleParameterKey(SYNTHETIC_RULE.id, 'strict')]: false,
      [ruleParameterKey(SYNTHETIC_RULE.id, 'exemptResourceIds')]: 'vol-1',
      [automaticRemediationKey(SYNTHETIC_RULE.id)]: 'true',
      widgetTopicArn: 'arn:aws:sns:us-east-1:111111111111:widgets',
      exemptTagKey: 'owner',
      exemptTagValue: 'security',
    });
    const rule = props(resources, 'RuleSyntheticWidgetLockedConfigRule');
    expect(rule.InputParameters).to.deep.equal({
      allowedOwners: '111111111111,222222222222',
      strict: 'false',
      maxAgeDays: '30',
      exemptResourceIds: 'vol-1',
      exemptTagKey: 'owner',
      exemptTagValue: 'security',
    });
    const remediation = props(resources, 'RuleSyntheticWidgetLockedRemediation') as {
      Automatic: boolean;
      Parameters: Record<string, unknown>;
    };
    expect(remediation.Automatic).to.equal(true);
    expect(remediation.Parameters).to.deep.include({
      AllowedOwners: { StaticValue: { Values: ['111111111111,222222222222'] } },
      Strict: { StaticValue: { Values: ['false'] } },
      Account: { StaticValue: { Values: [{ Ref: 'AWS::AccountId' }] } },
      Topic: { StaticValue: { Values: ['arn:aws:sns:us-east-1:111111111111:widgets'] } },
      Mode: { StaticValue: { Values: ['lock'] } },
    });
  });

  it('leaves empty values out of the remediation so the document defaults apply', () => {
    const remediation = props(build().resources, 'RuleSyntheticWidgetLockedRemediation') as {
      Parameters: Record<string, unknown>;
    };
    expect(remediation.Parameters).to.not.have.any.keys('AllowedOwners', 'Topic');
  });

  it('central mode: assumes the member execution role inside the organization, and every member’s Config may invoke', () => {
    const { functions, resources } = build(CENTRAL);
    for (const rule of registry.rules) {
      const P = pascal(rule.id);
      const assume = statements(resources.Resources, `Rule${P}Role`).find((s) =>
        s.Action.includes('sts:AssumeRole'),
      );
      expect(assume).to.deep.include({
        Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:iam::*:role/rebaseline-execution` }],
        Condition: { StringEquals: { 'aws:ResourceOrgID': 'o-exampleorg1' } },
      });
      expect(functions[ruleFunctionKey(rule.id)]!.environment.EXECUTION_ROLE_EXTERNAL_ID).to.equal(
        'external-id-1',
      );
      for (const account of ['111111111111', '222222222222'])
        expect(props(resources, `Rule${P}ConfigPermission${account}`)).to.deep.include({
          Principal: 'config.amazonaws.com',
          SourceAccount: account,
        });
      expect(props(resources, `Rule${P}ConfigRule`).InputParameters).to.not.have.property(
        'executionRoleName',
      );
    }
  });

  it('central mode: remediation Lambdas read members through the execution role, each member invoking its own alias', () => {
    const { functions, resources } = build(CENTRAL);
    const withLambda = registry.remediations.filter((r) => r.meta.lambda);
    expect(withLambda.map((r) => r.meta.id)).to.include.members([
      'revoke-public-ingress',
      'remove-root-access-keys',
      SYNTHETIC_REMEDIATION.meta.id,
    ]);
    for (const { meta } of withLambda) {
      const P = pascal(meta.id);
      const key = remediationFunctionKey(meta.id);
      const assume = statements(resources.Resources, `Remediation${P}LambdaRole`).filter((s) =>
        s.Action.includes('sts:AssumeRole'),
      );
      if (readsThroughExecutionRole(meta)) {
        expect(functions[key]!.environment, meta.id).to.deep.equal({
          LOG_LEVEL: 'info',
          EXECUTION_ROLE_NAME: 'rebaseline-execution',
          EXECUTION_ROLE_EXTERNAL_ID: 'external-id-1',
        });
        expect(assume, meta.id).to.deep.equal([
          {
            Sid: 'AssumeMemberExecutionRole',
            Effect: 'Allow',
            Action: ['sts:AssumeRole'],
            Resource: [{ 'Fn::Sub': `arn:\${AWS::Partition}:iam::*:role/rebaseline-execution` }],
            Condition: { StringEquals: { 'aws:ResourceOrgID': 'o-exampleorg1' } },
          },
        ]);
      } else {
        // remove-root-access-keys acts through sts:AssumeRoot with its own role: it never assumes the member role.
        expect(functions[key]!.environment, meta.id).to.deep.equal({ LOG_LEVEL: 'info' });
        expect(assume, meta.id).to.deep.equal([]);
      }
      for (const account of ['111111111111', '222222222222']) {
        expect(props(resources, `Remediation${P}Alias${account}`), meta.id).to.deep.equal({
          FunctionName: { Ref: lambdaLogicalId(key) },
          FunctionVersion: '$LATEST',
          Name: `member-${account}`,
          Description: `Invoked by member account ${account} only; the Lambda acts on that account only.`,
        });
        expect(props(resources, `Remediation${P}InvokePermission${account}`), meta.id).to.deep.equal({
          FunctionName: { Ref: `Remediation${P}Alias${account}` },
          Action: 'lambda:InvokeFunction',
          Principal: account,
          PrincipalOrgID: 'o-exampleorg1',
        });
      }
      expect(
        Object.keys(resources.Resources).filter((k) => k.startsWith(`Remediation${P}InvokePermission`)),
      ).to.have.length(2);
    }
    expect(
      readsThroughExecutionRole(
        registry.remediations.find((r) => r.meta.id === 'remove-root-access-keys')!.meta,
      ),
    ).to.equal(false);
  });

  describe('no member can steer the central account', () => {
    const MEMBERS = ['111111111111', '222222222222'];
    type Permission = {
      FunctionName: unknown;
      Principal: string;
      PrincipalOrgID?: string;
      SourceAccount?: unknown;
    };

    /** Every Lambda permission of the stack, with what it grants: a function or one of its aliases. */
    function grants(resources: Record<string, unknown>) {
      const all = resources as Record<string, { Type: string; Properties: Record<string, unknown> }>;
      return Object.values(all)
        .filter((r) => r.Type === 'AWS::Lambda::Permission')
        .map((r) => {
          const p = r.Properties as unknown as Permission;
          const ref = (p.FunctionName as { Ref?: string }).Ref;
          const alias = ref ? all[ref] : undefined;
          return {
            fn: alias
              ? String((alias.Properties.FunctionName as { Ref: string }).Ref)
              : String((p.FunctionName as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]),
            qualifier: alias ? String(alias.Properties.Name) : undefined,
            principal: p.Principal,
            sourceAccount: p.SourceAccount,
            orgId: p.PrincipalOrgID,
          };
        });
    }

    it('a member account may invoke a remediation Lambda only through its own alias, and nothing unqualified', () => {
      const { resources } = build(CENTRAL);
      const permissions = grants(resources.Resources);
      for (const { meta } of registry.remediations.filter((r) => r.meta.lambda)) {
        const fn = lambdaLogicalId(remediationFunctionKey(meta.id));
        const mine = permissions.filter((g) => g.fn === fn);
        expect(
          mine.filter((g) => g.qualifier === undefined).map((g) => g.principal),
          `${meta.id}: unqualified grants`,
        ).to.deep.equal([]);
        for (const a of MEMBERS)
          for (const b of MEMBERS)
            expect(
              mine.some((g) => g.qualifier === `member-${b}` && g.principal === a),
              `${meta.id}: ${a} may invoke member-${b}`,
            ).to.equal(a === b);
        expect(mine.every((g) => g.orgId === 'o-exampleorg1')).to.equal(true);
      }
    });

    it('a rule Lambda is invoked only by AWS Config, per member account (SourceAccount); no principal of a member', () => {
      const { resources } = build(CENTRAL);
      for (const rule of registry.rules) {
        const fn = lambdaLogicalId(ruleFunctionKey(rule.id));
        const mine = grants(resources.Resources).filter((g) => g.fn === fn);
        expect(
          mine.map((g) => g.principal),
          rule.id,
        ).to.deep.equal(mine.map(() => 'config.amazonaws.com'));
        expect(mine.map((g) => g.qualifier)).to.deep.equal(mine.map(() => undefined));
        expect(mine.map((g) => g.sourceAccount)).to.deep.equal([{ Ref: 'AWS::AccountId' }, ...MEMBERS]);
      }
    });

    it('sts:AssumeRoot is not granted unless rootCredentialsManagement is on', () => {
      const { resources } = build(CENTRAL);
      const all = statements(resources.Resources, 'RemediationRemoveRootAccessKeysLambdaRole');
      expect(all.flatMap((s) => s.Action)).to.not.include('sts:AssumeRoot');
    });

    it('with rootCredentialsManagement, sts:AssumeRoot is conditioned on the two root-task policies and the organization', () => {
      const { resources } = build({ ...CENTRAL, rootCredentialsManagement: 'true' });
      const assumeRoot = statements(resources.Resources, 'RemediationRemoveRootAccessKeysLambdaRole').filter(
        (s) => s.Action.includes('sts:AssumeRoot'),
      );
      expect(assumeRoot).to.have.length(1);
      expect(assumeRoot[0]?.Resource).to.deep.equal([{ 'Fn::Sub': `arn:\${AWS::Partition}:iam::*:root` }]);
      expect(assumeRoot[0]?.Condition).to.deep.equal({
        StringEquals: {
          'sts:TaskPolicyArn': [
            { 'Fn::Sub': `arn:\${AWS::Partition}:iam::aws:policy/root-task/IAMDeleteRootUserCredentials` },
            { 'Fn::Sub': `arn:\${AWS::Partition}:iam::aws:policy/root-task/IAMAuditRootUserCredentials` },
          ],
          'aws:ResourceOrgID': 'o-exampleorg1',
        },
      });
    });

    it('rootCredentialsManagement without organizationId stops the packaging', () => {
      expect(() => build({ rootCredentialsManagement: 'true' })).to.throw(
        DeploymentConfigError,
        /rootCredentialsManagement: true needs the stage parameter organizationId/,
      );
    });

    it('a stage whose members would push the stack past 500 resources stops the packaging', () => {
      const many = Array.from({ length: 40 }, (_, i) => String(100000000000 + i)).join(',');
      expect(() => build({ ...CENTRAL, memberAccountIds: many })).to.throw(DeploymentConfigError, /500/);
    });
  });

  it('can leave the Config rules to a conformance pack and keep the Lambdas', () => {
    const { functions, resources } = build({ deployConfigRules: 'false' });
    const types = Object.values(resources.Resources).map((r) => (r as { Type: string }).Type);
    expect(types).to.not.include.members([
      'AWS::Config::ConfigRule',
      'AWS::Config::RemediationConfiguration',
    ]);
    expect(types).to.include('AWS::SSM::Document');
    expect(Object.keys(functions)).to.include(ruleFunctionKey(SYNTHETIC_RULE.id));
    expect(resources.Resources).to.have.property(`Rule${pascal(SYNTHETIC_RULE.id)}ConfigPermission`);
  });

  it('leaves out the rules a stage excludes (a global rule in all regions but one)', () => {
    const { functions, resources } = build({ excludeRules: SYNTHETIC_RULE.id });
    expect(functions).to.not.have.property(ruleFunctionKey(SYNTHETIC_RULE.id));
    expect(
      Object.keys(resources.Resources).filter((k) => k.startsWith('RuleSyntheticWidgetLocked')),
    ).to.deep.equal([]);
    expect(resources.Resources).to.have.property(
      `Remediation${pascal(SYNTHETIC_REMEDIATION.meta.id)}Document`,
    );
  });

  describe('stage parameter validation', () => {
    const fails = (input: Record<string, unknown>, pattern: RegExp, stage = 'prod') =>
      expect(() => resolveStageSettings(registry, stage, input))
        .to.throw(DeploymentConfigError)
        .with.property('message')
        .that.matches(pattern);

    it('rejects an unknown parameter, naming it', () =>
      fails(
        { 'synthetic-widget-locked.allowedOwner': '1' },
        /Unknown stage parameter\(s\) synthetic-widget-locked\.allowedOwner/,
      ));
    it('rejects a malformed rule parameter, naming the stage parameter', () =>
      fails({ 'synthetic-widget-locked.maxAgeDays': 'soon' }, /synthetic-widget-locked\.maxAgeDays/));
    it('rejects a malformed global parameter', () =>
      fails({ logRetentionInDays: '31' }, /logRetentionInDays/));
    it('needs the organization, external id and member accounts in central mode', () => {
      fails({ ...CENTRAL, organizationId: '' }, /organizationId/);
      fails({ ...CENTRAL, externalId: '' }, /externalId/);
      fails({ ...CENTRAL, memberAccountIds: '' }, /memberAccountIds/);
    });
    it('refuses more member accounts than a Lambda resource policy holds', () =>
      fails(
        {
          ...CENTRAL,
          memberAccountIds: Array.from({ length: MAX_MEMBER_ACCOUNTS + 1 }, (_, i) =>
            String(100000000000 + i),
          ).join(','),
        },
        /at most 60/,
      ));
    it('refuses a stage name that would make function names too long', () =>
      fails({}, /Stage/, 'a-very-long-stage-name'));
    it('treats "off" as no reserved concurrency', () =>
      expect(
        build({ reservedConcurrency: 'off' }).functions[ruleFunctionKey(SYNTHETIC_RULE.id)],
      ).to.not.have.property('reservedConcurrency'));
  });

  it('serverless.yml lists every global stage parameter with the generator’s default', () => {
    const yml = parse(readFileSync(join(REPO_ROOT, 'serverless.yml'), 'utf8'));
    const expected = Object.fromEntries(Object.entries(GLOBAL_PARAMETERS).map(([k, v]) => [k, v.default]));
    expect(yml.params.default).to.deep.equal(expected);
    expect(yml.functions).to.equal(`\${file(./scripts/serverless/generated.js):functions}`);
    expect(yml.resources).to.equal(`\${file(./scripts/serverless/generated.js):resources}`);
    expect(yml.provider).to.deep.include({ runtime: 'nodejs22.x', architecture: 'arm64' });
    expect(yml.package).to.deep.equal({ individually: true });
    // Whitespace and syntax minified, identifiers kept (error class names readable without keepNames' per-call cost).
    expect(yml.custom.esbuild).to.deep.include({
      bundle: true,
      minifyWhitespace: true,
      minifySyntax: true,
      keepNames: false,
      sourcemap: false,
      target: 'node22',
      exclude: [],
    });
  });

  describe('the osls bridge', () => {
    it('reads --param options', () =>
      expect(cliParameters(['central=true', 'a.b=1,2', 'bad'])).to.deep.equal({
        central: 'true',
        'a.b': '1,2',
      }));

    it('applies osls precedence: --param over params.<stage> over params.default', async () => {
      const config: Record<string, unknown> = {
        params: {
          default: { reservedConcurrency: '7', logRetentionInDays: '60' },
          prod: { reservedConcurrency: '9' },
        },
      };
      const sections = await sectionsFor({
        options: { stage: 'prod', param: ['logRetentionInDays=90'] },
        resolveConfigurationProperty: async ([key]) => config[key!],
      });
      const fn = Object.values(sections.functions)[0]!;
      expect(fn.reservedConcurrency).to.equal(9);
      expect(fn.logRetentionInDays).to.equal(90);
    });
  });
});
