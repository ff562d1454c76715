import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BuildOptions, build, type Plugin } from 'esbuild';
import { parse } from 'yaml';

const REPO = join(__dirname, '..');

/** serverless-esbuild's own options: esbuild does not take them. */
const PLUGIN_ONLY = new Set([
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
  'plugins',
]);

/**
 * The esbuild options the Lambda bundles are built with: serverless.yml's `custom.esbuild`, its plugins loaded, so a
 * benchmark measures the code as it is deployed (not as tsx compiles it for the tests).
 * @example
 * await build({ ...lambdaBuildOptions(), entryPoints: ['rules/x/handler.ts'], outdir: '/tmp/x' });
 */
export function lambdaBuildOptions(): BuildOptions {
  const config = (
    parse(readFileSync(join(REPO, 'serverless.yml'), 'utf8')) as {
      custom: { esbuild: Record<string, unknown> };
    }
  ).custom.esbuild;
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) if (!PLUGIN_ONLY.has(key)) options[key] = value;
  const plugins = typeof config.plugins === 'string' ? (require(join(REPO, config.plugins)) as Plugin[]) : [];
  return { ...(options as BuildOptions), plugins };
}

/**
 * `entry` bundled as a Lambda is (one file, no node_modules), into a scratch directory.
 * @returns the bundle's path.
 * @example
 * fork(await bundleAsDeployed(join(__dirname, 'throughput.ts')));
 */
export async function bundleAsDeployed(entry: string): Promise<string> {
  const outfile = join(mkdtempSync(join(tmpdir(), 'rebaseline-bench-bundle-')), 'bundle.js');
  await build({ ...lambdaBuildOptions(), entryPoints: [entry], outfile, logLevel: 'error' });
  return outfile;
}
