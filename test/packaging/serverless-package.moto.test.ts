import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { expect } from 'chai';
import { PLAYBOOKS } from '../../playbooks';
import { BUDGET_FILE, type BundleBudget, budgetOf } from '../../scripts/build-budget';
import { PACKS_DIR } from '../../scripts/build-packs';
import { leastPrivilegeProblems } from '../../scripts/deploy/iam';
import {
  lambdaLogicalId,
  pascal,
  remediationFunctionKey,
  ruleFunctionKey,
} from '../../scripts/deploy/naming';
import { CI_PACKAGE_PARAMS, type PackageResult, packageService } from '../../scripts/deploy/package';
import { renderPacks } from '../../scripts/deploy/packs';
import {
  loadRegistry,
  REPO_ROOT,
  readsThroughExecutionRole,
  remediationOf,
} from '../../scripts/deploy/registry';
import {
  ACTION_TARGETS_FUNCTION_KEY,
  playbookFunctionKey,
  ROUTER_FUNCTION_KEY,
} from '../../scripts/deploy/respond';
import { ACCOUNT_RESOURCE_TYPE } from '../../shared/rule';
import {
  type ConfigResponder,
  MOTO_DEFAULT_ACCOUNT,
  type RecordedEvaluationResult,
  startConfigResponder,
} from '../helpers/config-responder';
import { rolePolicies } from '../helpers/deploy';
import { fixture } from '../helpers/fixtures';
import { suiteLogWatch } from '../helpers/log-secrets';
import { TEST_CREDENTIALS, useMoto } from '../helpers/moto';
import { changeEvent, scheduledEvent } from '../helpers/rules';
import { readZip } from '../helpers/zip';

const registry = loadRegistry();
const CUSTOM_RULES = join(REPO_ROOT, 'cfn-lint-rules', 'config.txt');
const BAD_FIXTURE = join(__dirname, '..', 'fixtures', 'deploy', 'cfn-lint', 'config-enums-bad.yaml');
// Every generated template: the baseline packs (as many as Config's limits need), the managed rules, the roles, the SCP.
const PACKS = Object.keys(renderPacks(registry)).map((f) => join(PACKS_DIR, f));
const MEMBERS = CI_PACKAGE_PARAMS.memberAccountIds!.split(',');

interface LintMatch {
  Filename: string;
  Message: string;
  Rule: { Id: string };
  Location: { Path: (string | number)[] };
}

/** One cfn-lint run over every template (it is the slow part), with rebaseline's custom rules. */
function cfnLint(files: string[]): LintMatch[] {
  const run = spawnSync('cfn-lint', ['--format', 'json', '--custom-rules', CUSTOM_RULES, '--', ...files], {
    encoding: 'utf8',
  });
  if (run.error)
    throw new Error(
      `cfn-lint is required to run the packaging tests (pip install cfn-lint): ${run.error.message}`,
    );
  // Exit codes are a bit mask of error/warning/informational matches; 1 means cfn-lint itself failed.
  if (run.status === 1 || !run.stdout.trim().startsWith('['))
    throw new Error(`cfn-lint failed (exit ${run.status}): ${run.stderr}${run.stdout}`);
  return JSON.parse(run.stdout) as LintMatch[];
}

/** A child process run to its end without blocking this one (the responder the child calls runs here). */
function runNode(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown };

describe('packaging with osls, offline', () => {
  let dir: string;
  let result: PackageResult;
  let lint: LintMatch[];
  let resources: Record<string, Resource>;

  before(async function () {
    // One `osls package` (esbuild bundles every function) and one cfn-lint run for the whole file.
    this.timeout(300_000);
    dir = mkdtempSync(join(tmpdir(), 'rebaseline-package-'));
    result = await packageService(dir);
    resources = result.template.Resources as Record<string, Resource>;
    lint = cfnLint([join(result.dir, 'cloudformation-template-update-stack.json'), ...PACKS, BAD_FIXTURE]);
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('produces the CloudFormation template and one zip per function', () => {
    const expected = [
      ...registry.rules.map((r) => ruleFunctionKey(r.id)),
      ...registry.remediations.filter((r) => r.meta.lambda).map((r) => remediationFunctionKey(r.meta.id)),
      ...PLAYBOOKS.map((p) => playbookFunctionKey(p.meta.id)),
      ROUTER_FUNCTION_KEY,
      ACTION_TARGETS_FUNCTION_KEY,
    ];
    expect(Object.keys(result.zips).sort()).to.deep.equal(expected.sort());
  });

  for (const rule of registry.rules)
    it(`holds rule ${rule.id}: Lambda (nodejs22.x, arm64), role, Config permissions and Config rule`, () => {
      const P = pascal(rule.id);
      const fn = resources[lambdaLogicalId(ruleFunctionKey(rule.id))]!;
      expect(fn.Type).to.equal('AWS::Lambda::Function');
      expect(fn.Properties).to.deep.include({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: `rules/${rule.id}/handler.handler`,
        Role: { 'Fn::Sub': `\${Rule${P}Role.Arn}` },
      });
      expect(resources[`Rule${P}Role`]?.Type).to.equal('AWS::IAM::Role');
      expect(resources[`Rule${P}ConfigRule`]?.Type).to.equal('AWS::Config::ConfigRule');
      expect(resources[`Rule${P}ConfigPermission`]?.Properties.SourceAccount).to.deep.equal({
        Ref: 'AWS::AccountId',
      });
      for (const account of MEMBERS)
        expect(resources[`Rule${P}ConfigPermission${account}`]?.Properties.SourceAccount).to.equal(account);
      expect(resources[`Rule${pascal(rule.id)}LogGroup`]?.Properties.RetentionInDays).to.equal(30);
    });

  for (const remediation of registry.remediations)
    it(`holds remediation ${remediation.meta.id}: SSM document, automation role, Lambda and remediation configurations`, () => {
      const P = pascal(remediation.meta.id);
      expect(resources[`Remediation${P}Document`]?.Type).to.equal('AWS::SSM::Document');
      expect(resources[`Remediation${P}AutomationRole`]?.Type).to.equal('AWS::IAM::Role');
      if (remediation.meta.lambda)
        expect(resources[lambdaLogicalId(remediationFunctionKey(remediation.meta.id))]?.Type).to.equal(
          'AWS::Lambda::Function',
        );
      for (const rule of registry.rules.filter((r) => remediationOf(registry, r) === remediation))
        expect(resources[`Rule${pascal(rule.id)}Remediation`]?.Properties.TargetId).to.deep.equal({
          Ref: `Remediation${P}Document`,
        });
    });

  for (const { meta } of registry.remediations.filter((r) => r.meta.lambda))
    it(`serves member accounts with remediation ${meta.id}'s Lambda (central mode)`, () => {
      const P = pascal(meta.id);
      const fn = resources[lambdaLogicalId(remediationFunctionKey(meta.id))]!;
      const variables = (fn.Properties.Environment as { Variables: Record<string, string> }).Variables;
      const statements = (
        resources[`Remediation${P}LambdaRole`]!.Properties.Policies as {
          PolicyDocument: { Statement: { Action: string[]; Condition?: unknown }[] };
        }[]
      ).flatMap((p) => p.PolicyDocument.Statement);
      const assume = statements.filter((s) => s.Action.includes('sts:AssumeRole'));
      if (readsThroughExecutionRole(meta)) {
        expect(variables).to.deep.include({
          EXECUTION_ROLE_NAME: 'rebaseline-execution',
          EXECUTION_ROLE_EXTERNAL_ID: CI_PACKAGE_PARAMS.externalId,
        });
        expect(assume.map((s) => s.Condition)).to.deep.equal([
          { StringEquals: { 'aws:ResourceOrgID': CI_PACKAGE_PARAMS.organizationId } },
        ]);
      } else {
        expect(variables).to.not.have.any.keys('EXECUTION_ROLE_NAME', 'EXECUTION_ROLE_EXTERNAL_ID');
        expect(assume).to.deep.equal([]);
      }
      for (const account of MEMBERS)
        expect(resources[`Remediation${P}InvokePermission${account}`]?.Properties).to.deep.include({
          Action: 'lambda:InvokeFunction',
          Principal: account,
          PrincipalOrgID: CI_PACKAGE_PARAMS.organizationId,
        });
    });

  it('holds incident response: every playbook (Lambda, document, automation role), the router, its rules and permissions', () => {
    for (const p of PLAYBOOKS) {
      const P = pascal(p.meta.id);
      expect(resources[lambdaLogicalId(playbookFunctionKey(p.meta.id))]?.Properties).to.deep.include({
        Runtime: 'nodejs22.x',
        Handler: `playbooks/${p.meta.id}/handler.handler`,
      });
      expect(resources[`Playbook${P}Document`]?.Type).to.equal('AWS::SSM::Document');
      expect(resources[`Playbook${P}AutomationRole`]?.Type).to.equal('AWS::IAM::Role');
    }
    expect(resources.IncidentGuardDutyRule?.Type).to.equal('AWS::Events::Rule');
    for (const permission of [
      'IncidentGuardDutyPermission',
      'IncidentSecurityHubPermission',
      'IncidentPrunePermission',
    ])
      expect(resources[permission]?.Properties.SourceArn, permission).to.have.property('Fn::GetAtt');
    expect(
      Object.values(resources)
        .filter((r) => r.Type === 'Custom::SecurityHubActionTarget')
        .map((r) => String(r.Properties.Name).length),
    ).to.satisfy((lengths: number[]) => lengths.length === 4 && lengths.every((n) => n <= 20));
  });

  it('hard-codes no partition or account id (only the member ids given as stage parameters)', () => {
    const text = JSON.stringify(resources);
    expect(text).to.not.match(/arn:aws[\w-]*:/);
    const ids = new Set(text.match(/\b\d{12}\b/g) ?? []);
    for (const id of ids) expect(MEMBERS, id).to.include(id);
  });

  it('cfn-lint passes on the packaged template, both conformance packs, member-roles.yaml and the exemption SCP', () => {
    const real = lint.filter((m) => m.Filename !== BAD_FIXTURE);
    expect(
      real.map((m) => `${m.Rule.Id} ${m.Filename} ${m.Location.Path.join('/')}: ${m.Message}`),
    ).to.deep.equal([]);
  });

  it('cfn-lint-rules/config.txt rejects the Config values cfn-lint misses', () => {
    const flagged = lint
      .filter((m) => m.Filename === BAD_FIXTURE)
      .map((m) => m.Location.Path.filter((p) => typeof p === 'string').join('.'));
    expect(flagged).to.have.members([
      'Resources.BadFrequency.Properties.MaximumExecutionFrequency',
      'Resources.BadFrequency.Properties.Source.SourceDetails.MaximumExecutionFrequency',
      'Resources.BadOwner.Properties.Source.Owner',
      'Resources.BadMessageType.Properties.Source.SourceDetails.MessageType',
      'Resources.BadAttempts.Properties.MaximumAutomaticAttempts',
    ]);
  });

  it('grants no IAM role more than least privilege', () => {
    for (const [role, doc] of rolePolicies(resources))
      expect(leastPrivilegeProblems(doc), role).to.deep.equal([]);
  });

  it('bundles each handler alone: no node_modules, no source maps, no native or test-only packages', () => {
    for (const fn of Object.keys(result.zips)) {
      const files = readZip(join(result.dir, `${fn}.zip`));
      const names = [...files.keys()];
      expect(names, fn).to.have.length(1);
      expect(names[0], fn).to.match(/handler\.js$/);
      const code = files.get(names[0]!)!.toString('utf8');
      expect(code, fn).to.not.match(/better-sqlite3|playwright|sourceMappingURL/);
    }
  });

  describe('the packaged rule Lambdas run on their own (TESTMODE events against moto_server)', () => {
    const moto = useMoto();
    // Config's GetComplianceDetailsByConfigRule (a periodic rule's resources evaluated before) is not in moto: the
    // bundle reaches AWS through this responder, which answers it and forwards the rest (PutEvaluations) to moto.
    let config: ConfigResponder;
    before(async () => {
      config = await startConfigResponder({ upstream: moto.endpoint });
    });
    beforeEach(() => config.clear());
    after(() => config?.close());
    /** The resources of a type that exist on the emulator, for the results Config holds of them. */
    const existing: Record<string, () => Promise<string[]>> = {
      'AWS::EC2::VPC': async () => {
        const ec2 = new EC2Client({
          region: 'us-east-1',
          endpoint: moto.endpoint,
          credentials: TEST_CREDENTIALS,
        });
        const out = await ec2.send(new DescribeVpcsCommand({}));
        ec2.destroy();
        return (out.Vpcs ?? []).map((v) => v.VpcId!);
      },
    };
    const evaluated = (
      resourceType: string,
      resourceId: string,
      complianceType: RecordedEvaluationResult['ComplianceType'],
    ): RecordedEvaluationResult => ({
      EvaluationResultIdentifier: {
        EvaluationResultQualifier: { ResourceType: resourceType, ResourceId: resourceId },
        OrderingTimestamp: '2026-10-31T00:00:00.000Z',
      },
      ComplianceType: complianceType,
      ResultRecordedTime: '2026-10-31T00:00:05.000Z',
      ConfigRuleInvokedTime: '2026-10-31T00:00:01.000Z',
    });
    /** A real recorded item for the change-triggered rules; the periodic path for the account-level ones. */
    const events: Record<string, () => Record<string, unknown>> = {
      'ec2-security-group-no-public-ingress': () =>
        fixture('corpus/invoking_events/c7n__cwe__event-config-rule-security-group.json'),
      // moto's credentials are account 123456789012's: the recorded item is moved there, or S3 Control refuses.
      's3-bucket-no-public-access': () =>
        changeEvent({
          ...fixture<object>('corpus/config_items/rdk_AWS_S3_Bucket.json'),
          awsAccountId: '123456789012',
        }),
    };
    for (const rule of registry.rules)
      it(`${ruleFunctionKey(rule.id)}: the bundle alone evaluates and reports through PutEvaluations`, async () => {
        // Prepare: the zip's only file, as Lambda would unpack it, and a TESTMODE event (moto accepts PutEvaluations
        // only in test mode).
        const fn = ruleFunctionKey(rule.id);
        const [[name, code]] = [...readZip(join(result.dir, `${fn}.zip`)).entries()] as [[string, Buffer]];
        const file = join(dir, 'unzipped', fn, name);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, code);
        const event = {
          ...(events[rule.id]?.() ?? scheduledEvent()),
          resultToken: 'TESTMODE',
          configRuleArn: 'arn:aws:config:us-east-1:123456789012:config-rule/config-rule-abc123',
        } as Record<string, unknown>;
        // A periodic rule of a resource type: Config holds results of resources evaluated before. Two are gone (they
        // become NOT_APPLICABLE), the ones still there and those of another type or already NOT_APPLICABLE are not.
        const periodicType = events[rule.id] ? undefined : rule.trigger.periodic?.resourceType;
        const perResource = periodicType !== undefined && periodicType !== ACCOUNT_RESOURCE_TYPE;
        const gone = perResource ? ['gone-0000000000000001', 'gone-0000000000000002'] : [];
        const present = perResource ? await (existing[periodicType]?.() ?? []) : [];
        if (perResource)
          config.evaluationResults(MOTO_DEFAULT_ACCOUNT, 'us-east-1', String(event.configRuleName), [
            evaluated(periodicType, gone[0]!, 'COMPLIANT'),
            ...present.map((id) => evaluated(periodicType, id, 'NON_COMPLIANT')),
            evaluated(periodicType, gone[1]!, 'NON_COMPLIANT'),
            evaluated(periodicType, 'gone-already-not-applicable', 'NOT_APPLICABLE'),
            evaluated('AWS::Other::Type', 'other-0000000000000001', 'COMPLIANT'),
          ]);
        // Act: a fresh Node process with only the bundle, as the Lambda runtime runs it.
        const run = await runNode(
          [
            '-e',
            `require(${JSON.stringify(file)}).handler(JSON.parse(process.argv[1])).then((r) => process.stdout.write(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); })`,
            JSON.stringify(event),
          ],
          {
            PATH: process.env.PATH,
            AWS_ENDPOINT_URL: config.endpoint,
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'testing',
            AWS_SECRET_ACCESS_KEY: 'testing',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            // Every line the bundle logs is read for secrets, as CloudWatch Logs would get it.
            LOG_LEVEL: 'trace',
          },
        );
        suiteLogWatch.readChildOutput(run.stderr, `${fn} bundle`);
        // Assess: one evaluation reported in one PutEvaluations call (in test mode, on moto), and NOT_APPLICABLE for
        // each resource gone since Config's last results (only a periodic rule of a resource type asks for them).
        expect(run.status, run.stderr).to.equal(0);
        expect(JSON.parse(run.stdout)).to.deep.include({
          rule: rule.id,
          evaluations: 1 + gone.length,
          putEvaluationsCalls: 1,
        });
        expect(config.calls.GetComplianceDetailsByConfigRule ?? 0).to.equal(perResource ? 1 : 0);
        const [put, ...more] = config.inputs('PutEvaluations') as {
          Evaluations: { ComplianceResourceId: string; ComplianceType: string; Annotation?: string }[];
          ResultToken: string;
          TestMode?: boolean;
        }[];
        expect(more).to.deep.equal([]);
        expect(put).to.deep.include({ ResultToken: 'TESTMODE', TestMode: true });
        const notApplicable = put!.Evaluations.filter(
          (e) => e.Annotation === 'The resource no longer exists.',
        );
        expect(notApplicable.map((e) => [e.ComplianceResourceId, e.ComplianceType])).to.deep.equal(
          gone.map((id) => [id, 'NOT_APPLICABLE']),
        );
      });
  });

  it("keeps the names of rebaseline's error classes in every bundle (what CloudWatch Logs and Config show)", () => {
    // Prepare: each rule bundle, and an event with a parameter no rule has (the parser refuses it first).
    for (const rule of registry.rules) {
      const fn = ruleFunctionKey(rule.id);
      const [[name, code]] = [...readZip(join(result.dir, `${fn}.zip`)).entries()] as [[string, Buffer]];
      const file = join(dir, 'names', fn, name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, code);
      const event = { ...scheduledEvent(), ruleParameters: JSON.stringify({ noSuchParameter: 'x' }) };
      // Act
      const run = spawnSync(
        process.execPath,
        [
          '-e',
          `require(${JSON.stringify(file)}).handler(JSON.parse(process.argv[1])).then(() => process.exit(3), (e) => { process.stdout.write(JSON.stringify({ name: e.name, type: e.constructor.name })); })`,
          JSON.stringify(event),
        ],
        { encoding: 'utf8', env: { PATH: process.env.PATH, AWS_REGION: 'us-east-1', LOG_LEVEL: 'silent' } },
      );
      // Assess
      expect(run.status, `${fn}: ${run.stderr}`).to.equal(0);
      expect(JSON.parse(run.stdout), fn).to.deep.equal({
        name: 'InvalidParametersError',
        type: 'InvalidParametersError',
      });
    }
  });

  it(`keeps every bundle within 10 % of its budget (bundle-budget.json, or computed for a new function)`, () => {
    const budget = JSON.parse(readFileSync(BUDGET_FILE, 'utf8')) as BundleBudget;
    const rows = Object.entries(result.zips).map(([fn, bytes]) => {
      const allowed = budgetOf(budget, fn);
      return {
        function: fn,
        kB: Math.round(bytes / 1024),
        budgetKB: `${Math.round(allowed.bytes / 1024)}${allowed.computed ? ' (computed)' : ''}`,
      };
    });
    console.table(rows);
    for (const [fn, bytes] of Object.entries(result.zips))
      expect(bytes, `${fn} grew more than ${budget.tolerance * 100} % over its budget`).to.be.at.most(
        budgetOf(budget, fn).bytes * (1 + budget.tolerance),
      );
  });
});
