import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';

/**
 * `npm run build`: the compiled command line in dist/, what `bin/rebaseline.js` runs when it is there and not older
 * than the sources (it runs the sources through tsx otherwise), and what `npm pack` ships.
 *
 * - One ES module bundle (`dist/cli.mjs`) split at each dynamic import() of `app/cli/bundle.ts`: a chunk per command
 *   and per registry, so a command parses and runs only its own modules (`rebaseline evaluate` does not load the SSM
 *   runner, the report or the organisation scan). The AWS SDK's ES module builds are bundled, so esbuild drops the
 *   operations nothing calls, as for the Lambdas. Minified; names kept (error class names are in messages).
 * - better-sqlite3 stays a dependency (a native addon); everything else is in the bundle.
 * - Files read at run time are copied beside the bundle, at the same place relative to it as in the repository:
 *   each remediation's and playbook's `document.yaml` (and collect-evidence's `command.yaml`), and the recorded examples the demo evaluates. In the sources a module finds
 *   them from its own folder (`__dirname`); every chunk is in dist/, so `__dirname` in a bundled source file is
 *   rewritten to "dist/ + that file's folder in the repository".
 * - `dist/build-info.json` lists the source files that went in, with the build time: bin/rebaseline.js compares them
 *   (in a clone) so an edited source is never shadowed by an older build.
 */

export const ROOT = resolve(__dirname, '..');
export const DIST = join(ROOT, 'dist');
/** What the command line reads from disk at run time (globs of one `*` level, relative to the repository). */
export const RUNTIME_FILES = [
  'remediations/*/document.yaml',
  'playbooks/*/document.yaml',
  'playbooks/*/command.yaml',
  'examples/*.json',
];

/** Prepended to every output file: what CommonJS code (and the rewritten `__dirname`) expects in an ES module. */
const BANNER = [
  "import { createRequire as __rbCreateRequire } from 'node:module';",
  "import { dirname as __rbDirname, join as __rbJoin } from 'node:path';",
  "import { fileURLToPath as __rbFileURLToPath } from 'node:url';",
  'const require = __rbCreateRequire(import.meta.url);',
  'const __filename = __rbFileURLToPath(import.meta.url);',
  'const __dirname = __rbDirname(__filename);',
  'const __rbSourceDir = (folder) => __rbJoin(__dirname, folder);',
].join('\n');

/** `__dirname` in a source file of the repository → its folder, mirrored under dist/. */
function sourceDirname(): Plugin {
  return {
    name: 'rebaseline-source-dirname',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${join('node_modules', '')}`)) return undefined;
        const { readFile } = await import('node:fs/promises');
        const text = await readFile(args.path, 'utf8');
        if (!/\b__dirname\b/.test(text)) return undefined;
        const folder = relative(ROOT, dirname(args.path)).split('\\').join('/');
        return {
          contents: text.replace(/\b__dirname\b/g, `__rbSourceDir(${JSON.stringify(folder)})`),
          loader: 'ts',
        };
      });
    },
  };
}

/** The files a one-level glob (`dir/*\/name`, `dir/*.ext`) names. */
function expand(glob: string): string[] {
  const parts = glob.split('/');
  let paths = [''];
  for (const part of parts) {
    const next: string[] = [];
    for (const base of paths) {
      if (!part.includes('*')) {
        next.push(base ? `${base}/${part}` : part);
        continue;
      }
      const re = new RegExp(`^${part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
      const dir = join(ROOT, base);
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir).sort())
        if (re.test(name)) next.push(base ? `${base}/${name}` : name);
    }
    paths = next;
  }
  return paths.filter((p) => existsSync(join(ROOT, p)) && statSync(join(ROOT, p)).isFile());
}

/**
 * Builds dist/ (or `outdir`: the tests build elsewhere). Returns the bundle's size, the sources that went in, and
 * esbuild's metafile (which sources each output file holds, and what each imports).
 * @example
 * await buildCli(); // dist/cli.mjs, dist/*.mjs chunks, dist/remediations/…/document.yaml, dist/build-info.json
 */
export async function buildCli(
  outdir = DIST,
): Promise<{ bytes: number; chunks: number; inputs: string[]; metafile: Metafile }> {
  const builtAt = Date.now();
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: { cli: 'app/cli/bundle.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    mainFields: ['module', 'main'],
    external: ['better-sqlite3'],
    minify: true,
    keepNames: true,
    legalComments: 'none',
    banner: { js: BANNER },
    plugins: [sourceDirname()],
    metafile: true,
    logLevel: 'warning',
  });
  for (const file of RUNTIME_FILES.flatMap(expand)) {
    mkdirSync(dirname(join(outdir, file)), { recursive: true });
    cpSync(join(ROOT, file), join(outdir, file));
  }
  const inputs = [
    ...Object.keys(result.metafile.inputs).filter((p) => !p.startsWith('node_modules/')),
    ...RUNTIME_FILES.flatMap(expand),
    'package.json',
    'package-lock.json',
  ].sort();
  writeFileSync(
    join(outdir, 'build-info.json'),
    `${JSON.stringify({ builtAt, node: process.version, inputs }, null, 2)}\n`,
  );
  const outputs = Object.entries(result.metafile.outputs);
  return {
    bytes: outputs.reduce((n, [, o]) => n + o.bytes, 0),
    chunks: outputs.length,
    inputs,
    metafile: result.metafile,
  };
}

if (require.main === module)
  buildCli().then(
    ({ bytes, chunks, inputs }) =>
      process.stdout.write(
        `dist/: ${chunks} files, ${(bytes / 1024 / 1024).toFixed(1)} MB, from ${inputs.length} sources.\n`,
      ),
    (error) => {
      process.stderr.write(`${(error as Error).stack ?? error}\n`);
      process.exitCode = 1;
    },
  );
