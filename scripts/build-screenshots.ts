import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { catalogOf } from '../app/cli/commands/report';
import { runDemo } from '../app/demo/run-demo';
import { REMEDIATIONS } from '../remediations';
import { RULES } from '../rules';

// The README's screenshots, from a real demo report: `npm run build:screenshots` (needs moto_server and Debian's
// chromium, as `npm test` does). Desktop at 1280 px, phone at 390 px, both the top of the report, light scheme.

const DOCS = join(__dirname, '..', 'docs');
const CHROMIUM = '/usr/bin/chromium';

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rebaseline-screenshots-'));
  try {
    const demo = await runDemo({
      rules: RULES,
      remediations: REMEDIATIONS,
      outDir: dir,
      catalog: catalogOf(RULES),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      colorScheme: 'light',
    });
    try {
      for (const shot of [
        { file: 'report.png', width: 1280, height: 1500 },
        { file: 'report-phone.png', width: 390, height: 1700 },
      ]) {
        const page = await context.newPage();
        await page.setViewportSize({ width: shot.width, height: shot.height });
        await page.goto(pathToFileURL(demo.reportPath).href, { waitUntil: 'load' });
        await page.screenshot({ path: join(DOCS, shot.file) });
        await page.close();
        process.stderr.write(`docs/${shot.file} written.\n`);
      }
    } finally {
      await context.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
});
