#!/usr/bin/env node
// The rebaseline command line. It runs the compiled CLI (dist/, `npm run build`; what `npm pack` ships) when it is
// there and not older than the sources beside it, and the TypeScript sources through tsx otherwise: a fresh clone
// works without a build (`npm ci && npx rebaseline …`), and an edited source is never shadowed by an older build.
// REBASELINE_SOURCES=1 always runs the sources (the test suite sets it).
'use strict';
const { existsSync, readFileSync, statSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
// The CLI's output is its tables; structured logs (the Lambdas' info lines) only when asked for with LOG_LEVEL.
process.env.LOG_LEVEL ??= 'warn';
// Node 22.1+ keeps the compiled code of the bundle between runs; older versions have no such cache (no-op).
require('node:module').enableCompileCache?.();

const ROOT = join(__dirname, '..');
const BUILT = join(ROOT, 'dist', 'cli.mjs');

/** Why dist/ must not run (absent, or older than a source that went into it), or undefined when it may. */
function builtIsStale() {
  if (process.env.REBASELINE_SOURCES === '1') return 'REBASELINE_SOURCES=1';
  if (!existsSync(BUILT)) return 'absent';
  // An installed package ships dist/ without the sources: nothing to compare.
  if (!existsSync(join(ROOT, 'app', 'cli', 'run.ts'))) return undefined;
  let info;
  try {
    info = JSON.parse(readFileSync(join(ROOT, 'dist', 'build-info.json'), 'utf8'));
  } catch {
    return 'dist/build-info.json unreadable';
  }
  for (const input of info.inputs ?? []) {
    let mtime;
    try {
      mtime = statSync(join(ROOT, input)).mtimeMs;
    } catch {
      return `${input} is gone`;
    }
    if (mtime > info.builtAt) return `${input} is newer`;
  }
  return undefined;
}

function fromSources() {
  require('tsx/cjs');
  // import() of a source (a reader part's live half, loaded on its first read) needs tsx's ES module hooks too.
  return import('tsx/esm').then(() => require('../app/cli/run.ts').run(process.argv.slice(2)));
}

const stale = builtIsStale();
if (stale && stale !== 'absent' && stale !== 'REBASELINE_SOURCES=1')
  process.stderr.write(
    `rebaseline: dist/ is older than the sources (${stale}); running the sources (npm run build).\n`,
  );
const status = stale
  ? fromSources()
  : import(pathToFileURL(BUILT).href).then((cli) => cli.run(process.argv.slice(2)));

status.then((code) => {
  // main returns the command's status (1: some resources not evaluated or not remediated; 2: bad input). Never
  // lower a status already set: overwriting it with 0 once made a scan with unevaluated resources exit 0.
  process.exitCode = Math.max(code, Number(process.exitCode ?? 0));
});
