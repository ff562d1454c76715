import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { parse as parseYaml } from 'yaml';
import { type DocumentProblem, InvalidDocumentError } from '../../shared/errors';
import schema from './command-schema.json';
import { compilePattern, REFERENCE_PATTERN } from './document';

/** One step of an SSM Command document (schema 2.2). */
export interface CommandStep {
  action: 'aws:runShellScript' | 'aws:runPowerShellScript';
  name: string;
  precondition: { StringEquals: ['platformType', 'Linux' | 'Windows' | 'MacOS'] };
  inputs: { runCommand: string[]; timeoutSeconds?: string };
}

/** An SSM Command document (the kind Run Command runs on instances). */
export interface CommandDocument {
  schemaVersion: '2.2';
  description: string;
  parameters: Record<
    string,
    { type: 'String'; description: string; allowedPattern: string; default?: string }
  >;
  mainSteps: CommandStep[];
}

const ajv = new Ajv({ allErrors: true, strict: true, strictTuples: false });
const validate = ajv.compile(schema);

/** What a parameter must never admit: it is interpolated into shell and PowerShell text inside single quotes. */
const BREAKOUTS = ["'", '"', '`', '$', ';', '&', '|', '\n', ' ', '\\'];

/**
 * Parses and validates an SSM Command document: the schema of the steps rebaseline uses, every `{{ name }}` a
 * declared parameter, every parameter constrained by an anchored pattern that admits no character that could break
 * out of the quotes it is interpolated in, one step per platform.
 * @throws InvalidDocumentError listing every problem.
 * @example
 * const doc = loadCommandDocument('playbooks/collect-evidence/command.yaml');
 */
export function parseCommandDocument(text: string, name: string): CommandDocument {
  const raw = parseYaml(text) as unknown;
  const problems: DocumentProblem[] = [];
  if (!validate(raw))
    for (const e of validate.errors ?? [])
      problems.push({
        field: e.instancePath.replace(/^\//, '').replace(/\//g, '.') || 'document',
        message: `${e.message ?? 'is invalid'}.`,
      });
  if (problems.length) throw new InvalidDocumentError(name, problems);
  const doc = raw as CommandDocument;
  for (const [param, def] of Object.entries(doc.parameters)) {
    const pattern = compilePattern(def.allowedPattern);
    if (!pattern)
      problems.push({
        field: `parameters.${param}.allowedPattern`,
        message: 'is not a valid regular expression.',
      });
    else
      for (const c of BREAKOUTS)
        if (pattern.test(`a${c}b`) || pattern.test(`${c}`))
          problems.push({
            field: `parameters.${param}.allowedPattern`,
            message: `admits ${JSON.stringify(c)}, which could break out of the script's quotes.`,
          });
  }
  const platforms = new Set<string>();
  for (const step of doc.mainSteps) {
    const platform = step.precondition.StringEquals[1];
    if (platforms.has(platform))
      problems.push({
        step: step.name,
        field: 'precondition',
        message: `is the second step for ${platform}.`,
      });
    platforms.add(platform);
    const expected = platform === 'Windows' ? 'aws:runPowerShellScript' : 'aws:runShellScript';
    if (step.action !== expected)
      problems.push({ step: step.name, field: 'action', message: `must be ${expected} on ${platform}.` });
    for (const line of step.inputs.runCommand)
      for (const m of line.matchAll(REFERENCE_PATTERN))
        if (!((m[1] as string) in doc.parameters))
          problems.push({
            step: step.name,
            field: 'inputs.runCommand',
            message: `{{ ${m[1]} }} is not a parameter.`,
          });
  }
  if (problems.length) throw new InvalidDocumentError(name, problems);
  return doc;
}

export function loadCommandDocument(path: string, name = path): CommandDocument {
  return parseCommandDocument(readFileSync(path, 'utf8'), name);
}

/** A step's script with the parameters put in, as SSM does before it runs it. */
export function renderScript(step: CommandStep, values: Record<string, string>): string {
  return step.inputs.runCommand
    .map((line) => line.replace(REFERENCE_PATTERN, (_, name: string) => values[name] ?? ''))
    .join('\n');
}
