import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { devNull } from 'node:os';
import { join } from 'node:path';
import { DeploymentConfigError } from '../../shared/errors';
import { REPO_ROOT } from './registry';

/**
 * Stage parameters of the offline packaging run in `npm test` and `npm run build:budget`: central mode, so the
 * packaged template holds everything the single-account mode does plus the organization parts. The account
 * and organization ids are documentation examples, not real ones.
 */
export const CI_PACKAGE_PARAMS: Readonly<Record<string, string>> = {
  central: 'true',
  organizationId: 'o-exampleorg1',
  externalId: 'rebaseline-ci-external-id',
  memberAccountIds: '111111111111,222222222222',
};

/** Stage of the offline packaging run. */
export const CI_STAGE = 'ci';

/** What `osls package` left in the output directory. */
export interface PackageResult {
  /** Where the template and zips are (`<dir>/package`). */
  dir: string;
  template: Record<string, unknown>;
  /** Function key → zip size in bytes. */
  zips: Record<string, number>;
  output: string;
}

/**
 * An environment in which osls cannot reach AWS: no credentials, no profile, no instance metadata. osls has no
 * telemetry, dashboard or update check; the SLS_* switches also silence upstream Serverless v3 if it is the
 * `serverless` on someone's PATH.
 */
export function offlineEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!/^AWS_/.test(k)) env[k] = v;
  return {
    ...env,
    AWS_CONFIG_FILE: devNull,
    AWS_SHARED_CREDENTIALS_FILE: devNull,
    AWS_EC2_METADATA_DISABLED: 'true',
    SLS_TELEMETRY_DISABLED: '1',
    SLS_NOTIFICATIONS_MODE: 'off',
  };
}

/**
 * A service directory of symbolic links to the repository's entries: osls writes `.serverless/` and
 * serverless-esbuild `.esbuild/` into the service directory, so two packaging runs at once (tests, build:budget,
 * several people's npm test in one checkout) would otherwise delete each other's files.
 */
function isolatedServiceDir(workDir: string): string {
  const service = join(workDir, 'service');
  mkdirSync(service, { recursive: true });
  for (const entry of readdirSync(REPO_ROOT)) {
    if (['.serverless', '.esbuild', '.git'].includes(entry)) continue;
    // osls only recognises a service directory whose configuration file is a regular file.
    if (entry === 'serverless.yml') copyFileSync(join(REPO_ROOT, entry), join(service, entry));
    else symlinkSync(join(REPO_ROOT, entry), join(service, entry));
  }
  return service;
}

/**
 * Runs `osls package` (the local osls binary) offline in `dir` (a scratch directory: `service/` of links to the
 * repository, `package/` for the output), and reads what it produced.
 * @throws DeploymentConfigError with osls's output when packaging fails.
 * @example
 * const { template, zips } = await packageService('/tmp/pkg', CI_PACKAGE_PARAMS);
 */
export async function packageService(
  dir: string,
  params: Readonly<Record<string, string>> = CI_PACKAGE_PARAMS,
  stage = CI_STAGE,
): Promise<PackageResult> {
  const bin = join(REPO_ROOT, 'node_modules', 'osls', 'bin', 'serverless.js');
  const out = join(dir, 'package');
  const args = [bin, 'package', '--stage', stage, '--package', out];
  for (const [k, v] of Object.entries(params)) args.push('--param', `${k}=${v}`);
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: isolatedServiceDir(dir), env: offlineEnv() });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
    });
    child.stderr.on('data', (d) => {
      text += d;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(text) : reject(new DeploymentConfigError(`osls package exited ${code}:\n${text}`)),
    );
  });
  const zips: Record<string, number> = {};
  for (const file of readdirSync(out))
    if (file.endsWith('.zip')) zips[file.slice(0, -4)] = statSync(join(out, file)).size;
  const template = JSON.parse(readFileSync(join(out, 'cloudformation-template-update-stack.json'), 'utf8'));
  return { dir: out, template, zips, output };
}
