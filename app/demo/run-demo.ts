import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assumeRole } from '../../shared/aws/assume-role';
import { AwsClients } from '../../shared/aws/clients';
import { SnapshotReader } from '../../shared/collectors/snapshot-reader';
import { parseConfigRuleEvent } from '../../shared/config/event';
import { type Evaluation, evaluateModels } from '../../shared/engine';
import { ruleParameters } from '../../shared/params';
import type { AnyRule, Scope } from '../../shared/rule';
import { recordRemediate, recordScan } from '../history/record';
import { writeReport } from '../history/report';
import type { RuleCatalogEntry } from '../history/report-data';
import { HistoryStore } from '../history/store';
import { startMoto } from '../moto';
import { ensureIgnoredDir } from '../output-dir';
import { type RemediateResult, type RemediationEntry, remediateAccount } from '../remediate';
import { type ScanResult, scanAccount, summarise } from '../scan';
import { makeInsecureAccount } from './scenario';

/** The account moto answers for by default, and the member account reached through AssumeRole. */
export const DEMO_ACCOUNTS = { security: '123456789012', member: '210987654321' } as const;
export const DEMO_REGION = 'us-east-1';

export const ROOT_KEY_RULE = 'iam-root-access-keys-absent';

/** The recorded credential report the demo evaluates the root-key rule on (see examples/PROVENANCE.md). */
export const RECORDED_ROOT_KEYS = {
  event: join(__dirname, '..', '..', 'examples', 'scheduled.event.json'),
  context: join(__dirname, '..', '..', 'examples', 'root-keys.context.json'),
  command:
    'rebaseline evaluate --rule iam-root-access-keys-absent --event examples/scheduled.event.json --context examples/root-keys.context.json',
};

/**
 * What the emulator can and cannot show of the root-key rule, said the same way in the demo, the docs and the
 * README: it answers GetAccountSummary (no root keys, so COMPLIANT, which is also the answer on a real account
 * without root keys), but it cannot create root access keys and its credential report has no `<root_account>` row.
 */
export const ROOT_KEYS_ON_THE_EMULATOR =
  'iam-root-access-keys-absent on the emulator: its account summary reports no root access keys (AccountAccessKeysPresent 0), so the rule reports COMPLIANT, as it would on a real account without root keys; the emulator cannot create root access keys and its credential report has no <root_account> row, so the NON_COMPLIANT path is shown on a recorded credential report instead, and its remediation (remove-root-access-keys, sts:AssumeRoot from the management account) is tested against recorded responses.';

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
  /** The root-key rule's NON_COMPLIANT path on the recorded credential report (the emulator cannot show it). */
  recordedRootKeys: { command: string; evaluations: Evaluation[] };
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
  /** Where the HTML report and the demo database go (default `./rebaseline-demo`, git-ignored by its own .gitignore). */
  outDir?: string;
  /** Rule metadata for the report (severity, controls); default: the rules'. */
  catalog?: readonly RuleCatalogEntry[];
  log?: (line: string) => void;
}

/** Evaluates the root-key rule offline on the recorded credential report: the path the emulator cannot produce. */
export async function recordedRootKeyEvaluations(rule: AnyRule): Promise<Evaluation[]> {
  const event = parseConfigRuleEvent(JSON.parse(readFileSync(RECORDED_ROOT_KEYS.event, 'utf8')));
  const snapshot = JSON.parse(readFileSync(RECORDED_ROOT_KEYS.context, 'utf8'));
  const scope: Scope = {
    accountId: event.accountId,
    region: DEMO_REGION,
    partition: 'aws',
    now: new Date(snapshot.now),
  };
  const reader = new SnapshotReader(snapshot, scope.accountId, scope.region);
  const params = ruleParameters(rule, event.ruleParameters);
  const items = (await rule.collect?.(reader, scope, params)) ?? [];
  const outcome = await evaluateModels(rule, items, params, reader, scope, scope.now);
  return outcome.evaluations;
}

/**
 * Makes the emulator's accounts insecure, the way accounts drift (the demo's scenario), for a person who wants to
 * run `scan` and `remediate` against the emulator themselves.
 * @example
 * await seedEmulator('http://127.0.0.1:5000'); // then: rebaseline scan --endpoint-url http://127.0.0.1:5000
 */
export async function seedEmulator(endpoint: string, log: (line: string) => void = () => undefined) {
  const security = new AwsClients({
    region: DEMO_REGION,
    endpoint,
    credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
  });
  const member = await assumeRole(
    security,
    `arn:aws:iam::${DEMO_ACCOUNTS.member}:role/rebaseline-execution`,
    'rebaseline-demo',
  );
  const seeded = [];
  for (const [accountId, clients, guardDuty] of [
    [DEMO_ACCOUNTS.security, security, 'default-frequency'],
    [DEMO_ACCOUNTS.member, member, 'never-enabled'],
  ] as const) {
    log(
      `Account ${accountId}: making it insecure (world-open SSH/RDP, ::/0, public buckets, no account BPA, stopped trail, GuardDuty ${guardDuty === 'never-enabled' ? 'off' : 'publishing every six hours'}, VPCs without flow logs)…`,
    );
    seeded.push({ accountId, clients, insecure: await makeInsecureAccount(clients, accountId, guardDuty) });
  }
  return seeded;
}

/**
 * The project's main job, end to end, on the embedded emulator: start moto_server, make two accounts insecure (the
 * second reached through AssumeRole, as a central security account reaches a member), scan, remediate through the
 * SSM documents with the local runner as a person would (`remediate --apply`: recorded as manual), re-scan, record
 * everything in the history store, show the root-key rule's NON_COMPLIANT path on a recorded credential report,
 * write the report, stop.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const outDir = options.outDir ?? join(process.cwd(), 'rebaseline-demo');
  ensureIgnoredDir(outDir);
  const dbPath = options.db ?? join(outDir, `history-${new Date().toISOString().replace(/[:.]/g, '-')}.db`);
  const rootKeyRule = options.rules.find((r) => r.meta.id === ROOT_KEY_RULE);

  log('Starting the local AWS emulator (moto_server)…');
  const moto = await startMoto();
  const store = HistoryStore.open(dbPath);
  try {
    const accounts: DemoAccountResult[] = [];
    for (const { accountId, clients, insecure } of await seedEmulator(moto.endpoint, log)) {
      log(`Account ${accountId}: scanning…`);
      const before = await scanAccount({ rules: options.rules, clients });
      recordScan(store, before, { kind: 'demo', args: ['demo', 'scan'] });
      log(
        `Account ${accountId}: remediating through the SSM documents (local runner, as remediate --apply)…`,
      );
      const remediation = await remediateAccount({
        rules: options.rules,
        remediations: options.remediations,
        clients,
        before,
        // As the deployed stack's stage parameter would: the bucket the account keeps its flow logs in.
        stageParameters: { flowLogBucketName: insecure.flowLogBucket },
        apply: true,
        sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 200))),
      });
      // A person started these (the demo's `--apply`), not AWS Config: they are manual remediations.
      recordRemediate(store, remediation, { kind: 'demo', trigger: 'manual', args: ['demo', 'remediate'] });
      accounts.push({ accountId, before, remediation });
    }
    const reportPath = writeReport(store, {
      format: 'html',
      out: join(outDir, 'report.html'),
      title: 'rebaseline compliance report (demo)',
      catalog:
        options.catalog ??
        options.rules.map((r) => ({
          id: r.meta.id,
          title: r.meta.title,
          severity: r.meta.severity,
          controls: r.meta.controls,
          remediation: r.meta.remediation,
        })),
    });
    return {
      endpoint: moto.endpoint,
      emulatorPid: moto.pid,
      accounts,
      recordedRootKeys: {
        command: RECORDED_ROOT_KEYS.command,
        evaluations: rootKeyRule ? await recordedRootKeyEvaluations(rootKeyRule) : [],
      },
      notes: rootKeyRule ? [ROOT_KEYS_ON_THE_EMULATOR] : [],
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
