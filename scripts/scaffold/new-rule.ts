/**
 * `npm run new:rule -- <rule-id> --service <svc> --resource-type <AWS::…> [--read <Api>] [--trigger periodic|change]`
 *
 * Writes a rule that compiles, passes its tests and packages, for a person to make real: `rules/<id>/` (rule.json,
 * evaluate.ts with its scenarios, handler.ts, reads.ts: the rule's own part of the reader, named after the rule, and
 * reads.live.ts: its live half, calling the service's SDK client, loaded on the first live read), a test with a fixture shaped like the corpus (its PROVENANCE.md says it is a
 * template to replace with recorded data), and the registry line in `rules/index.ts`. Nothing else: the IAM, the
 * serverless sections, the packs, the docs and the bundle budget are derived (`npm run generate`).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  addRegistryLine,
  camel,
  formatWritten,
  pascal,
  REPO_ROOT,
  sdkPackageOf,
  UsageError,
  writeFiles,
} from './common';

/**
 * The service's definition in `shared/aws/services/<service>.ts` (its export name), when the framework has one: the
 * rule then uses that client (with its endpoint options) instead of defining the service again.
 */
function sharedService(service: string): string | undefined {
  const file = join(REPO_ROOT, 'shared', 'aws', 'services', `${service}.ts`);
  if (!existsSync(file)) return undefined;
  return /export const (\w+)\b[^=]*= defineService\(/.exec(readFileSync(file, 'utf8'))?.[1];
}

/** The snapshot keys and reads every registered rule's parts use: a new part must not reuse one. */
function usedNames(): { keys: Set<string>; reads: Set<string> } {
  const { RULES } = require(join(REPO_ROOT, 'rules')) as typeof import('../../rules');
  const { readNames } = require(
    join(REPO_ROOT, 'shared', 'collectors', 'parts'),
  ) as typeof import('../../shared/collectors/parts');
  const keys = new Set<string>(['now']);
  const reads = new Set<string>();
  for (const rule of RULES)
    for (const part of Object.values(rule.reads) as import('../../shared/collectors/parts').ReaderPart[]) {
      for (const key of Object.keys(part.snapshot.keys)) keys.add(key);
      for (const read of readNames(part)) reads.add(read);
    }
  return { keys, reads };
}

export interface NewRuleOptions {
  id: string;
  service: string;
  resourceType: string;
  /** The API the template's read calls (default: the first List… or Describe… operation of the service). */
  read?: string;
  trigger?: 'periodic' | 'change';
}

/** The SDK package of a service and what the template needs of it. */
function sdkOf(service: string, read: string | undefined) {
  const pkg = sdkPackageOf(service);
  let exports: Record<string, unknown>;
  try {
    exports = require(join(REPO_ROOT, 'node_modules', pkg)) as Record<string, unknown>;
  } catch {
    throw new UsageError(
      `${pkg} is not installed: npm install --save-exact ${pkg}@<the version of @aws-sdk/client-ec2 in package.json>, then run this again.`,
    );
  }
  const client = Object.keys(exports).find((k) => k.endsWith('Client') && !k.startsWith('__'));
  const commands = Object.keys(exports)
    .filter((k) => k.endsWith('Command') && typeof exports[k] === 'function')
    .map((k) => k.slice(0, -'Command'.length))
    .sort();
  const api = read ?? commands.find((c) => /^(List|Describe)/.test(c));
  if (!client || !api || !commands.includes(api))
    throw new UsageError(
      `${pkg} has no ${read ? `${read}Command` : 'List… or Describe… command'}; pass --read <Api> (one of ${commands.slice(0, 12).join(', ')}, …).`,
    );
  return { pkg, client, api };
}

/** The files of a new rule, by path relative to the repository. */
export function ruleFiles(o: NewRuleOptions): Record<string, string> {
  const { id, service, resourceType } = o;
  const trigger = o.trigger ?? 'periodic';
  // The rule's own part, named after the rule: two rules reading one service never define the same part.
  const part = camel(id);
  const sdk = sdkOf(service, o.read);
  const used = usedNames();
  // The read and its snapshot key after the API (`describeFlowLogs`), or after the rule when another part has it.
  const free = (name: string, taken: Set<string>) => (taken.has(name) ? `${part}${pascal(name)}` : name);
  const readName = free(camel(sdk.api), used.reads);
  const key = free(camel(sdk.api), used.keys);
  const shared = sharedService(service);
  const Service = shared ?? pascal(service);
  const Model = `${pascal(id)}Model`;
  const accountLevel = resourceType === 'AWS::::Account';
  const files: Record<string, string> = {};
  const triggerJson =
    trigger === 'change'
      ? `{ "configurationChange": { "resourceTypes": ["${resourceType}"] } }`
      : `{ "periodic": { "maximumExecutionFrequency": "TwentyFour_Hours", "resourceType": "${resourceType}" } }`;
  files[`rules/${id}/rule.json`] = `{
  "id": "${id}",
  "title": "${titleOf(id)}",
  "description": "Flags a ${resourceType} that does not meet ${id} (scaffolded: say what it flags, and why).",
  "severity": "medium",
  "trigger": ${triggerJson},
  "parameters": {
    "type": "object",
    "additionalProperties": false,
    "properties": {}
  },
  "iam": [
    {
      "actions": ["${iamPrefixOf(service)}:${sdk.api}"],
      "resources": ["*"],
      "reason": "Read what the rule evaluates (scaffolded: scope it to the resources the API allows).",
      "wildcardReason": "Scaffolded: say why this action cannot name its resources, or name them and drop this field."
    }
  ],
  "controls": { "rebaseline": ["${id}"] },
  "notes": ["Scaffolded by npm run new:rule: replace this with what the rule reads and decides, edge cases included."]
}
`;
  const serviceLines = shared
    ? `import { ${shared} } from '../../shared/aws/services/${service}';`
    : `import { defineService } from '../../shared/aws/clients';`;
  // The part (its reads' types, the offline half) and its live half, a module of its own loaded on the first live
  // read: loading the rule (the offline evaluator, a Lambda invocation that reads nothing) loads no SDK client.
  files[`rules/${id}/reads.ts`] = `import type { ${sdk.api}CommandOutput } from '${sdk.pkg}';
import { defineReads } from '../../shared/collectors/parts';
import { need } from '../../shared/collectors/snapshot-reader';

declare module '../../shared/collectors/reader' {
  interface ReadsByPart {
    ${part}: {
      /** \`${sdk.api}\`'s answer (scaffolded: return what the rule needs, paginated, in the API's shapes). */
      ${readName}(): Promise<${sdk.api}CommandOutput>;
    };
  }
  interface EvaluationSnapshot {
    ${key}?: ${sdk.api}CommandOutput;
  }
}

/**
 * The reads of ${id} (the live reader calls ${service} through reads.live.ts; the offline one answers from
 * \`--context\`).
 * @example
 * await new LiveReader(aws, accountId, { ${part}: ${part}Reads }).${readName}();
 */
export const ${part}Reads = defineReads('${part}', {
  live: () => import('./reads.live.js'),
  snapshot: {
    keys: { ${key}: '${sdk.api} response' },
    open: (snapshot) => ({
      async ${readName}() {
        return need(snapshot.${key}, '${key}', '${id}');
      },
    }),
  },
});
`;
  files[`rules/${id}/reads.live.ts`] =
    `import { ${shared ? '' : `${sdk.client}, `}${sdk.api}Command } from '${sdk.pkg}';
${serviceLines}
import type { LiveReads } from '../../shared/collectors/parts';
${
  shared
    ? ''
    : `
/** ${service} for \`AwsClients.get\`: \`aws.get(${Service}).send(…)\`. */
export const ${Service} = defineService({ name: '${service}', client: ${sdk.client} });
`
}
/**
 * The reads of ${id} through the SDK (the live half of \`${part}Reads\`, loaded on its first read).
 * @example
 * await new LiveReader(aws, accountId, { ${part}: ${part}Reads }).${readName}(); // loads this module
 */
export const live: LiveReads<'${part}'> = ({ aws }) => ({
  ${readName}: () => aws.get(${Service}).send(new ${sdk.api}Command({})),
});
`;
  files[`rules/${id}/evaluate.ts`] = `import { ${part}Reads } from './reads';
import type { ReaderOf } from '../../shared/collectors/reader';
import { CollectionError } from '../../shared/errors';
import { ruleMetadata } from '../../shared/metadata';
import type { CommonParameters } from '../../shared/params';
import { defineRule, type ResourceModel, type Scope, type Verdict } from '../../shared/rule';
import meta from './rule.json';

/**
 * Scenarios (scaffolded: write the real ones first; they are the rule's spec and its docs page)
 * - Given a ${resourceType} that meets the requirement, then COMPLIANT.
 * - Given one that does not, then NON_COMPLIANT naming what is wrong.
 * - Given an answer that cannot be read, then the resource is not evaluated (never COMPLIANT).
 */
export type Parameters = CommonParameters;

/** What the rule knows about one ${resourceType}. */
export interface ${Model} extends ResourceModel {
  /** Scaffolded: the facts the evaluator decides on. */
  found: boolean;
}

/**
 * The verdict on one resource (pure: no I/O, no clock).
 * @example
 * evaluate({ …model, found: true }).complianceType // → 'COMPLIANT'
 */
export function evaluate(model: ${Model}): Verdict {
  return model.found
    ? { complianceType: 'COMPLIANT', annotation: \`${resourceType} \${model.resourceId} meets ${id}.\` }
    : { complianceType: 'NON_COMPLIANT', annotation: \`${resourceType} \${model.resourceId} does not meet ${id}.\` };
}

/**
 * The models of the resources in scope, read through the reader.
 * @example
 * await collect(new SnapshotReader(snapshot, accountId, region), scope);
 */
export async function collect(reader: ReaderOf<'${part}'>, scope: Scope): Promise<Array<${Model} | CollectionError>> {
  try {
    const answer = await reader.${readName}();
    return [
      {
        resourceType: '${resourceType}',
        resourceId: ${accountLevel ? 'scope.accountId' : 'scope.accountId /* scaffolded: one model per resource, its id */'},
        accountId: scope.accountId,
        region: scope.region,
        found: Object.keys(answer).length > 0,
      },
    ];
  } catch (error) {
    // Unreadable is never COMPLIANT: the resource is reported as not evaluated, and the invocation fails.
    const reason = error instanceof Error ? error.message : String(error);
    return [new CollectionError('${resourceType}', scope.accountId, reason, { cause: error })];
  }
}

export const rule = defineRule<${Model}, Parameters, undefined, '${part}'>({
  meta: ruleMetadata(meta),
  reads: { ${part}: ${part}Reads },
  collect,
  loadContext: async () => undefined,
  evaluate,
});
`;
  files[`rules/${id}/handler.ts`] =
    `import { createConfigRuleHandler } from '../../shared/lambda/config-rule';
import { rule } from './evaluate';

export const handler = createConfigRuleHandler(rule);
`;
  files[`test/rules/${id}/fixtures/${key}.json`] = `${JSON.stringify(
    { status_code: 200, data: { ResponseMetadata: {} } },
    null,
    2,
  )}\n`;
  files[`test/rules/${id}/fixtures/PROVENANCE.md`] = `# Fixtures of ${id}

- \`${key}.json\`: a TEMPLATE written by \`npm run new:rule\`, in the corpus's recorded form (\`{status_code, data}\`,
  boto3's field names). Replace it with a response recorded from a real account or a public repository's recording,
  and name its source here (repository, path, commit) as test/fixtures/PROVENANCE.md does.
`;
  files[`test/rules/${id}/evaluate.test.ts`] = `import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { collect, evaluate, rule } from '../../../rules/${id}/evaluate';
import { SnapshotReader } from '../../../shared/collectors/snapshot-reader';
import { CollectionError } from '../../../shared/errors';
import { SCOPE } from '../../helpers/rules';

/** A response of the fixtures folder (the corpus's recorded form: the body is \`data\`). */
const recordedHere = (name: string) =>
  (JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8')) as { data: Record<string, unknown> }).data;

describe('rule ${id}', () => {
  it('a recorded answer → a verdict for the resource', async () => {
    // Prepare
    const reader = new SnapshotReader({ ${key}: recordedHere('${key}.json') } as never, SCOPE.accountId, SCOPE.region, rule.reads);

    // Act
    const [model] = await collect(reader, SCOPE);

    // Assess
    expect(model).to.not.be.instanceOf(CollectionError);
    expect(evaluate(model as never).complianceType).to.be.oneOf(['COMPLIANT', 'NON_COMPLIANT']);
  });

  it('an answer the context lacks → not evaluated, never COMPLIANT', async () => {
    const [model] = await collect(new SnapshotReader({}, SCOPE.accountId, SCOPE.region, rule.reads), SCOPE);
    expect(model).to.be.instanceOf(CollectionError);
  });
});
`;
  return files;
}

function titleOf(id: string): string {
  const words = id.replace(/-/g, ' ');
  const title = `${words.charAt(0).toUpperCase()}${words.slice(1)} (scaffolded title)`;
  return title.length >= 10 ? title : `${title} rule`;
}

/** The IAM prefix of a service's actions (S3 Control's are `s3:`). */
function iamPrefixOf(service: string): string {
  return service === 's3control' ? 's3' : service;
}

/**
 * Writes the rule's files and its registry line.
 * @throws UsageError for a bad id, an existing folder, or a service whose SDK client is not installed.
 */
export function newRule(o: NewRuleOptions): string[] {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(o.id) || o.id.length > 64)
    throw new UsageError(
      `${o.id} is not a rule id: lower-case words joined by hyphens, at most 64 characters.`,
    );
  if (!/^[a-z0-9]+$/.test(o.service))
    throw new UsageError(`--service ${o.service}: the service as AWS names it (ec2, guardduty, s3control).`);
  if (!/^AWS::([A-Za-z0-9]+)?::[A-Za-z0-9]+$/.test(o.resourceType))
    throw new UsageError(`--resource-type ${o.resourceType}: AWS::<Service>::<Type>, or AWS::::Account.`);
  if (o.trigger === 'change' && o.resourceType === 'AWS::::Account')
    throw new UsageError('AWS::::Account has no configuration items: use --trigger periodic.');
  if (existsSync(join(REPO_ROOT, 'rules', o.id))) throw new UsageError(`rules/${o.id} exists already.`);
  const files = ruleFiles(o);
  writeFiles(files);
  const index = join(REPO_ROOT, 'rules', 'index.ts');
  writeFileSync(
    index,
    addRegistryLine(readFileSync(index, 'utf8'), {
      importLines: [`import { rule as ${camel(o.id)} } from './${o.id}/evaluate';`],
      entry: `  ${camel(o.id)},`,
      listStart: 'export const RULES: readonly AnyRule[] = [',
    }),
  );
  const written = [...Object.keys(files), 'rules/index.ts'];
  formatWritten(written);
  return written;
}

if (require.main === module) {
  try {
    const { values, positionals } = parseArgs({
      allowPositionals: true,
      options: {
        service: { type: 'string' },
        'resource-type': { type: 'string' },
        read: { type: 'string' },
        trigger: { type: 'string', default: 'periodic' },
      },
    });
    const [id] = positionals;
    if (!id || !values.service || !values['resource-type'])
      throw new UsageError(
        'usage: npm run new:rule -- <rule-id> --service <svc> --resource-type <AWS::…> [--read <Api>] [--trigger periodic|change]',
      );
    if (values.trigger !== 'periodic' && values.trigger !== 'change')
      throw new UsageError(`--trigger ${values.trigger}: periodic or change.`);
    mkdirSync(join(REPO_ROOT, 'rules'), { recursive: true });
    const written = newRule({
      id,
      service: values.service,
      resourceType: values['resource-type'],
      read: values.read,
      trigger: values.trigger,
    });
    process.stdout.write(
      `Wrote ${written.join(', ')}.\nNext: write the scenarios, the model and the evaluator; replace the fixture with recorded data; npx mocha test/rules/${id}; npm run generate; npm test.\n`,
    );
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  }
}
