import { join } from 'node:path';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { expect } from 'chai';
import {
  type AutomationDocument,
  loadAutomationDocument,
  parseAutomationDocument,
} from '../../../app/ssm/document';
import {
  type AutomationExecution,
  durationMs,
  type LambdaContext,
  type LambdaHandler,
  lambdasBySuffix,
  runAutomation,
  type StepExecution,
} from '../../../app/ssm/runner';
import { AwsClients } from '../../../shared/aws/clients';
import { EC2 } from '../../../shared/aws/services/ec2';
import { InvalidAutomationParameterError, UnsupportedActionError } from '../../../shared/errors';
import { FIXTURES } from '../../helpers/fixtures';
import { TEST_CREDENTIALS, useMoto } from '../../helpers/moto';

const ACCOUNT = '123456789012';
const load = (name: string) => loadAutomationDocument(join(FIXTURES, 'ssm', `${name}.yaml`));

/** A small document for one behaviour; the runner's variants skip rebaseline's authoring rules. */
function inline(yaml: string, name = 'inline'): AutomationDocument {
  return parseAutomationDocument(yaml, name, { rebaselineChecks: false });
}

const stepNames = (e: AutomationExecution) => e.steps.map((s) => s.name);
const step = (e: AutomationExecution, name: string) => e.steps.find((s) => s.name === name) as StepExecution;
const noSleep = async () => undefined;

describe('app/ssm/runner', () => {
  const moto = useMoto();
  let aws: AwsClients;
  let groupId: string;

  async function readGroup(id = groupId): Promise<SecurityGroup> {
    const res = await aws.get(EC2).send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }));
    return res.SecurityGroups?.[0] as SecurityGroup;
  }

  async function openPort(port: number, cidr = '0.0.0.0/0') {
    await aws.get(EC2).send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: cidr }] }],
      }),
    );
  }

  beforeEach(async () => {
    aws = new AwsClients({ region: 'us-east-1', endpoint: moto.endpoint, credentials: TEST_CREDENTIALS });
    const created = await aws
      .get(EC2)
      .send(new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'runner test group' }));
    groupId = created.GroupId as string;
  });

  describe('aws:executeAwsApi, aws:branch, aws:waitForAwsResourceProperty, aws:assertAwsResourceProperty', () => {
    it('changes the group, with typed and interpolated inputs, and verifies the real end state', async () => {
      // Prepare
      const doc = load('security-group');

      // Act
      const execution = await runAutomation(doc, {
        aws,
        parameters: { GroupId: groupId, Port: '22' },
        executionId: 'exec-0001',
        sleep: noSleep,
      });

      // Assess
      expect(execution.status, execution.failureMessage).to.equal('Success');
      expect(stepNames(execution)).to.deep.equal([
        'DescribeGroup',
        'SkipDefaultGroup',
        'Authorize',
        'Tag',
        'WaitForPermission',
        'VerifyCidr',
      ]);
      const group = await readGroup();
      expect(group.IpPermissions).to.have.length(1);
      expect(group.IpPermissions?.[0]).to.include({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22 });
      expect(group.IpPermissions?.[0]?.IpRanges).to.deep.equal([
        { CidrIp: '10.0.0.0/8', Description: 'execution exec-0001 in us-east-1' },
      ]);
      expect(group.Tags).to.have.deep.members([
        { Key: 'rebaseline:account', Value: ACCOUNT },
        { Key: 'rebaseline:group-name', Value: 'web' },
      ]);
      expect(step(execution, 'Authorize').inputs.IpPermissions).to.deep.equal([
        {
          IpProtocol: 'tcp',
          FromPort: 22,
          ToPort: 22,
          IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'execution exec-0001 in us-east-1' }],
        },
      ]);
      expect(execution.parameters).to.deep.equal({
        AutomationAssumeRole: '',
        GroupId: groupId,
        Port: 22,
        Cidr: '10.0.0.0/8',
      });
      expect(step(execution, 'DescribeGroup').outputs).to.deep.equal({
        GroupName: 'web',
        IngressPermissions: [],
        EgressCidrs: ['0.0.0.0/0'],
      });
      expect(execution.outputs['DescribeGroup.GroupName']).to.equal('web');
      expect(execution.outputs['DescribeGroup.EgressCidrs']).to.deep.equal(['0.0.0.0/0']);
      expect(execution.outputs['Authorize.RuleIds']).to.be.an('array').with.length(1);
      expect(step(execution, 'SkipDefaultGroup').message).to.equal('No choice is true: next step Authorize.');
    });

    it('branches on an API output: the default group is only verified, never changed', async () => {
      // Prepare
      const defaults = await aws
        .get(EC2)
        .send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: ['default'] }] }));
      const defaultGroup = defaults.SecurityGroups?.[0] as SecurityGroup;
      const before = await readGroup(defaultGroup.GroupId);

      // Act
      const execution = await runAutomation(load('security-group'), {
        aws,
        parameters: { GroupId: defaultGroup.GroupId },
        sleep: noSleep,
      });

      // Assess
      expect(execution.status, execution.failureMessage).to.equal('Success');
      expect(stepNames(execution)).to.deep.equal(['DescribeGroup', 'SkipDefaultGroup', 'VerifyUntouched']);
      expect(await readGroup(defaultGroup.GroupId)).to.deep.equal(before);
    });

    it('polls aws:waitForAwsResourceProperty until the desired value appears', async () => {
      // Prepare
      const doc = inline(`
schemaVersion: '0.3'
parameters:
  GroupId: { type: String }
mainSteps:
  - name: WaitForSsh
    action: aws:waitForAwsResourceProperty
    inputs:
      Service: ec2
      Api: DescribeSecurityGroups
      GroupIds: ['{{ GroupId }}']
      PropertySelector: $.SecurityGroups[0].IpPermissions[*].FromPort
      DesiredValues: ['22']
`);
      const sleeps: number[] = [];
      // The permission appears while the runner waits between its first and second poll.
      const sleep = async (ms: number) => {
        sleeps.push(ms);
        if (sleeps.length === 1) await openPort(22);
      };

      // Act
      const execution = await runAutomation(doc, {
        aws,
        parameters: { GroupId: groupId },
        sleep,
        pollIntervalMs: 5000,
      });

      // Assess
      expect(execution.status, execution.failureMessage).to.equal('Success');
      expect(sleeps).to.deep.equal([5000]);
      expect(step(execution, 'WaitForSsh').message).to.equal(
        'Verified after 2 poll(s): ec2 DescribeSecurityGroups $.SecurityGroups[0].IpPermissions[*].FromPort is ["22"].',
      );
    });

    it('bounds aws:waitForAwsResourceProperty by maxWaitMs and reports TimedOut with the last value', async () => {
      // Prepare
      await openPort(3389);
      const doc = inline(`
schemaVersion: '0.3'
parameters:
  GroupId: { type: String }
mainSteps:
  - name: WaitForHttps
    action: aws:waitForAwsResourceProperty
    inputs:
      Service: ec2
      Api: DescribeSecurityGroups
      GroupIds: ['{{ GroupId }}']
      PropertySelector: $.SecurityGroups[0].IpPermissions[0].FromPort
      DesiredValues: ['443']
`);
      const sleeps: number[] = [];

      // Act
      const execution = await runAutomation(doc, {
        aws,
        parameters: { GroupId: groupId },
        sleep: async (ms) => {
          sleeps.push(ms);
        },
        pollIntervalMs: 1000,
        maxWaitMs: 3000,
      });

      // Assess
      expect(execution.status).to.equal('TimedOut');
      expect(sleeps).to.deep.equal([1000, 1000, 1000]);
      expect(step(execution, 'WaitForHttps')).to.include({
        status: 'TimedOut',
        failureMessage:
          'ec2 DescribeSecurityGroups $.SecurityGroups[0].IpPermissions[0].FromPort is still ["3389"] after 4 poll(s) over 3 s; desired ["443"].',
      });
      expect(execution.failureMessage).to.match(/^Step WaitForHttps timed out: /);
    });

    it('fails a false assertion, naming the step, the actual and the desired values, and stops (Abort)', async () => {
      // Prepare
      await openPort(22);
      const doc = inline(`
schemaVersion: '0.3'
parameters:
  GroupId: { type: String }
mainSteps:
  - name: VerifyPort
    action: aws:assertAwsResourceProperty
    inputs:
      Service: ec2
      Api: DescribeSecurityGroups
      GroupIds: ['{{ GroupId }}']
      PropertySelector: $.SecurityGroups[0].IpPermissions[0].FromPort
      DesiredValues: ['80', '443']
  - name: Tag
    action: aws:executeAwsApi
    inputs: { Service: ec2, Api: CreateTags, Resources: ['{{ GroupId }}'], Tags: [{ Key: reached, Value: 'yes' }] }
`);

      // Act
      const execution = await runAutomation(doc, { aws, parameters: { GroupId: groupId } });

      // Assess
      expect(execution.status).to.equal('Failed');
      expect(stepNames(execution)).to.deep.equal(['VerifyPort']);
      const expected =
        'ec2 DescribeSecurityGroups $.SecurityGroups[0].IpPermissions[0].FromPort is ["22"]; desired ["80","443"].';
      expect(step(execution, 'VerifyPort')).to.include({
        status: 'Failed',
        attempts: 1,
        failureMessage: expected,
      });
      expect(execution.failureMessage).to.equal(`Step VerifyPort failed: ${expected}`);
      expect((await readGroup()).Tags ?? []).to.deep.equal([]);
    });

    it('compares booleans as SSM renders them (True/False)', async () => {
      // Prepare
      const doc = inline(`
schemaVersion: '0.3'
parameters:
  GroupId: { type: String }
mainSteps:
  - name: VerifyBoolean
    action: aws:assertAwsResourceProperty
    inputs:
      Service: ec2
      Api: DescribeVpcs
      PropertySelector: $.Vpcs[0].IsDefault
      DesiredValues: ['True']
`);

      // Act
      const execution = await runAutomation(doc, { aws, parameters: { GroupId: groupId } });

      // Assess
      expect(execution.status, execution.failureMessage).to.equal('Success');
    });

    it('fails a step whose output selector gives another type than declared', async () => {
      // Prepare
      const doc = inline(`
schemaVersion: '0.3'
parameters:
  GroupId: { type: String }
mainSteps:
  - name: Describe
    action: aws:executeAwsApi
    inputs: { Service: ec2, Api: DescribeSecurityGroups, GroupIds: ['{{ GroupId }}'] }
    outputs:
      - { Name: Name, Selector: '$.SecurityGroups[0].GroupName', Type: Integer }
`);

      // Act
      const execution = await runAutomation(doc, { aws, parameters: { GroupId: groupId } });

      // Assess
      expect(step(execution, 'Describe').failureMessage).to.equal(
        'output Name: selector $.SecurityGroups[0].GroupName gave String "web", declared Integer.',
      );
    });

    it('reports an AWS error with its code', async () => {
      // Prepare
      const doc = inline(`
schemaVersion: '0.3'
mainSteps:
  - name: Revoke
    action: aws:executeAwsApi
    inputs: { Service: ec2, Api: RevokeSecurityGroupIngress, GroupId: sg-0000000000000000a, IpPermissions: [] }
`);

      // Act
      const execution = await runAutomation(doc, { aws });

      // Assess
      expect(execution.status).to.equal('Failed');
      expect(step(execution, 'Revoke').failureMessage).to.match(/^InvalidGroup\.NotFound: /);
    });
  });

  describe('aws:invokeLambdaFunction and aws:sleep', () => {
    function handlers() {
      const calls: { name: string; event: Record<string, unknown>; context: LambdaContext }[] = [];
      const handler =
        (name: string, result: (event: Record<string, unknown>) => unknown): LambdaHandler =>
        async (event, context) => {
          calls.push({ name, event, context });
          return result(event);
        };
      const lambdas = lambdasBySuffix({
        planner: handler('planner', () => ({ removed: ['22'], reference: 'ref-1' })),
        verifier: handler('verifier', () => ({ verified: true })),
      });
      return { calls, lambdas };
    }

    it('calls the in-process handlers with the interpolated payloads and exposes Payload and typed outputs', async () => {
      // Prepare
      const { calls, lambdas } = handlers();
      const sleeps: number[] = [];

      // Act
      const execution = await runAutomation(load('lambda-and-sleep'), {
        aws,
        parameters: { GroupId: groupId },
        lambdas,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      });

      // Assess
      expect(execution.status, execution.failureMessage).to.equal('Success');
      expect(sleeps).to.deep.equal([90_000]);
      expect(calls.map((c) => c.name)).to.deep.equal(['planner', 'verifier']);
      expect(calls[0]?.event).to.deep.equal({ GroupId: groupId, Ports: ['22', '3389'], Account: ACCOUNT });
      expect(calls[0]?.context.functionName).to.equal('rebaseline-test-planner');
      expect(calls[1]?.event).to.deep.equal({
        GroupId: groupId,
        Removed: ['22'],
        Reference: 'ref-1',
        Planner: { removed: ['22'], reference: 'ref-1' },
        StatusCode: 200,
      });
      expect(calls[1]?.context).to.include({
        functionName: 'rebaseline-test-verifier',
        invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:rebaseline-test-verifier`,
      });
      expect(step(execution, 'Plan').outputs).to.deep.equal({
        Payload: { removed: ['22'], reference: 'ref-1' },
        StatusCode: 200,
        Removed: ['22'],
        Reference: 'ref-1',
      });
      expect(execution.outputs).to.deep.equal({
        'Plan.Removed': ['22'],
        'Plan.Payload': { removed: ['22'], reference: 'ref-1' },
      });
    });

    it('fails the step with FunctionError when the handler throws', async () => {
      // Prepare
      const lambdas = lambdasBySuffix({
        planner: async () => {
          throw new RangeError('group sg-1 is gone');
        },
      });

      // Act
      const execution = await runAutomation(load('lambda-and-sleep'), {
        aws,
        parameters: { GroupId: groupId },
        lambdas,
        sleep: noSleep,
      });

      // Assess
      expect(execution.status).to.equal('Failed');
      expect(stepNames(execution)).to.deep.equal(['Plan']);
      expect(step(execution, 'Plan')).to.deep.include({
        status: 'Failed',
        failureMessage:
          'Lambda function rebaseline-test-planner failed (FunctionError: Unhandled): RangeError: group sg-1 is gone',
        outputs: {
          StatusCode: 200,
          FunctionError: 'Unhandled',
          Payload: { errorType: 'RangeError', errorMessage: 'group sg-1 is gone' },
        },
      });
    });

    it('fails the step when no in-process handler matches the function name', async () => {
      // Act
      const execution = await runAutomation(load('lambda-and-sleep'), {
        aws,
        parameters: { GroupId: groupId },
        lambdas: lambdasBySuffix({}),
      });

      // Assess
      expect(step(execution, 'Plan').failureMessage).to.equal(
        'no in-process handler for Lambda function rebaseline-test-planner (pass options.lambdas).',
      );
    });

    it('resolves function names and ARNs by the remediation id they end with', () => {
      // Prepare
      const short: LambdaHandler = () => 'short';
      const long: LambdaHandler = () => 'long';
      const lambdas = lambdasBySuffix({ 'access-keys': short, 'remove-root-access-keys': long });

      // Assess
      expect(lambdas('rebaseline-prod-remove-root-access-keys')).to.equal(long);
      expect(
        lambdas('arn:aws:lambda:eu-west-1:123456789012:function:rebaseline-dev-access-keys:live'),
      ).to.equal(short);
      expect(lambdas('remove-root-access-keys')).to.equal(long);
      expect(lambdas('something-else')).to.equal(undefined);
    });

    it('reads ISO 8601 durations', () => {
      expect(durationMs('PT30S')).to.equal(30_000);
      expect(durationMs('PT1M30S')).to.equal(90_000);
      expect(durationMs('P1DT2H')).to.equal(26 * 3_600_000);
      expect(durationMs('PT0.5S')).to.equal(500);
      expect(durationMs('PT')).to.equal(undefined);
      expect(durationMs('30s')).to.equal(undefined);
    });
  });

  describe('aws:branch', () => {
    const cases: { parameters: Record<string, unknown>; expected: string }[] = [
      { parameters: { Mode: 'strict', Count: 3 }, expected: 'VerifyAnd' },
      { parameters: { Mode: 'strict', Count: 1 }, expected: 'VerifyDefault' },
      { parameters: { Mode: 'audit-all' }, expected: 'VerifyOr' },
      { parameters: { Mode: 'read-only' }, expected: 'VerifyOr' },
      { parameters: { Mode: 'x', Enabled: 'false' }, expected: 'VerifyNot' },
      { parameters: { Mode: 'lax' }, expected: 'VerifyIgnoreCase' },
      { parameters: { Mode: 'amidst' }, expected: 'VerifyContains' },
      { parameters: { Mode: 'x', Count: '7' }, expected: 'VerifyNumeric' },
      { parameters: { Mode: 'x', Count: -200 }, expected: 'VerifyNumeric' },
      { parameters: { Mode: 'x', Count: 1000 }, expected: 'VerifyNumeric' },
      { parameters: { Mode: 'x', Count: -50 }, expected: 'VerifyNumeric' },
      { parameters: { Mode: 'x' }, expected: 'VerifyDefault' },
    ];
    for (const { parameters, expected } of cases) {
      it(`${JSON.stringify(parameters)} → ${expected}`, async () => {
        // Prepare
        const events: Record<string, unknown>[] = [];
        const lambdas = lambdasBySuffix({
          echo: (event) => {
            events.push(event);
            return event;
          },
          record: (event) => event,
        });

        // Act
        const execution = await runAutomation(load('branch'), { aws, parameters, lambdas });

        // Assess
        expect(execution.status, execution.failureMessage).to.equal('Success');
        expect(stepNames(execution)).to.deep.equal(['Inspect', 'Decide', expected]);
        expect(execution.steps.at(-1)?.outputs.Payload).to.have.property('path');
        expect(events[0]?.Count).to.be.a('number');
        expect(events[0]?.Enabled).to.be.a('boolean');
      });
    }

    it('passes typed parameters through whole-value references (Integer stays a number, Boolean a boolean)', async () => {
      // Prepare
      const events: Record<string, unknown>[] = [];
      const lambdas = lambdasBySuffix({
        echo: (event) => {
          events.push(event);
          return event;
        },
        record: (event) => event,
      });

      // Act
      await runAutomation(load('branch'), {
        aws,
        parameters: { Mode: 'strict', Count: '3', Enabled: 'TRUE' },
        lambdas,
      });

      // Assess
      expect(events[0]).to.deep.equal({ Mode: 'strict', Count: 3, Enabled: true });
    });
  });

  describe('onFailure, isCritical, maxAttempts, timeoutSeconds', () => {
    it('continues past a non-critical failure, retries up to maxAttempts, and jumps with step:<name>', async () => {
      // Prepare
      await openPort(22);
      let attempt = 0;
      const recorded: Record<string, unknown>[] = [];
      const lambdas = lambdasBySuffix({
        flaky: () => {
          attempt += 1;
          if (attempt < 3) throw new Error(`attempt ${attempt} failed`);
          return { attempt };
        },
        record: (event) => {
          recorded.push(event);
          return event;
        },
      });

      // Act
      const execution = await runAutomation(load('failures'), {
        aws,
        parameters: { GroupId: groupId },
        lambdas,
      });

      // Assess
      expect(execution.status, execution.failureMessage).to.equal('Success');
      expect(stepNames(execution)).to.deep.equal(['CheckName', 'Flaky', 'CheckPort', 'VerifyRecovered']);
      expect(execution.steps.map((s) => [s.status, s.attempts])).to.deep.equal([
        ['Failed', 1],
        ['Success', 3],
        ['Failed', 1],
        ['Success', 1],
      ]);
      expect(recorded).to.deep.equal([{ path: 'Recovered', attempt: 3 }]);
    });

    it('ends Failed after continuing past a critical step (isCritical defaults to true)', async () => {
      // Prepare
      const doc = inline(`
schemaVersion: '0.3'
parameters:
  GroupId: { type: String }
mainSteps:
  - name: VerifyName
    action: aws:assertAwsResourceProperty
    onFailure: Continue
    inputs:
      Service: ec2
      Api: DescribeSecurityGroups
      GroupIds: ['{{ GroupId }}']
      PropertySelector: $.SecurityGroups[0].GroupName
      DesiredValues: [other]
  - name: Tag
    action: aws:executeAwsApi
    inputs: { Service: ec2, Api: CreateTags, Resources: ['{{ GroupId }}'], Tags: [{ Key: reached, Value: 'yes' }] }
`);

      // Act
      const execution = await runAutomation(doc, { aws, parameters: { GroupId: groupId } });

      // Assess
      expect(execution.status).to.equal('Failed');
      expect(execution.failureMessage).to.equal(
        'Step VerifyName failed: ec2 DescribeSecurityGroups $.SecurityGroups[0].GroupName is ["web"]; desired ["other"].',
      );
      expect(stepNames(execution)).to.deep.equal(['VerifyName', 'Tag']);
      expect((await readGroup()).Tags).to.deep.equal([{ Key: 'reached', Value: 'yes' }]);
    });

    it('times a step out after timeoutSeconds', async () => {
      // Prepare
      const doc = inline(`
schemaVersion: '0.3'
mainSteps:
  - name: Hang
    action: aws:invokeLambdaFunction
    timeoutSeconds: 1
    inputs: { FunctionName: rebaseline-test-hang }
`);
      const lambdas = lambdasBySuffix({ hang: () => new Promise(() => undefined) });

      // Act
      const execution = await runAutomation(doc, { aws, lambdas });

      // Assess
      expect(execution.status).to.equal('TimedOut');
      expect(step(execution, 'Hang')).to.include({
        status: 'TimedOut',
        failureMessage: 'timed out after 1 s (timeoutSeconds).',
      });
    });

    it('stops with Cancelled when the signal is aborted between steps, and reports each step to onStep', async () => {
      // Prepare
      const controller = new AbortController();
      const seen: string[] = [];

      // Act
      const execution = await runAutomation(load('security-group'), {
        aws,
        parameters: { GroupId: groupId },
        signal: controller.signal,
        onStep: (s, e) => {
          seen.push(`${s.name}:${s.status}:${e.steps.length}`);
          if (s.name === 'SkipDefaultGroup') controller.abort();
        },
      });

      // Assess
      expect(seen).to.deep.equal(['DescribeGroup:Success:1', 'SkipDefaultGroup:Success:2']);
      expect(execution.status).to.equal('Cancelled');
      expect(execution.failureMessage).to.equal('Cancelled before step Authorize.');
      expect((await readGroup()).IpPermissions).to.deep.equal([]);
    });
  });

  describe('before the first step', () => {
    it('refuses an action it does not support, naming the step and the action, and changes nothing', async () => {
      // Prepare
      const doc = inline(
        `
schemaVersion: '0.3'
parameters:
  GroupId: { type: String }
mainSteps:
  - name: Tag
    action: aws:executeAwsApi
    inputs: { Service: ec2, Api: CreateTags, Resources: ['{{ GroupId }}'], Tags: [{ Key: reached, Value: 'yes' }] }
  - name: RunScript
    action: aws:executeScript
    inputs: { Runtime: python3.7, Handler: handler, Script: 'def handler(e, c): return {}' }
`,
        'with-script',
      );

      // Act
      const run = runAutomation(doc, { aws, parameters: { GroupId: groupId } });

      // Assess
      const error = await run.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(UnsupportedActionError);
      expect(error).to.include({ document: 'with-script', step: 'RunScript', action: 'aws:executeScript' });
      expect((error as Error).message).to.equal(
        'with-script, step RunScript: action aws:executeScript is not supported by the local SSM runner (it runs aws:executeAwsApi, aws:assertAwsResourceProperty, aws:waitForAwsResourceProperty, aws:branch, aws:sleep, aws:invokeLambdaFunction, aws:approve, aws:runCommand).',
      );
      expect((await readGroup()).Tags ?? []).to.deep.equal([]);
    });

    it('refuses a service or an API it cannot call', async () => {
      // Prepare
      const service = inline(`
schemaVersion: '0.3'
mainSteps:
  - { name: Invoke, action: aws:executeAwsApi, inputs: { Service: lambda, Api: Invoke } }
`);
      const api = inline(`
schemaVersion: '0.3'
mainSteps:
  - { name: Nope, action: aws:executeAwsApi, inputs: { Service: ec2, Api: DescribeNothing } }
`);

      // Assess
      const messageOf = (p: Promise<unknown>) =>
        p.then(
          () => '',
          (e: Error) => `${e.name}: ${e.message}`,
        );
      expect(await messageOf(runAutomation(service, { aws }))).to.match(
        /^UnsupportedActionError: inline, step Invoke: service lambda is not supported by the local SSM runner \(it calls [a-z0-9, -]*\bcloudtrail, config, (dynamodb, )?ec2, /,
      );
      expect(await messageOf(runAutomation(api, { aws }))).to.equal(
        'UnsupportedActionError: inline, step Nope: ec2 has no API DescribeNothing (@aws-sdk/client-ec2 has no DescribeNothingCommand).',
      );
    });

    const invalid: {
      name: string;
      parameters: Record<string, unknown>;
      parameter: string;
      message: string;
    }[] = [
      {
        name: 'a missing required parameter',
        parameters: {},
        parameter: 'GroupId',
        message:
          'Invalid parameter GroupId for security-group: is required (it has no default) and was not given.',
      },
      {
        name: 'a value that breaks allowedPattern',
        parameters: { GroupId: 'sg-1; rm -rf /' },
        parameter: 'GroupId',
        message:
          'Invalid parameter GroupId for security-group: "sg-1; rm -rf /" does not match allowedPattern ^sg-[0-9a-f]{8,17}$.',
      },
      {
        name: 'a value of the wrong type',
        parameters: { GroupId: 'sg-0123456789abcdef0', Port: 'ssh' },
        parameter: 'Port',
        message: 'Invalid parameter Port for security-group: expected Integer, got String "ssh".',
      },
      {
        name: 'an unknown parameter',
        parameters: { GroupId: 'sg-0123456789abcdef0', Protocol: 'udp' },
        parameter: 'Protocol',
        message:
          'Invalid parameter Protocol for security-group: the document has no such parameter (it has AutomationAssumeRole, GroupId, Port, Cidr).',
      },
    ];
    for (const c of invalid) {
      it(`refuses ${c.name}, naming the parameter, before anything runs`, async () => {
        // Act
        const error = await runAutomation(load('security-group'), { aws, parameters: c.parameters }).then(
          () => undefined,
          (e: unknown) => e,
        );

        // Assess
        expect(error).to.be.instanceOf(InvalidAutomationParameterError);
        expect(error).to.include({ parameter: c.parameter, message: c.message });
        expect((await readGroup()).IpPermissions).to.deep.equal([]);
      });
    }

    it('enforces allowedValues and the limits on StringList items', async () => {
      // Prepare
      const doc = inline(`
schemaVersion: '0.3'
parameters:
  Ports: { type: StringList, allowedValues: ['22', '3389'], maxItems: 2 }
mainSteps:
  - { name: Wait, action: aws:sleep, inputs: { Duration: PT1S } }
`);

      // Assess
      const messageOf = (p: Promise<unknown>) =>
        p.then(
          () => '',
          (e: Error) => e.message,
        );
      expect(
        await messageOf(runAutomation(doc, { aws, parameters: { Ports: '22,80' }, sleep: noSleep })),
      ).to.equal('Invalid parameter Ports for inline: "80" is not one of the allowed values ["22","3389"].');
      expect(
        await messageOf(
          runAutomation(doc, { aws, parameters: { Ports: ['22', '22', '3389'] }, sleep: noSleep }),
        ),
      ).to.equal('Invalid parameter Ports for inline: 3 item(s), at most 2 allowed.');
      const ok = await runAutomation(doc, { aws, parameters: { Ports: '22, 3389' }, sleep: noSleep });
      expect(ok.parameters).to.deep.equal({ Ports: ['22', '3389'] });
    });
  });

  describe('dry-run', () => {
    it('runs reads, plans the mutating calls with their exact inputs, and leaves the group unchanged', async () => {
      // Prepare
      const before = await readGroup();

      // Act
      const execution = await runAutomation(load('security-group'), {
        aws,
        parameters: { GroupId: groupId, Port: 22 },
        dryRun: true,
        executionId: 'exec-dry',
      });

      // Assess
      expect(execution.status, execution.failureMessage).to.equal('Success');
      expect(execution.dryRun).to.equal(true);
      expect(await readGroup()).to.deep.equal(before);
      expect(execution.plan).to.deep.equal([
        {
          step: 'Authorize',
          service: 'ec2',
          api: 'AuthorizeSecurityGroupIngress',
          inputs: {
            GroupId: groupId,
            IpPermissions: [
              {
                IpProtocol: 'tcp',
                FromPort: 22,
                ToPort: 22,
                IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'execution exec-dry in us-east-1' }],
              },
            ],
          },
          via: 'aws:executeAwsApi',
        },
        {
          step: 'Tag',
          service: 'ec2',
          api: 'CreateTags',
          inputs: {
            Resources: [groupId],
            Tags: [
              { Key: 'rebaseline:account', Value: ACCOUNT },
              { Key: 'rebaseline:group-name', Value: 'web' },
            ],
          },
          via: 'aws:executeAwsApi',
        },
      ]);
      expect(execution.steps.map((s) => [s.name, s.status, s.skipReason])).to.deep.equal([
        ['DescribeGroup', 'Success', undefined],
        ['SkipDefaultGroup', 'Success', undefined],
        ['Authorize', 'Skipped', 'planned'],
        ['Tag', 'Skipped', 'planned'],
        ['WaitForPermission', 'Skipped', 'would-verify'],
        ['VerifyCidr', 'Skipped', 'would-verify'],
      ]);
      expect(step(execution, 'VerifyCidr').message).to.equal(
        'Would verify: ec2 DescribeSecurityGroups $.SecurityGroups[0].IpPermissions[0].IpRanges[0].CidrIp in ["10.0.0.0/8"].',
      );
      expect(execution.outputs['Authorize.RuleIds']).to.equal('{{ Authorize.RuleIds }}');
    });

    it('passes DryRun: true to Lambda steps, adds their returned plan, and does not sleep', async () => {
      // Prepare
      const events: Record<string, unknown>[] = [];
      const planned = { service: 'ec2', api: 'RevokeSecurityGroupIngress', inputs: { GroupId: groupId } };
      const lambdas = lambdasBySuffix({
        planner: (event) => {
          events.push(event);
          return { removed: ['22'], reference: 'ref-1', plan: [planned] };
        },
        verifier: (event) => {
          events.push(event);
          return { verified: 'would' };
        },
      });
      let slept = false;

      // Act
      const execution = await runAutomation(load('lambda-and-sleep'), {
        aws,
        parameters: { GroupId: groupId },
        dryRun: true,
        lambdas,
        sleep: async () => {
          slept = true;
        },
      });

      // Assess
      expect(execution.status, execution.failureMessage).to.equal('Success');
      expect(events.map((e) => e.DryRun)).to.deep.equal([true, true]);
      expect(slept).to.equal(false);
      expect(step(execution, 'Pause')).to.include({ status: 'Skipped', skipReason: 'dry-run' });
      expect(execution.plan).to.deep.equal([{ step: 'Plan', ...planned, via: 'aws:invokeLambdaFunction' }]);
    });

    it('runs a verification for real while nothing has been planned yet', async () => {
      // Prepare
      await openPort(22);
      const doc = inline(`
schemaVersion: '0.3'
parameters:
  GroupId: { type: String }
mainSteps:
  - name: VerifyPort
    action: aws:assertAwsResourceProperty
    inputs:
      Service: ec2
      Api: DescribeSecurityGroups
      GroupIds: ['{{ GroupId }}']
      PropertySelector: $.SecurityGroups[0].IpPermissions[0].FromPort
      DesiredValues: ['22']
`);

      // Act
      const execution = await runAutomation(doc, { aws, parameters: { GroupId: groupId }, dryRun: true });

      // Assess
      expect(step(execution, 'VerifyPort')).to.include({ status: 'Success' });
      expect(execution.plan).to.deep.equal([]);
    });
  });
});
