/**
 * `npm run fuzz [-- --count N --seed S]`: mutates real AWS data through every model builder, evaluator, the event
 * and parameter parsers and the Lambda handler, and counts what fails open. Exits 1 when any figure but the number
 * of cases is not 0. Not part of `npm test` (a fixed-seed subset is: test/fuzz/fuzz.test.ts).
 */
import './env';
import { fuzz } from './harness';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : process.env[`FUZZ_${name.toUpperCase()}`];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`fuzz: --${name} must be a non-negative integer, got ${raw}\n`);
    process.exit(2);
  }
  return n;
}

async function main() {
  const count = option('count', 100_000);
  const seed = option('seed', 20261201);
  const started = Date.now();
  const { figures, findings } = await fuzz(count, seed, (done) => {
    if (done % 10_000 === 0) process.stderr.write(`fuzz: ${done} cases\n`);
  });
  for (const f of findings.slice(0, 40)) process.stdout.write(`${f.what}\t${f.target}\t${f.detail}\n`);
  process.stdout.write(
    `${JSON.stringify({ ...figures, seed, seconds: Math.round((Date.now() - started) / 1000) })}\n`,
  );
  const bad = Object.entries(figures).filter(([k, v]) => k !== 'cases' && v > 0);
  process.exitCode = bad.length > 0 ? 1 : 0;
}

main().catch((error) => {
  process.stderr.write(`fuzz: ${(error as Error)?.stack ?? error}\n`);
  process.exitCode = 1;
});
