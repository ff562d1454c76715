/**
 * `npm run new:remediation -- <remediation-id> --rule <rule-id>`
 *
 * Writes a remediation shaped like a rule, for a person to make real: `remediations/<id>/` (remediation.json,
 * document.yaml that plans with its Lambda and verifies, a pure plan.ts, a thin handler.ts), a test of the plan, the
 * registry line in `remediations/index.ts`, and the rule's `remediation` in its rule.json. The document's change
 * steps (`aws:executeAwsApi`) are the person's to write: the registry test then checks their IAM.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { addRegistryLine, camel, formatWritten, pascal, REPO_ROOT, UsageError, writeFiles } from './common';

export interface NewRemediationOptions {
  id: string;
  rule: string;
}

/** The files of a new remediation, by path relative to the repository. */
export function remediationFiles({ id, rule }: NewRemediationOptions): Record<string, string> {
  const ruleJson = JSON.parse(readFileSync(join(REPO_ROOT, 'rules', rule, 'rule.json'), 'utf8')) as {
    trigger: { periodic?: { resourceType: string }; configurationChange?: { resourceTypes: string[] } };
    iam?: { actions: string[]; resources: string[]; reason: string; wildcardReason?: string }[];
  };
  // The Lambda plans and verifies through the rule's reader: it needs exactly the rule's reads.
  const ruleReads = (ruleJson.iam ?? []).map((s) => ({
    ...s,
    reason: `${s.reason.replace(/\.$/, '')}: the rule's read, to plan and to verify.`,
  }));
  const resourceType =
    ruleJson.trigger.periodic?.resourceType ?? ruleJson.trigger.configurationChange?.resourceTypes[0] ?? '';
  const accountLevel = resourceType === 'AWS::::Account';
  const resourceParameter = accountLevel ? 'AccountId' : 'ResourceId';
  const files: Record<string, string> = {};
  files[`remediations/${id}/remediation.json`] = `${JSON.stringify(
    {
      id,
      title: `${pascal(id).replace(/([a-z])([A-Z])/g, '$1 $2')} (scaffolded title)`,
      description: `Restores ${rule} on one resource (scaffolded: say what it changes, what it never touches, and how it verifies).`,
      rules: [rule],
      document: 'document.yaml',
      parameters: {
        [resourceParameter]: { source: 'resourceId' },
        LambdaFunctionName: { source: 'lambda' },
        AutomationAssumeRole: { source: 'assumeRole' },
      },
      iam: [
        {
          actions: ['lambda:InvokeFunction'],
          resources: [`arn:\${Partition}:lambda:*:\${AccountId}:function:*${id}`],
          reason: 'Run the Plan and Verify steps (this remediation’s own Lambda only).',
        },
      ],
      lambda: {
        handler: 'handler.ts',
        timeoutSeconds: 30,
        modes: ['plan', 'verify'],
        payload: accountLevel
          ? { properties: {} }
          : {
              required: ['ResourceId'],
              properties: { ResourceId: { type: 'string', description: 'the resource id' } },
            },
        iam: ruleReads,
      },
    },
    null,
    2,
  )}\n`;
  const payloadField = accountLevel ? '' : `\n        ResourceId: "{{ ResourceId }}"`;
  files[`remediations/${id}/document.yaml`] = `schemaVersion: "0.3"
description: |
  # rebaseline: ${id} (scaffolded)

  ## What it does
  1. **Plan** (Lambda, read-only) reads the resource, evaluates it with the rule ${rule}, and says what to change.
  2. **CheckAnythingToChange** follows the plan: already compliant → verify only.
  3. (Scaffolded: the smallest change, as aws:executeAwsApi steps; none yet.)
  4. **Verify** (Lambda, read-only) reads the resource back and fails unless the rule says COMPLIANT.

  ## Parameters
  - **${resourceParameter}**: the rule's non-compliant resource.
  - **LambdaFunctionName**: this remediation's Lambda.
  - **AutomationAssumeRole**: the role the automation runs as.

  ## Rules it restores
  - ${rule}
assumeRole: "{{ AutomationAssumeRole }}"
parameters:
  ${resourceParameter}:
    type: String
    description: (Required) The non-compliant resource.
    allowedPattern: ${accountLevel ? '^\\d{12}$' : '^[\\w./:-]{1,256}$'}
  LambdaFunctionName:
    type: String
    description: (Required) Name or ARN of this remediation's Lambda function.
    allowedPattern: ^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\\d{12}:function:)?[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$
  AutomationAssumeRole:
    type: String
    description: (Optional) ARN of the role the automation assumes; empty runs with the caller's permissions.
    default: ""
    allowedPattern: ^$|^arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}$
mainSteps:
  - name: Plan
    description: Reads the resource and evaluates it with the rule (read-only).
    action: aws:invokeLambdaFunction
    timeoutSeconds: 60
    maxAttempts: 2
    onFailure: Abort
    inputs:
      FunctionName: "{{ LambdaFunctionName }}"
      InputPayload:
        Mode: plan
        AccountId: "{{ global:ACCOUNT_ID }}"${payloadField}
    outputs:
      - Name: Action
        Selector: $.Payload.Action
        Type: String
      - Name: Message
        Selector: $.Payload.Message
        Type: String
  - name: CheckAnythingToChange
    description: Already compliant → change nothing and verify.
    action: aws:branch
    inputs:
      Choices:
        - NextStep: Verify
          Variable: "{{ Plan.Action }}"
          StringEquals: ALREADY_COMPLIANT
      Default: Verify
  - name: Verify
    description: Reads the resource back; fails unless the rule says COMPLIANT.
    action: aws:invokeLambdaFunction
    timeoutSeconds: 60
    maxAttempts: 3
    onFailure: Abort
    isEnd: true
    inputs:
      FunctionName: "{{ LambdaFunctionName }}"
      InputPayload:
        Mode: verify
        AccountId: "{{ global:ACCOUNT_ID }}"${payloadField}
    outputs:
      - Name: Compliant
        Selector: $.Payload.Compliant
        Type: Boolean
      - Name: Message
        Selector: $.Payload.Message
        Type: String
outputs:
  - Plan.Action
  - Plan.Message
  - Verify.Compliant
  - Verify.Message
`;
  files[`remediations/${id}/plan.ts`] = `/**
 * Scenarios (scaffolded: write the real ones; they are the remediation's spec)
 * - Given the rule says the resource is compliant, then change nothing (ALREADY_COMPLIANT) and verify.
 * - Given it is not, then CHANGE with the exact API inputs of the document's change steps.
 */

/** What the document does next, and why. */
export interface Change {
  action: 'CHANGE' | 'ALREADY_COMPLIANT';
}

/**
 * The change that makes the resource compliant, from the rule's verdict (pure: model in, exact API inputs out).
 * @example
 * planChange(true).action // → 'ALREADY_COMPLIANT'
 */
export function planChange(compliant: boolean): Change {
  return { action: compliant ? 'ALREADY_COMPLIANT' : 'CHANGE' };
}
`;
  const idOf = accountLevel ? 'target.accountId' : 'payload.ResourceId';
  files[`remediations/${id}/handler.ts`] =
    `import { type Parameters, rule } from '../../rules/${rule}/evaluate';
import type { AwsClients } from '../../shared/aws/clients';
import type { TargetAccount } from '../../shared/aws/target-account';
import { LiveReader } from '../../shared/collectors/live-reader';
import { CollectionError, RemediationVerificationError } from '../../shared/errors';
import { remediationLambda } from '../../shared/lambda/remediation';
import { remediationMetadata } from '../../shared/metadata';
import { type Payload, ruleParametersOf } from '../../shared/remediation/payload';
import { verdictOf } from '../../shared/remediation/verdict';
import { planChange } from './plan';
import json from './remediation.json';

const meta = remediationMetadata(json);
const FIELDS = [${accountLevel ? '' : "'ResourceId'"}] as const;
type ThisPayload = Payload<(typeof FIELDS)[number]>;

/** The resource through the rule's reader, and the rule's verdict on it (through the engine). */
async function read(target: TargetAccount, payload: ThisPayload) {
  const params = ruleParametersOf<Parameters>(meta, rule, payload);
  const reader = new LiveReader(target.aws, target.accountId, rule.reads);
  const scope = { accountId: target.accountId, region: target.aws.region, partition: target.partition, now: new Date() };
  const id = ${idOf};
  const model = (await rule.collect?.(reader, scope, params))?.find((m) => m.resourceId === id);
  if (!model || model instanceof CollectionError)
    throw model ?? new CollectionError('${resourceType}', id, 'not found.');
  return verdictOf(rule, model, params, reader, scope);
}

/**
 * The Lambda of \`${id}\`: \`plan\` reads the resource and says what to change; \`verify\` reads it back.
 * @example
 * await createHandler(() => aws)({ Mode: 'plan', AccountId: '123456789012' });
 */
export function createHandler(clients?: (region: string) => AwsClients) {
  return remediationLambda<(typeof FIELDS)[number], { Mode: string; Message: string }>(
    {
      meta,
      fields: FIELDS,
      modes: {
        plan: async (payload, target) => {
          const verdict = await read(target, payload);
          const change = planChange(verdict.compliant);
          return { Mode: 'plan', Action: change.action, Message: verdict.evaluation.annotation ?? '' };
        },
        verify: async (payload, target) => {
          const verdict = await read(target, payload);
          if (!verdict.compliant && !payload.DryRun)
            throw new RemediationVerificationError(\`Not compliant: \${verdict.evaluation.annotation}\`);
          return { Mode: 'verify', Compliant: verdict.compliant, Message: verdict.evaluation.annotation ?? '' };
        },
      },
    },
    clients,
  );
}

export const handler = createHandler();
`;
  files[`test/remediations/${id}/plan.test.ts`] = `import { expect } from 'chai';
import { planChange } from '../../../remediations/${id}/plan';

describe('remediations/${id}/plan', () => {
  it('compliant → ALREADY_COMPLIANT: nothing changes', () => {
    expect(planChange(true)).to.deep.equal({ action: 'ALREADY_COMPLIANT' });
  });

  it('not compliant → CHANGE', () => {
    expect(planChange(false)).to.deep.equal({ action: 'CHANGE' });
  });
});
`;
  return files;
}

/**
 * Writes the remediation's files, its registry line, and the rule's `remediation`.
 * @throws UsageError for a bad id, an existing folder, an unknown rule or one that has a remediation.
 */
export function newRemediation(o: NewRemediationOptions): string[] {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(o.id) || o.id.length > 64)
    throw new UsageError(`${o.id} is not a remediation id: lower-case words joined by hyphens.`);
  const ruleFile = join(REPO_ROOT, 'rules', o.rule, 'rule.json');
  if (!existsSync(ruleFile)) throw new UsageError(`There is no rule ${o.rule} (rules/${o.rule}/rule.json).`);
  if (existsSync(join(REPO_ROOT, 'remediations', o.id)))
    throw new UsageError(`remediations/${o.id} exists already.`);
  const ruleJson = JSON.parse(readFileSync(ruleFile, 'utf8')) as Record<string, unknown>;
  if (ruleJson.remediation) throw new UsageError(`${o.rule} has the remediation ${ruleJson.remediation}.`);
  const files = remediationFiles(o);
  writeFiles(files);
  const withRemediation: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ruleJson)) {
    withRemediation[k] = v;
    if (k === 'parameters') withRemediation.remediation = o.id;
  }
  writeFileSync(ruleFile, `${JSON.stringify(withRemediation, null, 2)}\n`);
  const index = join(REPO_ROOT, 'remediations', 'index.ts');
  const name = camel(o.id);
  writeFileSync(
    index,
    addRegistryLine(readFileSync(index, 'utf8'), {
      importLines: [
        `import { createHandler as ${name} } from './${o.id}/handler';`,
        `import ${name}Meta from './${o.id}/remediation.json';`,
      ],
      entry: `  { meta: remediationMetadata(${name}Meta), dir: join(__dirname, '${o.id}'), createHandler: ${name} },`,
      listStart: 'export const REMEDIATIONS: readonly Remediation[] = [',
    }),
  );
  const written = [...Object.keys(files), `rules/${o.rule}/rule.json`, 'remediations/index.ts'];
  formatWritten(written);
  return written;
}

if (require.main === module) {
  try {
    const { values, positionals } = parseArgs({
      allowPositionals: true,
      options: { rule: { type: 'string' } },
    });
    const [id] = positionals;
    if (!id || !values.rule)
      throw new UsageError('usage: npm run new:remediation -- <remediation-id> --rule <rule-id>');
    const written = newRemediation({ id, rule: values.rule });
    process.stdout.write(
      `Wrote ${written.join(', ')}.\nNext: the plan's scenarios and exact API inputs, the document's change steps, a runner test against moto; npm run generate; npm test.\n`,
    );
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}
