/**
 * Packages the service offline and writes each function's zip size to bundle-budget.json:
 * `npm run build:budget`. npm test fails when a bundle grows more than 10 % over its budget, so run this (and
 * commit the file) when a bundle grows on purpose or a function is added.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageService } from './deploy/package';
import { REPO_ROOT } from './deploy/registry';

/** The committed budget file. */
export const BUDGET_FILE = join(REPO_ROOT, 'bundle-budget.json');

/** How much a bundle may grow over its budget before npm test fails. */
export const BUDGET_TOLERANCE = 0.1;

/** bundle-budget.json. */
export interface BundleBudget {
  description: string;
  tolerance: number;
  /** Function key (osls) → zip bytes. */
  functions: Record<string, number>;
}

/**
 * The budget for the given zip sizes, functions sorted by name.
 * @example
 * budgetFor({ ruleX: 1000 }) // { description: '…', tolerance: 0.1, functions: { ruleX: 1000 } }
 */
export function budgetFor(zips: Record<string, number>): BundleBudget {
  return {
    description:
      'Zip size (bytes) of each Lambda bundle, written by `npm run build:budget`; npm test fails when a bundle grows more than `tolerance` over it.',
    tolerance: BUDGET_TOLERANCE,
    functions: Object.fromEntries(Object.entries(zips).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/**
 * The budget of a function: its recorded one, or for a function the file does not have yet (a rule just added) one
 * computed from the recorded budgets: the largest of them, so a new Lambda may be as large as the largest existing
 * one until `npm run build:budget` records its own.
 * @example
 * budgetOf(budget, 'ruleGuarddutyEnabled') // → 367284 while it has no entry
 */
export function budgetOf(budget: BundleBudget, fn: string): { bytes: number; computed: boolean } {
  const recorded = budget.functions[fn];
  if (recorded !== undefined) return { bytes: recorded, computed: false };
  return { bytes: Math.max(...Object.values(budget.functions)), computed: true };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rebaseline-budget-'));
  try {
    const { zips } = await packageService(dir);
    writeFileSync(BUDGET_FILE, `${JSON.stringify(budgetFor(zips), null, 2)}\n`);
    for (const [fn, bytes] of Object.entries(zips)) process.stdout.write(`${fn}\t${bytes}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module)
  main().catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
