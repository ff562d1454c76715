import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../../shared/errors';
import { REPO_ROOT } from '../deploy/registry';

export { REPO_ROOT, UsageError };

/** `guardduty-enabled` → `GuarddutyEnabled`. */
export function pascal(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

/** `guardduty-enabled` → `guarddutyEnabled`; `ListDetectors` → `listDetectors`. */
export function camel(id: string): string {
  const p = pascal(id);
  return p.charAt(0).toLowerCase() + p.slice(1);
}

/** SSM's (boto3's) service names whose SDK v3 package is not `@aws-sdk/client-<name>`. */
const SDK_PACKAGE_OF: Readonly<Record<string, string>> = {
  autoscaling: 'auto-scaling',
  config: 'config-service',
  elbv2: 'elastic-load-balancing-v2',
  events: 'eventbridge',
  logs: 'cloudwatch-logs',
  s3control: 's3-control',
  stepfunctions: 'sfn',
};

/** The SDK v3 package of a service. */
export function sdkPackageOf(service: string): string {
  return `@aws-sdk/client-${SDK_PACKAGE_OF[service] ?? service}`;
}

/** Writes files given by path relative to the repository, creating their folders. */
export function writeFiles(files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    const file = join(REPO_ROOT, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text, { flag: 'wx' });
  }
}

/**
 * A registry file with more imports (after the others: `formatWritten` puts them in order) and one more entry at
 * the end of its list.
 * @throws UsageError when the file does not have the list.
 */
export function addRegistryLine(
  source: string,
  line: { importLines: string[]; entry: string; listStart: string },
): string {
  const lines = source.split('\n');
  const last = lines.reduce((at, l, i) => (/^import .* from '.*';$/.test(l) ? i : at), -1);
  lines.splice(last + 1, 0, ...line.importLines);
  const start = lines.findIndex((l) => l.startsWith(line.listStart));
  if (start < 0) throw new UsageError(`The registry has no line starting ${line.listStart}.`);
  const end = lines.findIndex((l, i) => i > start && /^\]/.test(l));
  if (end < 0) throw new UsageError('The registry list has no end.');
  lines.splice(end, 0, line.entry);
  return lines.join('\n');
}

/** Formats what the scaffold wrote as the project's Biome does (import order included). */
export function formatWritten(paths: readonly string[]): void {
  const biome = join(REPO_ROOT, 'node_modules', '.bin', 'biome');
  const result = spawnSync(biome, ['check', '--write', ...paths.filter((p) => /\.(ts|json)$/.test(p))], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new UsageError(`Biome could not format the scaffold's files:\n${result.stdout}${result.stderr}`);
}
