import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { writeReport } from '../../../app/history/report';
import { HistoryStore } from '../../../app/history/store';
import { ACCOUNT_BPA_RULE, BUCKET_RULE, NOW, SG_RULE, seedHistory, TRAIL_RULE } from './seed';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', '..', 'test-artifacts');

/** The part of a table row the tests read (the project compiles without the DOM library). */
type Row = { querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }> };

describe('HTML report in a real browser (Debian chromium)', function () {
  this.timeout(60_000);
  let dir: string;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const requests: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      const bar = '!'.repeat(100);
      process.stderr.write(
        `\n${bar}\n!! SKIPPED: ${CHROMIUM} is missing, so the HTML report was NOT checked in a browser.\n` +
          `!! Install it with: apt-get install -y chromium   (.ci/run does this)\n${bar}\n\n`,
      );
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'rebaseline-report-browser-'));
    const store = HistoryStore.open(join(dir, 'history.db'));
    seedHistory(store);
    const path = writeReport(store, { format: 'html', out: join(dir, 'report.html'), now: NOW });
    store.close();

    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1200, height: 900 },
      colorScheme: 'light',
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
  });

  after(async () => {
    await context?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows compliance by rule with the expected numbers', async () => {
    const rows = await page.$$eval('#compliance-by-rule tbody tr', (trs) =>
      trs.map((tr) =>
        Array.from((tr as unknown as Row).querySelectorAll('th, td')).map((c) => c.textContent?.trim()),
      ),
    );
    expect(rows).to.deep.equal([
      [SG_RULE, '3', '1', '0', '0', '75%'],
      [TRAIL_RULE, '1', '0', '0', '0', '100%'],
      [ACCOUNT_BPA_RULE, '1', '0', '0', '0', '100%'],
      [BUCKET_RULE, '3', '0', '0', '0', '100%'],
    ]);
    expect(await page.locator('#compliance-by-rule caption').isVisible()).to.equal(true);
  });

  it('draws the trend chart with one titled point per sample', async () => {
    const chart = page.locator('#trend-chart');
    expect(await chart.isVisible()).to.equal(true);
    const box = await chart.boundingBox();
    expect(box!.width).to.be.greaterThan(600);
    expect(box!.height).to.be.greaterThan(150);
    const nonCompliant = await page.$$eval('#trend-chart circle.non-compliant', (cs) =>
      cs.map((c) => [c.getAttribute('data-value'), c.querySelector('title')?.textContent]),
    );
    expect(nonCompliant.map(([v]) => Number(v))).to.deep.equal([6, 3, 2, 1, 2, 1]);
    expect(nonCompliant[0]![1]).to.equal('2026-03-02 09:00:00Z: 6 non-compliant');
    const compliant = await page.$$eval('#trend-chart circle.compliant', (cs) =>
      cs.map((c) => Number(c.getAttribute('data-value'))),
    );
    expect(compliant).to.deep.equal([3, 6, 7, 8, 7, 8]);
    // The points sit higher for larger values: the chart is drawn, not just present.
    const ys = await page.$$eval('#trend-chart circle.non-compliant', (cs) =>
      cs.map((c) => c.getBoundingClientRect().y),
    );
    expect(ys[0]).to.be.lessThan(ys[1]!);
    expect(await page.locator('#trend-chart > title').textContent()).to.equal(
      'Resources by latest verdict over time',
    );
  });

  it('compares automatic and manual time to remediate per rule', async () => {
    const bars = await page.$$eval('#ttr-chart rect.bar[data-rule]', (rs) =>
      rs.map((r) => [
        r.getAttribute('data-rule'),
        r.getAttribute('data-kind'),
        Number(r.getAttribute('data-median-ms')),
      ]),
    );
    expect(bars).to.deep.equal([
      [TRAIL_RULE, 'manual', 7_500_000],
      [SG_RULE, 'automatic', 180_000],
      [ACCOUNT_BPA_RULE, 'manual', 86_400_000],
      [BUCKET_RULE, 'automatic', 180_000],
    ]);
    const total = await page.$$eval('#time-to-remediate tfoot tr', ([tr]) =>
      Array.from((tr as unknown as Row).querySelectorAll('th, td')).map((c) => c.textContent?.trim()),
    );
    expect(total).to.deep.equal([
      'All rules',
      '4',
      '3m',
      '3m',
      '3m',
      '2',
      '13h 2m',
      '1d',
      '1d',
      '1',
      '1 (oldest 3d)',
    ]);
  });

  it('lists the open non-compliant resource with its annotation, and the executions with their outcome', async () => {
    const open = await page.$$eval('#open-findings tbody tr', (trs) => trs.map((tr) => tr.textContent));
    expect(open).to.have.length(1);
    expect(open[0]).to.include('sg-mixed').and.include('tcp 22 is open to 0.0.0.0/0 (10.0.0.0/8 is kept).');
    const outcomes = await page.$$eval('#remediation-executions tbody .badge', (bs) =>
      bs.map((b) => b.textContent),
    );
    expect(outcomes).to.deep.equal([
      'Success',
      'Success',
      'Failed',
      'Success',
      'Success',
      'Success',
      'Success (planned)',
    ]);
  });

  it('sorts and filters tables with the keyboard-reachable controls', async () => {
    await page.getByRole('button', { name: 'Compliant', exact: true }).first().click();
    const sorted = await page.$$eval('#compliance-by-rule tbody th', (ths) =>
      ths.map((th) => th.textContent),
    );
    expect(sorted.slice(0, 2)).to.deep.equal([TRAIL_RULE, ACCOUNT_BPA_RULE]);
    expect(await page.locator('#compliance-by-rule thead th').nth(1).getAttribute('aria-sort')).to.equal(
      'ascending',
    );

    await page.fill('#open-filter', 'no such resource');
    expect(await page.locator('#open-findings tbody tr:visible').count()).to.equal(0);
    await page.fill('#open-filter', 'sg-mixed');
    expect(await page.locator('#open-findings tbody tr:visible').count()).to.equal(1);
  });

  it('follows the dark colour scheme', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    const background = await page.$eval('body', (body) => {
      const view = globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } };
      return view.getComputedStyle(body).backgroundColor;
    });
    expect(background).to.equal('rgb(13, 17, 23)');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('loads nothing from the network and logs no errors; saves a screenshot', async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.fill('#open-filter', '');
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    expect(existsSync(join(ARTIFACTS, 'report.png'))).to.equal(true);
    expect(requests.filter((url) => !url.startsWith('file:'))).to.deep.equal([]);
    expect(problems).to.deep.equal([]);
  });
});
