import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { assumeRole } from '../../shared/aws/assume-role';
import { AwsClients } from '../../shared/aws/clients';
import type { AnyRule } from '../../shared/rule';
import { recordRemediate, recordScan } from '../history/record';
import { writeReport } from '../history/report';
import { HistoryStore } from '../history/store';
import { startMoto } from '../moto';
import { type RemediateResult, type RemediationEntry, remediateAccount } from '../remediate';
import { type ScanResult, scanAccount, summarise } from '../scan';
import { makeInsecureAccount } from './scenario';

/** The account moto answers for by default, and the member account reached through AssumeRole. */
export const DEMO_ACCOUNTS = { security: '123456789012', member: '210987654321' } as const;
export const DEMO_REGION = 'us-east-1';

/** Rules the emulator cannot evaluate honestly: moto's credential report has no `<root_account>` row. */
export const NEEDS_REAL_ACCOUNT: Record<string, string> = {
  'iam-root-access-keys-absent':
    "iam-root-access-keys-absent needs a real account (the emulator's credential report has no root row); see it on a recorded report with: rebaseline evaluate --rule iam-root-access-keys-absent --event examples/scheduled.event.json --context examples/root-keys.context.json",
};

export interface DemoAccountResult {
  accountId: string;
  before: ScanResult;
  remediation: RemediateResult;
}

export interface DemoResult {
  endpoint: string;
  /** PID the emulator had; it is stopped when the demo returns. */
  emulatorPid: number;
  accounts: DemoAccountResult[];
  notes: string[];
  historyDb: string;
  reportPath: string;
  durationMs: number;
}

export interface DemoOptions {
  rules: readonly AnyRule[];
  remediations: readonly RemediationEntry[];
  /** History database (default: a fresh file under `outDir`, so the demo never mixes with real history). */
  db?: string;
  /** Where the HTML report and the demo database go (default `./rebaseline-demo`). */
  outDir?: string;
  log?: (line: string) => void;
}

/**
 * The project's main job, end to end, on the embedded emulator: start moto_server, make two accounts insecure (the
 * second reached through AssumeRole, as a central security account reaches a member), scan, remediate through the
 * SSM documents with the local runner, re-scan, record everything in the history store, write the report, stop.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const outDir = options.outDir ?? join(process.cwd(), 'rebaseline-demo');
  mkdirSync(outDir, { recursive: true });
  const dbPath = options.db ?? join(outDir, `history-${new Date().toISOString().replace(/[:.]/g, '-')}.db`);
  const rules = options.rules.filter((r) => !(r.meta.id in NEEDS_REAL_ACCOUNT));
  const notes = options.rules
    .filter((r) => r.meta.id in NEEDS_REAL_ACCOUNT)
    .map((r) => NEEDS_REAL_ACCOUNT[r.meta.id] as string);

  log('Starting the local AWS emulator (moto_server)…');
  const moto = await startMoto();
  const store = HistoryStore.open(dbPath);
  try {
    const security = new AwsClients({
      region: DEMO_REGION,
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
    });
    const member = await assumeRole(
      security,
      `arn:aws:iam::${DEMO_ACCOUNTS.member}:role/rebaseline-execution`,
      'rebaseline-demo',
    );
    const accounts: DemoAccountResult[] = [];
    for (const [accountId, clients] of [
      [DEMO_ACCOUNTS.security, security],
      [DEMO_ACCOUNTS.member, member],
    ] as const) {
      log(
        `Account ${accountId}: making it insecure (world-open SSH/RDP, ::/0, public buckets, no account BPA, stopped trail)…`,
      );
      await makeInsecureAccount(clients, accountId);
      log(`Account ${accountId}: scanning…`);
      const before = await scanAccount({ rules, clients });
      recordScan(store, before, { kind: 'demo', args: ['demo', 'scan'] });
      log(`Account ${accountId}: remediating through the SSM documents (local runner, --apply)…`);
      const remediation = await remediateAccount({
        rules,
        remediations: options.remediations,
        clients,
        before,
        apply: true,
        sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 200))),
      });
      recordRemediate(store, remediation, {
        kind: 'demo',
        trigger: 'automatic',
        args: ['demo', 'remediate'],
      });
      accounts.push({ accountId, before, remediation });
    }
    const reportPath = writeReport(store, { format: 'html', out: join(outDir, 'report.html') });
    return {
      endpoint: moto.endpoint,
      emulatorPid: moto.pid,
      accounts,
      notes,
      historyDb: dbPath,
      reportPath,
      durationMs: Date.now() - started,
    };
  } finally {
    store.close();
    await moto.stop();
  }
}

/** Totals over every account of the demo, before and after. */
export function demoTotals(result: DemoResult) {
  const before = summarise(result.accounts.flatMap((a) => a.before.findings));
  const after = summarise(result.accounts.flatMap((a) => a.remediation.after?.findings ?? []));
  return { before, after };
}
