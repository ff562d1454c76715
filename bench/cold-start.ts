import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { packageService } from '../scripts/deploy/package';
import { lambdaBuildOptions } from './lambda-build';
import { median } from './time-to-remediate';

/**
 * Lambda cold start per packaged function: the zips `osls package` produces (packaged into a scratch directory, so
 * a packaging run elsewhere in the checkout is not disturbed), their size against `bundle-budget.json`, and module
 * initialisation time = `node -e "require(bundle)"` − `node -e 0`, median of 10 runs, runs interleaved so that
 * load from other processes affects every function alike. An esbuild metafile of the same entries says which
 * packages the bytes come from.
 */

export interface ColdStartFunction {
  name: string;
  handler: string;
  zipBytes: number;
  budgetBytes?: number;
  /** zipBytes / budgetBytes − 1 (e.g. 0.02 = 2 % over). */
  overBudget?: number;
  withinTolerance?: boolean;
  bundleBytes: number;
  medianRequireMs: number;
  /** medianRequireMs − median of `node -e 0`. */
  initMs: number;
  /** Largest contributors to the minified bundle, by package. */
  topPackages: { name: string; bytes: number }[];
}

export interface ColdStartResult {
  packagingSeconds: number;
  baselineMs: number;
  runs: number;
  tolerance?: number;
  functions: ColdStartFunction[];
  notes: string[];
}

const REPO = join(__dirname, '..');

function nodeMs(args: string[]): number {
  const started = process.hrtime.bigint();
  const out = spawnSync(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (out.status !== 0)
    throw new Error(`node ${args.join(' ')} failed: ${out.stderr?.toString().slice(0, 500)}`);
  return ms;
}

/** Package name of a bundle input path (`node_modules/@aws-sdk/client-ec2/dist-cjs/…` → `@aws-sdk/client-ec2`). */
function packageOf(input: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return m ? (m[1] as string) : 'rebaseline (own code)';
}

/** Bytes of each package in the minified bundle of each entry, bundled the way serverless.yml bundles them. */
async function bundleComposition(
  entries: Record<string, string>,
): Promise<Record<string, Record<string, number>>> {
  const result = await build({
    entryPoints: Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, join(REPO, file)])),
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    mainFields: ['module', 'main'],
    keepNames: true,
    // serverless.yml's plugins, as the functions are packaged: the composition is that of the deployed bundles.
    plugins: lambdaBuildOptions().plugins ?? [],
    write: false,
    metafile: true,
    outdir: join(tmpdir(), 'rebaseline-bench-metafile'),
    logLevel: 'silent',
  });
  const out: Record<string, Record<string, number>> = {};
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    const name = Object.keys(entries).find((n) => file.endsWith(`/${n}.js`));
    if (!name) continue;
    const byPackage: Record<string, number> = {};
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs))
      byPackage[packageOf(input)] = (byPackage[packageOf(input)] ?? 0) + bytesInOutput;
    out[name] = byPackage;
  }
  return out;
}

interface FunctionResource {
  Type: string;
  Properties: { Handler?: string; Code?: { S3Key?: string } };
}

/**
 * @throws Error when packaging fails or `unzip` is missing (the caller reports the section as not available).
 * @example
 * const result = await measureColdStart({ runs: 10 });
 */
export async function measureColdStart(options: {
  runs: number;
  log?: (line: string) => void;
}): Promise<ColdStartResult> {
  if (spawnSync('unzip', ['-v'], { stdio: 'ignore' }).status !== 0)
    throw new Error('unzip is not installed; it is needed to open the packaged zips.');
  const work = mkdtempSync(join(tmpdir(), 'rebaseline-bench-cold-'));
  try {
    options.log?.('cold start: osls package (offline, into a scratch directory)…');
    const packagingStarted = performance.now();
    const packaged = await packageService(work);
    const packagingSeconds = (performance.now() - packagingStarted) / 1000;
    const resources = (packaged.template as { Resources: Record<string, FunctionResource> }).Resources;
    const handlers: Record<string, string> = {};
    for (const resource of Object.values(resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const zip = resource.Properties.Code?.S3Key?.split('/')
        .pop()
        ?.replace(/\.zip$/, '');
      const handler = resource.Properties.Handler;
      if (zip && handler) handlers[zip] = handler;
    }
    const names = Object.keys(packaged.zips).sort();
    const bundles: Record<string, string> = {};
    for (const name of names) {
      const dir = join(work, 'unzipped', name);
      mkdirSync(dir, { recursive: true });
      const unzip = spawnSync('unzip', ['-q', '-o', join(packaged.dir, `${name}.zip`), '-d', dir]);
      if (unzip.status !== 0) throw new Error(`unzip ${name}.zip failed: ${unzip.stderr?.toString()}`);
      const handler = handlers[name] ?? '';
      const file = join(dir, `${handler.replace(/\.[^.]+$/, '')}.js`);
      if (!existsSync(file))
        throw new Error(`The zip of ${name} has no ${relative(dir, file)} (handler ${handler}).`);
      bundles[name] = file;
    }
    options.log?.(`cold start: ${options.runs} × (node -e 0, and require() of ${names.length} bundles)…`);
    const baseline: number[] = [];
    const requires: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let run = 0; run < options.runs; run++) {
      baseline.push(nodeMs(['-e', '0']));
      for (const name of names)
        requires[name]?.push(nodeMs(['-e', `require(${JSON.stringify(bundles[name])})`]));
    }
    const baselineMs = median(baseline);
    const budget = existsSync(join(REPO, 'bundle-budget.json'))
      ? (JSON.parse(readFileSync(join(REPO, 'bundle-budget.json'), 'utf8')) as {
          tolerance?: number;
          functions?: Record<string, number>;
        })
      : undefined;
    const composition = await bundleComposition(
      Object.fromEntries(names.map((n) => [n, `${(handlers[n] ?? '').replace(/\.[^.]+$/, '')}.ts`])),
    );
    const functions = names.map((name): ColdStartFunction => {
      const zipBytes = packaged.zips[name] as number;
      const budgetBytes = budget?.functions?.[name];
      const medianRequireMs = median(requires[name] ?? []);
      const packages = Object.entries(composition[name] ?? {})
        .sort(([, a], [, b]) => b - a)
        .slice(0, 4)
        .map(([pkg, bytes]) => ({ name: pkg, bytes }));
      return {
        name,
        handler: handlers[name] ?? '',
        zipBytes,
        ...(budgetBytes
          ? {
              budgetBytes,
              overBudget: zipBytes / budgetBytes - 1,
              withinTolerance: zipBytes <= budgetBytes * (1 + (budget?.tolerance ?? 0.1)),
            }
          : {}),
        bundleBytes: readFileSync(bundles[name] as string).length,
        medianRequireMs,
        initMs: medianRequireMs - baselineMs,
        topPackages: packages,
      };
    });
    return {
      packagingSeconds,
      baselineMs,
      runs: options.runs,
      ...(budget?.tolerance !== undefined ? { tolerance: budget.tolerance } : {}),
      functions,
      notes: [
        `Measured with this machine's Node ${process.version}; Lambda runs nodejs22.x on arm64, so absolute times differ, the ranking does not.`,
        'Initialisation is the require() of the bundle only (module top level); the first invocation also pays SDK client construction and credential resolution.',
      ],
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
