import { readFileSync } from 'node:fs';
import { basename, dirname, extname } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { type DocumentProblem, InvalidDocumentError } from '../../shared/errors';
import runnerSchema from './automation-schema.json';
import awsSchema from './vendor/aws-ssm-document-language-service/schema.json';

export type ParameterType = 'String' | 'StringList' | 'Boolean' | 'Integer' | 'MapList' | 'StringMap';

/** One entry of a document's `parameters`, as SSM defines it. */
export interface ParameterDefinition {
  type: ParameterType;
  description?: string;
  default?: unknown;
  allowedPattern?: string;
  allowedValues?: unknown[];
  displayType?: 'textfield' | 'textarea';
  minItems?: number;
  maxItems?: number;
  minChars?: number;
  maxChars?: number;
}

/** A step output: a JSONPath `Selector` into the action's response, checked against `Type`. */
export interface StepOutputDefinition {
  Name: string;
  Selector: string;
  Type: ParameterType;
}

export type OnFailure = 'Abort' | 'Continue' | `step:${string}`;

/** One entry of `mainSteps`. `inputs` depends on `action` (see the `*Inputs` types). */
export interface AutomationStep {
  name: string;
  action: string;
  description?: string;
  inputs: Record<string, unknown>;
  outputs?: StepOutputDefinition[];
  maxAttempts?: number;
  timeoutSeconds?: number | string;
  onFailure?: OnFailure;
  nextStep?: string;
  isEnd?: boolean | 'true' | 'false';
  isCritical?: boolean | 'true' | 'false';
}

/** Inputs of `aws:executeAwsApi`: everything besides `Service` and `Api` is the API request. */
export interface ExecuteAwsApiInputs {
  Service: string;
  Api: string;
  [parameter: string]: unknown;
}

/** Inputs of `aws:assertAwsResourceProperty` and `aws:waitForAwsResourceProperty`. */
export interface PropertyCheckInputs extends ExecuteAwsApiInputs {
  PropertySelector: string;
  DesiredValues: string[];
}

/** One `aws:branch` condition; a choice is a condition with `NextStep`. */
export interface BranchCondition {
  Variable?: unknown;
  StringEquals?: string;
  EqualsIgnoreCase?: string;
  StartsWith?: string;
  EndsWith?: string;
  Contains?: string;
  NumericEquals?: number;
  NumericGreater?: number;
  NumericLesser?: number;
  NumericGreaterOrEquals?: number;
  NumericLesserOrEquals?: number;
  BooleanEquals?: boolean;
  And?: BranchCondition[];
  Or?: BranchCondition[];
  Not?: BranchCondition;
}

export interface BranchInputs {
  Choices: (BranchCondition & { NextStep: string })[];
  Default?: string;
}

export interface SleepInputs {
  Duration: string;
}

export interface InvokeLambdaInputs {
  FunctionName: string;
  Qualifier?: string;
  InvocationType?: 'RequestResponse';
  LogType?: 'None' | 'Tail';
  ClientContext?: string;
  /** A JSON string (interpolated as text). */
  Payload?: string;
  /** A map (interpolated with types kept); preferred over `Payload`. */
  InputPayload?: Record<string, unknown>;
}

/** The content of an SSM Automation document (schema 0.3). */
export interface AutomationDocumentContent {
  schemaVersion: '0.3';
  description?: string;
  assumeRole?: string;
  parameters?: Record<string, ParameterDefinition>;
  mainSteps: AutomationStep[];
  outputs?: string[];
}

/** A parsed and validated document, with the name it runs under (not part of SSM's content). */
export interface AutomationDocument extends AutomationDocumentContent {
  /** The remediation id for `remediations/<id>/document.yaml`, otherwise the file's base name. */
  name: string;
  parameters: Record<string, ParameterDefinition>;
  outputs: string[];
}

export interface ParseOptions {
  /**
   * `remediation` (the default): the description has "Rules it restores". `playbook` (an incident playbook in
   * `playbooks/`): it has "Findings it answers" instead.
   */
  kind?: 'remediation' | 'playbook';
  /**
   * Apply rebaseline's own rules on top of SSM's schema (assume role, allowedPattern everywhere, description
   * sections, ending with a verification…). Default true; only the runner's own test documents turn it off.
   */
  rebaselineChecks?: boolean;
}

/** Actions whose last step on the success path counts as verifying the end state. */
export const VERIFY_ACTIONS = ['aws:assertAwsResourceProperty', 'aws:waitForAwsResourceProperty'] as const;

/** `{{ global:… }}` and `{{ automation:… }}` variables the runner provides. */
export const SYSTEM_VARIABLES = [
  'global:ACCOUNT_ID',
  'global:REGION',
  'global:AWS_PARTITION',
  'global:AWS_URL_SUFFIX',
  'automation:EXECUTION_ID',
] as const;

/** Outputs every `aws:invokeLambdaFunction` step has without declaring them. */
export const LAMBDA_OUTPUTS = ['Payload', 'StatusCode', 'FunctionError'] as const;

/** Outputs of `aws:runCommand` (SSM's: the command, its overall status, the first invocation's code and output). */
export const RUN_COMMAND_OUTPUTS = ['CommandId', 'Status', 'ResponseCode', 'Output'] as const;

/** Outputs of `aws:approve`. */
export const APPROVE_OUTPUTS = ['ApprovalStatus', 'ApproverDecisions', 'Approvers'] as const;

/** Inputs of `aws:approve`: who may approve, how many must, and what they are told. */
export interface ApproveInputs {
  Approvers: string[];
  MinRequiredApprovals?: number;
  Message?: string;
  NotificationArn?: string;
}

/** Inputs of `aws:runCommand` (an SSM Command document on instances). */
export interface RunCommandInputs {
  DocumentName: string;
  InstanceIds?: string[];
  Parameters?: Record<string, unknown>;
  Comment?: string;
  OutputS3BucketName?: string;
  OutputS3KeyPrefix?: string;
  TimeoutSeconds?: number;
}

/** A `{{ name }}` reference; SSM allows spaces inside the braces. */
export const REFERENCE_PATTERN = /\{\{\s*([^{}\s]+)\s*\}\}/g;
/** A value that is one reference and nothing else: it keeps the referenced value's type. */
export const WHOLE_REFERENCE_PATTERN = /^\{\{\s*([^{}\s]+)\s*\}\}$/;

/** APIs the runner treats as read-only (run in dry-run, allowed in verification steps). */
export function isReadOnlyApi(api: string): boolean {
  return /^(Describe|Get|List|Head)[A-Z]/.test(api);
}

/** True for SSM's boolean spellings (`true`, `'true'`); `fallback` when absent. */
export function flag(value: boolean | 'true' | 'false' | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  return value === true || value === 'true';
}

/** The step that runs after `mainSteps[index]` succeeds, unless it is a branch: `nextStep`, else the next one. */
export function defaultNextStep(doc: AutomationDocumentContent, index: number): string | undefined {
  const step = doc.mainSteps[index];
  if (!step || flag(step.isEnd, false)) return undefined;
  return step.nextStep ?? doc.mainSteps[index + 1]?.name;
}

/** Every `{{ … }}` name used anywhere in a value (strings inside lists and maps included). */
export function referencesIn(value: unknown): string[] {
  const found: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') for (const m of v.matchAll(REFERENCE_PATTERN)) found.push(m[1] as string);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (isPlainObject(v)) Object.values(v).forEach(walk);
  };
  walk(value);
  return found;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** The SSM type name of a runtime value, for messages. */
export function typeName(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'Boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Integer' : 'Number';
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) return 'StringList';
    if (value.every(isPlainObject)) return 'MapList';
    return 'List';
  }
  return 'StringMap';
}

const MAX_SHOWN = 200;
/** A value as JSON for a message, cut to a readable length. */
export function shown(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}

/**
 * Converts one parameter value to its declared type and checks `allowedValues`, `allowedPattern` and the
 * size limits. Accepts the typed value or the string forms SSM and AWS Config pass ("true", "22",
 * "80,443" or `["80","443"]` for a StringList, JSON for maps). `allowedPattern` applies to the text SSM
 * interpolates: the string, each StringList item, an Integer's digits, and every string inside a map.
 * @returns the typed value, or why it is not acceptable.
 * @example
 * coerceParameterValue({ type: 'StringList', allowedPattern: '^\\d+$' }, '80,443'); // { value: ['80', '443'] }
 */
export function coerceParameterValue(
  definition: ParameterDefinition,
  raw: unknown,
): { value: unknown } | { error: string } {
  const typed = toType(definition.type, raw);
  if ('error' in typed) return typed;
  const value = typed.value;
  const items =
    definition.type === 'StringList' || definition.type === 'MapList' ? (value as unknown[]) : [value];
  if (definition.allowedValues) {
    const allowed = definition.allowedValues;
    const bad = items.find((item) => !allowed.some((a) => sameValue(a, item)));
    if (bad !== undefined)
      return { error: `${shown(bad)} is not one of the allowed values ${shown(allowed)}.` };
  }
  if (definition.allowedPattern !== undefined) {
    const pattern = compilePattern(definition.allowedPattern);
    if (!pattern)
      return { error: `allowedPattern ${definition.allowedPattern} is not a valid regular expression.` };
    const bad = patternTexts(value).find((text) => !pattern.test(text));
    if (bad !== undefined)
      return { error: `${shown(bad)} does not match allowedPattern ${definition.allowedPattern}.` };
  }
  if (Array.isArray(value)) {
    if (definition.minItems !== undefined && value.length < definition.minItems)
      return { error: `${value.length} item(s), at least ${definition.minItems} required.` };
    if (definition.maxItems !== undefined && value.length > definition.maxItems)
      return { error: `${value.length} item(s), at most ${definition.maxItems} allowed.` };
  }
  if (typeof value === 'string') {
    if (definition.minChars !== undefined && value.length < definition.minChars)
      return { error: `${value.length} character(s), at least ${definition.minChars} required.` };
    if (definition.maxChars !== undefined && value.length > definition.maxChars)
      return { error: `${value.length} character(s), at most ${definition.maxChars} allowed.` };
  }
  return { value };
}

function toType(type: ParameterType, raw: unknown): { value: unknown } | { error: string } {
  const fail = () => ({ error: `expected ${type}, got ${typeName(raw)} ${shown(raw)}.` });
  // SSM's API passes every parameter as a list of strings; a one-element list is the scalar itself.
  const scalar =
    Array.isArray(raw) && raw.length === 1 && type !== 'StringList' && type !== 'MapList' ? raw[0] : raw;
  switch (type) {
    case 'String':
      return typeof scalar === 'string' ? { value: scalar } : fail();
    case 'Boolean':
      if (typeof scalar === 'boolean') return { value: scalar };
      if (typeof scalar === 'string' && /^(true|false)$/i.test(scalar))
        return { value: /^true$/i.test(scalar) };
      return fail();
    case 'Integer':
      if (typeof scalar === 'number' && Number.isInteger(scalar)) return { value: scalar };
      if (typeof scalar === 'string' && /^-?\d+$/.test(scalar)) return { value: Number(scalar) };
      return fail();
    case 'StringList': {
      let list: unknown = raw;
      if (typeof raw === 'string') {
        const text = raw.trim();
        list = text.startsWith('[')
          ? parseJson(text)
          : text === ''
            ? []
            : text.split(',').map((s) => s.trim());
      }
      return Array.isArray(list) && list.every((i) => typeof i === 'string') ? { value: list } : fail();
    }
    case 'StringMap': {
      const map = typeof scalar === 'string' ? parseJson(scalar) : scalar;
      return isPlainObject(map) ? { value: map } : fail();
    }
    case 'MapList': {
      const list = typeof raw === 'string' ? parseJson(raw) : raw;
      return Array.isArray(list) && list.every(isPlainObject) ? { value: list } : fail();
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (isPlainObject(a) || Array.isArray(a) || isPlainObject(b) || Array.isArray(b))
    return JSON.stringify(a) === JSON.stringify(b);
  return String(a) === String(b);
}

function patternTexts(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value.flatMap(patternTexts);
  if (isPlainObject(value)) return Object.values(value).flatMap(patternTexts);
  return [];
}

/** SSM patterns are Java regular expressions; the subset documents use is the same in JavaScript. */
export function compilePattern(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern);
  } catch {
    return undefined;
  }
}

// AWS's schema was written for VS Code's lenient validator (union types, `items` without `type`, its
// `defaultSnippets` keyword, patterns such as `^{{[ ]{0,1}…}}$` that are invalid with the `u` flag), so
// Ajv's strict mode and unicode regular expressions are off for it; it is used exactly as shipped.
const awsAjv = new Ajv({ strict: false, unicodeRegExp: false, allErrors: true });
// Ours is strict except strictRequired: "exactly one operator" is written as oneOf of bare `required`.
const runnerAjv = new Ajv({ strict: true, strictRequired: false, allErrors: true });
let validators: { aws: ValidateFunction; runner: ValidateFunction } | undefined;
function schemaValidators() {
  validators ??= { aws: awsAjv.compile(awsSchema), runner: runnerAjv.compile(runnerSchema) };
  return validators;
}

/** Better words for a failed `oneOf`, by where it failed (the instance path). */
const ONE_OF_MESSAGES: [RegExp, string][] = [
  [
    /\/inputs\/Choices\/\d+(\/(And|Or)\/\d+|\/Not)*$/,
    'needs exactly one operator (StringEquals, EqualsIgnoreCase, StartsWith, EndsWith, Contains, NumericEquals, NumericGreater, NumericLesser, NumericGreaterOrEquals, NumericLesserOrEquals, BooleanEquals, And, Or, Not).',
  ],
  [/\/(isEnd|isCritical)$/, 'must be true or false.'],
  [/\/timeoutSeconds$/, 'must be a whole number of seconds.'],
];

function errorMessage(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') return `unknown property ${String(e.params.additionalProperty)}.`;
  if (e.keyword === 'enum') return `must be one of ${shown(e.params.allowedValues)}.`;
  if (e.keyword === 'pattern') return `must match ${String(e.params.pattern)}.`;
  if (e.keyword === 'not' && /\/inputs$/.test(e.instancePath))
    return 'cannot have both Payload and InputPayload.';
  if (e.keyword === 'not') return 'takes no Variable (And, Or and Not combine conditions that have one).';
  return `${e.message ?? 'is invalid'}.`;
}

/**
 * Ajv errors as problems naming the step and field. Errors of `if` are noise; the errors inside a failed
 * `oneOf` are folded into it ("must be one of … or must match …") unless a known message says it better.
 */
function schemaProblems(raw: Record<string, unknown>, errors: ErrorObject[]): DocumentProblem[] {
  const oneOfs = errors.filter((e) => e.keyword === 'oneOf');
  const inside = (e: ErrorObject, o: ErrorObject) =>
    e !== o && e.instancePath.startsWith(o.instancePath) && e.schemaPath.startsWith(`${o.schemaPath}/`);
  const steps = Array.isArray(raw.mainSteps) ? (raw.mainSteps as unknown[]) : [];
  return errors
    .filter((e) => e.keyword !== 'if' && !oneOfs.some((o) => inside(e, o)))
    .map((e) => {
      const segments = e.instancePath.split('/').slice(1);
      let step: string | undefined;
      if (segments[0] === 'mainSteps' && segments[1] !== undefined) {
        const index = Number(segments[1]);
        const name = (steps[index] as { name?: unknown } | undefined)?.name;
        step = typeof name === 'string' ? name : `#${index + 1}`;
        segments.splice(0, 2);
      }
      const field =
        segments.map((s) => (/^\d+$/.test(s) ? `[${s}]` : s)).join('.') || (step ? 'step' : 'document');
      let message = errorMessage(e);
      if (e.keyword === 'oneOf') {
        const alternatives = errors.filter(
          (x) => inside(x, e) && x.keyword !== 'type' && x.keyword !== 'oneOf',
        );
        message =
          ONE_OF_MESSAGES.find(([re]) => re.test(e.instancePath))?.[1] ??
          (alternatives.length && e.params.passingSchemas === null
            ? `${alternatives.map((x) => errorMessage(x).slice(0, -1)).join(' or ')}.`
            : 'must match exactly one allowed form.');
      }
      return { ...(step ? { step } : {}), field: field.replace(/\.\[/g, '['), message };
    });
}

function dedupe(problems: DocumentProblem[]): DocumentProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.step}|${p.field}|${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Parses an SSM Automation document from YAML and validates it: first against AWS's JSON Schema for
 * Automation documents and rebaseline's precise schema for the actions the runner executes, then (unless
 * turned off) against rebaseline's own rules, listed in `rebaselineProblems`.
 * @throws InvalidDocumentError listing every problem with its step and field.
 * @example
 * const doc = parseAutomationDocument(readFileSync('document.yaml', 'utf8'), 'revoke-public-ingress');
 * doc.mainSteps.map((s) => s.name);
 */
export function parseAutomationDocument(
  yamlText: string,
  name: string,
  options: ParseOptions = {},
): AutomationDocument {
  let raw: unknown;
  try {
    raw = parseYaml(yamlText);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` (line ${error.linePos[0].line})` : '';
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new InvalidDocumentError(name, [{ field: `yaml${where}`, message: message ?? 'is not YAML.' }], {
      cause: error,
    });
  }
  if (!isPlainObject(raw))
    throw new InvalidDocumentError(name, [{ field: 'document', message: 'must be a map.' }]);
  const { aws, runner } = schemaValidators();
  const problems = [
    ...(aws(raw) ? [] : schemaProblems(raw, aws.errors ?? [])),
    ...(runner(raw) ? [] : schemaProblems(raw, runner.errors ?? [])),
  ];
  if (problems.length) throw new InvalidDocumentError(name, dedupe(problems));
  const content = raw as unknown as AutomationDocumentContent;
  const doc: AutomationDocument = {
    ...content,
    name,
    parameters: content.parameters ?? {},
    outputs: content.outputs ?? [],
  };
  const semantic = [
    ...structureProblems(doc),
    ...(options.rebaselineChecks === false ? [] : rebaselineProblems(doc, options.kind)),
  ];
  if (semantic.length) throw new InvalidDocumentError(name, dedupe(semantic));
  return doc;
}

/**
 * Reads and validates a document file. Its name is the folder for `<id>/document.yaml`, else the base name.
 * @example
 * const doc = loadAutomationDocument('remediations/revoke-public-ingress/document.yaml');
 * doc.name; // 'revoke-public-ingress'
 */
export function loadAutomationDocument(path: string, options: ParseOptions & { name?: string } = {}) {
  const file = basename(path, extname(path));
  const name = options.name ?? (file === 'document' ? basename(dirname(path)) : file);
  return parseAutomationDocument(readFileSync(path, 'utf8'), name, options);
}

function stepIndex(doc: AutomationDocument): Map<string, number> {
  return new Map(doc.mainSteps.map((s, i) => [s.name, i]));
}

/** Where a step can go next: on success (`success`), and on failure too (`all`). */
function edges(doc: AutomationDocument, index: number): { success: string[]; all: string[] } {
  const step = doc.mainSteps[index] as AutomationStep;
  let success: string[];
  if (flag(step.isEnd, false)) success = [];
  else if (step.action === 'aws:branch') {
    const inputs = step.inputs as unknown as BranchInputs;
    const fallback = inputs.Default ?? doc.mainSteps[index + 1]?.name;
    success = [...inputs.Choices.map((c) => c.NextStep), ...(fallback ? [fallback] : [])];
  } else {
    const next = defaultNextStep(doc, index);
    success = next ? [next] : [];
  }
  const onFailure = step.onFailure ?? 'Abort';
  const failure = onFailure.startsWith('step:')
    ? [onFailure.slice(5)]
    : onFailure === 'Continue'
      ? success
      : [];
  return { success, all: [...success, ...failure] };
}

function reachable(doc: AutomationDocument, from: number[], kind: 'success' | 'all'): Set<number> {
  const index = stepIndex(doc);
  const seen = new Set<number>();
  const queue = [...from];
  while (queue.length) {
    const i = queue.shift() as number;
    if (seen.has(i)) continue;
    seen.add(i);
    for (const name of edges(doc, i)[kind]) {
      const j = index.get(name);
      if (j !== undefined) queue.push(j);
    }
  }
  return seen;
}

/** Steps that can run after step `from` (itself only through a loop). */
function after(doc: AutomationDocument, from: number): Set<number> {
  const index = stepIndex(doc);
  const starts = edges(doc, from)
    .all.map((n) => index.get(n))
    .filter((i): i is number => i !== undefined);
  return reachable(doc, starts, 'all');
}

function outputsOf(step: AutomationStep): string[] {
  const declared = (step.outputs ?? []).map((o) => o.Name);
  if (step.action === 'aws:invokeLambdaFunction') return [...LAMBDA_OUTPUTS, ...declared];
  if (step.action === 'aws:runCommand') return [...RUN_COMMAND_OUTPUTS, ...declared];
  if (step.action === 'aws:approve') return [...APPROVE_OUTPUTS, ...declared];
  return declared;
}

/** Problems SSM itself would reject at CreateDocument or at run time: names, targets, references, outputs. */
function structureProblems(doc: AutomationDocument): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  const index = stepIndex(doc);
  const counts = new Map<string, number>();
  for (const s of doc.mainSteps) counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
  for (const [name, count] of counts)
    if (count > 1) problems.push({ step: name, field: 'name', message: `is used by ${count} steps.` });

  const target = (step: string, field: string, name: string) => {
    if (!index.has(name))
      problems.push({ step, field, message: `names step ${name}, which does not exist.` });
  };
  doc.mainSteps.forEach((step, i) => {
    if (step.nextStep) target(step.name, 'nextStep', step.nextStep);
    if (step.nextStep && flag(step.isEnd, false))
      problems.push({ step: step.name, field: 'isEnd', message: 'is true although nextStep is set.' });
    if (step.onFailure?.startsWith('step:')) target(step.name, 'onFailure', step.onFailure.slice(5));
    if (step.action === 'aws:branch') {
      const inputs = step.inputs as unknown as BranchInputs;
      inputs.Choices.forEach((c, k) => {
        target(step.name, `inputs.Choices[${k}].NextStep`, c.NextStep);
      });
      if (inputs.Default) target(step.name, 'inputs.Default', inputs.Default);
    }
    const names = (step.outputs ?? []).map((o) => o.Name);
    for (const n of new Set(names.filter((n, k) => names.indexOf(n) !== k)))
      problems.push({ step: step.name, field: 'outputs', message: `declares ${n} more than once.` });

    const canRunBefore = (j: number) => after(doc, j).has(i);
    for (const [field, value] of [
      ['inputs', step.inputs],
      ['timeoutSeconds', step.timeoutSeconds],
    ] as const) {
      for (const ref of referencesIn(value)) {
        const problem = referenceProblem(doc, ref, canRunBefore);
        if (problem) problems.push({ step: step.name, field, message: problem });
      }
    }
  });
  for (const ref of referencesIn(doc.assumeRole)) {
    if (ref in doc.parameters) continue;
    problems.push({ field: 'assumeRole', message: `{{ ${ref} }} is not a parameter.` });
  }
  for (const output of doc.outputs) {
    const problem = referenceProblem(doc, output, () => true);
    if (problem || !output.includes('.'))
      problems.push({ field: 'outputs', message: problem ?? `${output} is not a step output.` });
  }
  const reached = reachable(doc, [0], 'all');
  const unreachable = doc.mainSteps.filter((_, i) => !reached.has(i));
  for (const s of unreachable)
    problems.push({
      step: s.name,
      field: 'step',
      message: 'is never reached (no step or branch leads to it).',
    });
  return problems;
}

function referenceProblem(
  doc: AutomationDocument,
  ref: string,
  canRunBefore: (stepIndex: number) => boolean,
): string | undefined {
  if ((SYSTEM_VARIABLES as readonly string[]).includes(ref)) return undefined;
  if (ref.includes(':'))
    return `{{ ${ref} }} is not a variable the runner provides (${SYSTEM_VARIABLES.join(', ')}).`;
  const parts = ref.split('.');
  if (parts.length === 1) return ref in doc.parameters ? undefined : `{{ ${ref} }} is not a parameter.`;
  const [stepName, output] = parts as [string, string];
  const j = doc.mainSteps.findIndex((s) => s.name === stepName);
  const step = doc.mainSteps[j];
  if (!step || parts.length !== 2)
    return `{{ ${ref} }} is neither a parameter nor a step output (Step.Output).`;
  if (!outputsOf(step).includes(output))
    return `{{ ${ref} }}: step ${stepName} has no output ${output} (it has: ${outputsOf(step).join(', ') || 'none'}).`;
  if (!canRunBefore(j)) return `{{ ${ref} }}: step ${stepName} cannot have run before this step.`;
  return undefined;
}

/** True for a step that checks the real end state. */
export function isVerificationStep(step: AutomationStep): boolean {
  return (
    (VERIFY_ACTIONS as readonly string[]).includes(step.action) ||
    (step.action === 'aws:invokeLambdaFunction' && step.name.startsWith('Verify'))
  );
}

const DESCRIPTION_SECTIONS = {
  remediation: ['What it does', 'Parameters', 'Rules it restores'],
  playbook: ['What it does', 'Parameters', 'Findings it answers'],
} as const;

/**
 * rebaseline's rules for every document in `remediations/` and `playbooks/` (on top of SSM's):
 * - `assumeRole` is `{{ AutomationAssumeRole }}`, a String parameter;
 * - the description has the sections "What it does", "Parameters" and "Rules it restores" (a playbook: "Findings
 *   it answers");
 * - every parameter has a description and, unless it is a Boolean, an anchored `allowedPattern` (^…$) or
 *   `allowedValues`: the pattern is what keeps `{{ }}` interpolation safe, and a Boolean can only be
 *   true or false, so a pattern would add nothing; a default must satisfy its own constraints;
 * - verification steps only read (Describe/Get/List/Head), and compare booleans as SSM renders them
 *   (`True`/`False`);
 * - every step where the success path ends is a verification: an assert or wait on the resource, or a Lambda
 *   step named `Verify…`.
 */
export function rebaselineProblems(
  doc: AutomationDocument,
  kind: 'remediation' | 'playbook' = 'remediation',
): DocumentProblem[] {
  const problems: DocumentProblem[] = [];
  if (doc.assumeRole?.replace(/\s+/g, '') !== '{{AutomationAssumeRole}}')
    problems.push({ field: 'assumeRole', message: "must be '{{ AutomationAssumeRole }}'." });
  if (doc.parameters.AutomationAssumeRole?.type !== 'String')
    problems.push({ field: 'parameters.AutomationAssumeRole', message: 'must be declared, of type String.' });
  const description = doc.description ?? '';
  for (const section of DESCRIPTION_SECTIONS[kind])
    if (!description.toLowerCase().includes(section.toLowerCase()))
      problems.push({ field: 'description', message: `has no "${section}" section.` });

  for (const [name, def] of Object.entries(doc.parameters)) {
    const field = `parameters.${name}`;
    if (!def.description?.trim()) problems.push({ field, message: 'has no description.' });
    if (def.type !== 'Boolean' && def.allowedPattern === undefined && def.allowedValues === undefined)
      problems.push({ field, message: `has no allowedPattern (every ${def.type} parameter needs one).` });
    if (def.allowedPattern !== undefined) {
      if (!compilePattern(def.allowedPattern))
        problems.push({ field: `${field}.allowedPattern`, message: 'is not a valid regular expression.' });
      else if (!/^\^[\s\S]*\$$/.test(def.allowedPattern))
        problems.push({
          field: `${field}.allowedPattern`,
          message: 'must be anchored: start with ^ and end with $.',
        });
    }
    if (def.default !== undefined) {
      const checked = coerceParameterValue(def, def.default);
      if ('error' in checked) problems.push({ field: `${field}.default`, message: checked.error });
    }
  }

  doc.mainSteps.forEach((step) => {
    if (!(VERIFY_ACTIONS as readonly string[]).includes(step.action)) return;
    const inputs = step.inputs as PropertyCheckInputs;
    if (!isReadOnlyApi(inputs.Api))
      problems.push({
        step: step.name,
        field: 'inputs.Api',
        message: `${inputs.Api} is not read-only: a verification must only read (Describe/Get/List/Head).`,
      });
    for (const v of inputs.DesiredValues)
      if (v === 'true' || v === 'false')
        problems.push({
          step: step.name,
          field: 'inputs.DesiredValues',
          message: `"${v}" never matches: SSM renders booleans as "True"/"False".`,
        });
  });

  for (const i of reachable(doc, [0], 'success')) {
    const step = doc.mainSteps[i] as AutomationStep;
    if (edges(doc, i).success.length === 0 && !isVerificationStep(step))
      problems.push({
        step: step.name,
        field: 'step',
        message: `ends the success path with ${step.action}, not a verification (aws:assertAwsResourceProperty, aws:waitForAwsResourceProperty, or a Lambda step named Verify…).`,
      });
  }
  return problems;
}
