import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { catalogOf } from '../../../app/cli/commands/report';
import { buildReport, renderReport, reportCsv } from '../../../app/history/report';
import type { ReportData } from '../../../app/history/report-data';
import { HistoryStore } from '../../../app/history/store';
import { RULES } from '../../../rules';
import { A, B, NOW, SEEDED_RULES, SG_RULE, seedHistory } from './seed';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', '..', 'test-artifacts');

// The page is read through `evaluate` callbacks, which run in the browser; the project compiles without the DOM
// library, so they reach the DOM through this minimal shape.
interface El {
  textContent: string | null;
  tagName: string;
  hidden: boolean;
  open: boolean;
  parentElement: El | null;
  previousElementSibling: El | null;
  scrollWidth: number;
  clientWidth: number;
  getAttribute(name: string): string | null;
  querySelector(selector: string): El | null;
  querySelectorAll(selector: string): ArrayLike<El>;
  getBoundingClientRect(): { width: number; height: number; x: number; y: number };
  getClientRects(): ArrayLike<unknown>;
  getScreenCTM?(): { a: number; d: number } | null;
  closest(selector: string): El | null;
}
interface Win {
  document: El & { documentElement: El; body: El };
  innerWidth: number;
  getComputedStyle(e: El): { color: string; backgroundColor: string; fontSize: string; display: string };
}

/** WCAG 2 contrast ratio of two `rgb(…)` colours (runs in the browser too, so it is self-contained). */
function contrastOf(fg: string, bg: string): number {
  const lum = (rgb: string) => {
    const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x) as [number, number];
  return (a + 0.05) / (b + 0.05);
}

describe('HTML report in a real browser (Debian chromium)', function () {
  this.timeout(120_000);
  let dir: string;
  let path: string;
  let data: ReportData;
  let context: BrowserContext;

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
    // An annotation a spreadsheet would run, with quotes, a comma and a line break: the page's CSV must quote it as
    // the CLI does.
    const run = store.beginRun({ kind: 'scan', account: A, region: 'us-east-1' });
    store.recordEvaluations(run, [
      {
        ruleId: SG_RULE,
        account: A,
        region: 'us-east-1',
        resourceType: 'AWS::EC2::SecurityGroup',
        resourceId: 'sg-web',
        resourceName: 'web <b>"front"</b>',
        verdict: 'COMPLIANT',
        annotation: '=HYPERLINK("http://x"), "exempted"\nby ops',
        evaluatedAt: new Date(NOW.getTime() - 86_400_000),
      },
    ]);
    store.endRun(run, 'succeeded');
    data = buildReport(store, {
      now: NOW,
      catalog: catalogOf(RULES.filter((r) => SEEDED_RULES.includes(r.meta.id))),
    });
    store.close();
    path = join(dir, 'report.html');
    writeFileSync(path, renderReport(data, 'html'));
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      colorScheme: 'light',
    });
  });

  after(async () => {
    await context?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const width of [1280, 390])
    describe(`at ${width} px`, () => {
      let page: Page;
      const problems: string[] = [];
      const requests: string[] = [];

      before(async () => {
        page = await context.newPage();
        await page.setViewportSize({ width, height: 900 });
        page.on('console', (m) => {
          if (m.type() === 'error' || m.type() === 'warning')
            problems.push(`console ${m.type()}: ${m.text()}`);
        });
        page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        page.on('request', (r) => requests.push(r.url()));
        await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
      });
      after(() => page?.close());

      it('shows the summary of what was found and fixed, by severity, framework, account and region', async () => {
        expect(await page.locator('#summary .lead').textContent()).to.match(
          /7 non-compliance findings were found; 6 fixed \(4 by automatic remediation, 1 by a remediation a person ran, 1 out-of-band\), and 1 is open now\./,
        );
        const severities = await page.$$eval('#summary-severity tbody tr', (trs) =>
          trs.map((tr) =>
            Array.from((tr as unknown as El).querySelectorAll('th, td'))
              .slice(0, 4)
              .map((c) => c.textContent?.trim()),
          ),
        );
        expect(severities).to.deep.equal([
          ['Critical', '1', '1', '0'],
          ['High', '6', '5', '1'],
        ]);
        expect(await page.locator('#summary-frameworks tbody tr').count()).to.equal(2);
        expect(await page.locator('#summary-accounts tbody tr').count()).to.equal(2);
      });

      it('lists each control with its status and the resources behind it', async () => {
        const row = page.locator('tr[data-control="cis-aws-foundations-3.0:5.2"]');
        expect(await row.locator('td.status').textContent()).to.equal('Failing');
        await row.locator('details.behind summary').click();
        const resources = await row.locator('details.behind li').allTextContents();
        expect(resources).to.have.length(4);
        expect(resources[0]).to.include('NON COMPLIANT').and.include('sg-mixed');
        expect(await page.locator('tr[data-control="aws-fsbp:IAM.4"] td.status').textContent()).to.equal(
          'Not evaluated',
        );
      });

      it('draws one trend line per account, and keeps chart text at 10 px or more', async () => {
        const accounts = await page.$$eval('.chart-box[data-chart-box=trend] .series', (gs) =>
          gs
            .filter((g) => (g as unknown as El).getBoundingClientRect().width > 0)
            .map((g) => g.getAttribute('data-account')),
        );
        expect(accounts).to.have.members(['111111111111', B]);
        const charts = await page.$$eval('svg.chart', (svgs) =>
          svgs.map((svg) => {
            const s = svg as unknown as El;
            const box = s.getBoundingClientRect();
            const visible = box.width > 0;
            const sizes = Array.from(s.querySelectorAll('text')).map((t) => {
              const view = globalThis as unknown as Win;
              return Number.parseFloat(view.getComputedStyle(t).fontSize) * (t.getScreenCTM?.()?.a ?? 1);
            });
            return {
              chart: s.getAttribute('data-chart'),
              visible,
              width: box.width,
              smallest: Math.min(...sizes),
            };
          }),
        );
        const shown = charts.filter((c) => c.visible);
        // One drawing of each chart is shown, the one that fits.
        expect(shown.map((c) => c.chart).sort()).to.deep.equal(['trend', 'ttr']);
        for (const c of shown) {
          expect(c.smallest, `${c.chart} text`).to.be.at.least(10);
          expect(c.width, `${c.chart} width`).to.be.at.most(width);
        }
      });

      it('does not overflow the page sideways; wide tables scroll in their box, with a visible cue', async () => {
        const overflow = await page.evaluate(() => {
          const w = globalThis as unknown as Win;
          return w.document.documentElement.scrollWidth - w.innerWidth;
        });
        expect(overflow).to.be.at.most(0);
        const wraps = await page.$$eval('.table-wrap', (ws) =>
          ws
            .map((wrap) => wrap as unknown as El)
            .filter((wrap) => wrap.getBoundingClientRect().width > 0)
            .map((wrap) => ({
              table: wrap.querySelector('table')?.getAttribute('id'),
              scrolls: wrap.scrollWidth > wrap.clientWidth + 1,
              cue: wrap.previousElementSibling?.hidden === false,
            })),
        );
        for (const w of wraps) expect(w.cue, `scroll cue of ${w.table}`).to.equal(w.scrolls);
        if (width === 390) expect(wraps.some((w) => w.scrolls)).to.equal(true);
      });

      it('never breaks an id, a region or a time in the middle', async () => {
        const broken = await page.$$eval('table .id, table td .nowrap, table time', (els) =>
          els
            .map((el) => el as unknown as El)
            .filter((el) => el.getBoundingClientRect().width > 0 && !el.querySelector('br'))
            .filter((el) => el.getClientRects().length > 1 || el.getBoundingClientRect().height > 30)
            .map((el) => el.textContent),
        );
        expect(broken).to.deep.equal([]);
      });

      it('drills down from a rule to an account, a resource and its timeline with the remediation’s steps and previous state', async () => {
        await page.locator(`#rule-${SG_RULE} > summary`).click();
        const account = page.locator(`#rule-${SG_RULE} > details.account[data-account="111111111111"]`);
        await account.locator('> summary').click();
        const ssh = account.locator('details.resource', { hasText: 'sg-ssh' });
        await ssh.locator('> summary').click();
        const timeline = ssh.locator('ol.timeline');
        expect(await timeline.isVisible()).to.equal(true);
        const lines = await timeline.locator('> li').allTextContents();
        expect(lines).to.have.length(6);
        expect(lines[0]).to.include('2026-03-02 09:00:00.000Z').and.include('NON COMPLIANT');
        expect(lines[0]).to.include('tcp 22 is open to 0.0.0.0/0.');
        expect(lines[1])
          .to.include('Remediation')
          .and.include('revoke-public-ingress')
          .and.include('automatic');
        await timeline.locator('li.rem summary').first().click();
        const detail = timeline.locator('li.rem .execution').first();
        expect(await detail.isVisible()).to.equal(true);
        expect(await detail.locator('table.steps tbody tr').count()).to.equal(3);
        expect(await detail.textContent())
          .to.include('Previous state recorded')
          .and.include('"CidrIp": "0.0.0.0/0"');
        expect(await ssh.locator('ul.episodes').textContent()).to.include('time to remediate 3m');
      });

      it('opens the drill-down from a link in another table', async () => {
        await page.locator('#open-findings a.reveal').first().click();
        const mixed = page.locator('details.resource', { hasText: 'sg-mixed' });
        expect(await mixed.evaluate((d) => (d as unknown as El).open)).to.equal(true);
        expect(await mixed.locator('ol.timeline').isVisible()).to.equal(true);
      });

      it('sorts tables and filters them', async () => {
        await page
          .locator('#compliance-by-rule thead')
          .getByRole('button', { name: 'Non-compliant', exact: true })
          .click();
        await page
          .locator('#compliance-by-rule thead')
          .getByRole('button', { name: 'Non-compliant', exact: true })
          .click();
        const sorted = await page.$$eval('#compliance-by-rule tbody th a', (as) =>
          as.map((a) => a.textContent),
        );
        expect(sorted[0]).to.equal(SG_RULE);
        expect(await page.locator('#compliance-by-rule thead th').nth(4).getAttribute('aria-sort')).to.equal(
          'descending',
        );
        await page.fill('#open-filter', 'no such resource');
        expect(await page.locator('#open-findings tbody tr:visible').count()).to.equal(0);
        await page.fill('#open-filter', 'sg-mixed');
        expect(await page.locator('#open-findings tbody tr:visible').count()).to.equal(1);
        await page.fill('#open-filter', '');

        await page.check('#non-compliant-only');
        expect(await page.locator('#drilldown details.resource:visible').count()).to.equal(1);
        expect(await page.locator('#resource-count').textContent()).to.equal('1 of 9 resources');
        await page.uncheck('#non-compliant-only');
        await page
          .locator('#compliance-by-account button.show-resources', { hasText: 'Resources' })
          .first()
          .click();
        expect(await page.inputValue('#resource-filter')).to.equal(B);
        expect(await page.locator('#resource-count').textContent()).to.equal('2 of 9 resources');
        await page.fill('#resource-filter', '');
        await page.dispatchEvent('#resource-filter', 'input');
      });

      it('downloads each control’s evidence, the same bytes as the CLI writes', async () => {
        const key = 'cis-aws-foundations-3.0:5.2';
        const row = page.locator(`tr[data-control="${key}"]`);
        for (const [format, expected, name] of [
          ['csv', reportCsv(data, 'evidence', key), 'evidence-cis-aws-foundations-3.0-5.2.csv'],
          ['json', renderReport(data, 'json', { control: key }), 'evidence-cis-aws-foundations-3.0-5.2.json'],
        ] as const) {
          const [download] = await Promise.all([
            page.waitForEvent('download'),
            row.locator(`button[data-format=${format}]`).click(),
          ]);
          expect(download.suggestedFilename()).to.equal(name);
          expect(readFileSync((await download.path())!, 'utf8')).to.equal(expected);
        }
        const [all] = await Promise.all([
          page.waitForEvent('download'),
          page.locator('button[data-evidence="*"]').click(),
        ]);
        expect(readFileSync((await all.path())!, 'utf8')).to.equal(reportCsv(data, 'evidence'));
      });

      it('colours severities and verdicts with WCAG AA contrast, in light and dark', async () => {
        for (const scheme of ['light', 'dark'] as const) {
          await page.emulateMedia({ colorScheme: scheme });
          const badges = await page.$$eval('.sev, .verdict', (els) =>
            els.map((el) => {
              const view = globalThis as unknown as Win;
              const style = view.getComputedStyle(el as unknown as El);
              return { text: el.textContent, fg: style.color, bg: style.backgroundColor };
            }),
          );
          expect(badges.map((b) => b.text)).to.include.members([
            'Critical',
            'High',
            'COMPLIANT',
            'NON COMPLIANT',
          ]);
          for (const b of badges)
            expect(contrastOf(b.fg, b.bg), `${scheme} ${b.text} (${b.fg} on ${b.bg})`).to.be.at.least(4.5);
        }
        await page.emulateMedia({ colorScheme: 'light' });
      });

      it('loads nothing from the network and logs no errors; saves screenshots', async () => {
        mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: join(ARTIFACTS, `report-${width}.png`), fullPage: true });
        expect(requests.filter((url) => !url.startsWith('file:') && !url.startsWith('blob:'))).to.deep.equal(
          [],
        );
        expect(problems).to.deep.equal([]);
      });
    });
});
