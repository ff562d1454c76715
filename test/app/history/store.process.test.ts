import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import {
  type EvaluationInput,
  evaluationRows,
  HistoryStore,
  MIGRATIONS,
  migrate,
  REDACTED,
  type RemediationInput,
  redactSecrets,
  resolveDbPath,
  SCHEMA_VERSION,
} from '../../../app/history/store';
import { parseAutomationDocument } from '../../../app/ssm/document';
import { runAutomation } from '../../../app/ssm/runner';
import { AwsClients } from '../../../shared/aws/clients';
import { HistoryStoreError } from '../../../shared/errors';

const ROOT = join(__dirname, '..', '..', '..');
const WRITER = join(__dirname, 'writer-process.ts');

// The schema as version 1 of rebaseline created it. Migrations are append-only: this copy must never change, and
// the first migration must stay equal to it (a file created by version 1 has exactly this schema).
const V1_SQL = `
CREATE TABLE schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('scan', 'remediate', 'import', 'demo')),
  account TEXT,
  region TEXT,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
  tool_version TEXT NOT NULL,
  args TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE evaluations (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  rule_id TEXT NOT NULL,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  verdict TEXT NOT NULL CHECK (verdict IN ('COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA')),
  annotation TEXT,
  evaluated_at TEXT NOT NULL
);
CREATE INDEX evaluations_by_resource
  ON evaluations (rule_id, account, region, resource_type, resource_id, evaluated_at);
CREATE TABLE remediation_executions (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  execution_id TEXT NOT NULL,
  remediation_id TEXT,
  document_name TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  parameters TEXT NOT NULL DEFAULT '{}',
  dry_run INTEGER NOT NULL CHECK (dry_run IN (0, 1)),
  status TEXT NOT NULL,
  steps TEXT NOT NULL DEFAULT '[]',
  outputs TEXT,
  plan TEXT,
  previous_state TEXT,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  error TEXT
);
`;

const SG = 'ec2-security-group-no-public-ingress';

function row(resourceId: string, overrides: Partial<EvaluationInput> = {}): EvaluationInput {
  return {
    ruleId: SG,
    account: '123456789012',
    region: 'us-east-1',
    resourceType: 'AWS::EC2::SecurityGroup',
    resourceId,
    verdict: 'NON_COMPLIANT',
    annotation: 'tcp 22 is open to 0.0.0.0/0.',
    evaluatedAt: '2026-03-02T09:00:00Z',
    ...overrides,
  };
}

function remediation(resourceId: string, overrides: Partial<RemediationInput> = {}): RemediationInput {
  return {
    executionId: `exec-${resourceId}`,
    documentName: 'rebaseline-revoke-public-ingress',
    remediationId: 'revoke-public-ingress',
    status: 'Success',
    dryRun: false,
    parameters: { GroupId: resourceId },
    steps: [
      {
        name: 'Revoke',
        action: 'aws:executeAwsApi',
        status: 'Success',
        attempts: 1,
        startedAt: '2026-03-02T09:01:00Z',
        endedAt: '2026-03-02T09:01:02Z',
        outputs: { Revoked: 1 },
      },
    ],
    outputs: { PreviousState: '[{"IpProtocol":"tcp"}]' },
    startedAt: '2026-03-02T09:01:00Z',
    endedAt: '2026-03-02T09:01:03Z',
    ruleId: SG,
    resourceType: 'AWS::EC2::SecurityGroup',
    resourceId,
    trigger: 'manual',
    previousState: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    ...overrides,
  };
}

/** Starts the writer child process (node -r tsx/cjs, as the CLI runs). */
function writer(db: string, tag: string, batches: number, rows: number): ChildProcess {
  return spawn(process.execPath, ['-r', 'tsx/cjs', WRITER, db, tag, String(batches), String(rows)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('history store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rebaseline-history-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('migrations', () => {
    it('keeps the first migration equal to the schema version 1 shipped', () => {
      expect(MIGRATIONS[0]!.sql).to.equal(V1_SQL);
      expect(MIGRATIONS.map((m) => m.version)).to.deep.equal(MIGRATIONS.map((_, i) => i + 1));
    });

    it('creates the latest schema in an empty file, in WAL mode with foreign keys on', () => {
      const path = join(dir, 'nested', 'history.db');
      const store = HistoryStore.open(path);
      store.close();

      const db = new Database(path, { readonly: true });
      expect(db.pragma('user_version', { simple: true })).to.equal(SCHEMA_VERSION);
      expect(db.pragma('journal_mode', { simple: true })).to.equal('wal');
      const applied = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
      expect(applied).to.deep.equal(MIGRATIONS.map((m) => ({ version: m.version, name: m.name })));
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .all()
        .map((r) => (r as { name: string }).name);
      expect(tables).to.include.members([
        'runs',
        'evaluations',
        'remediation_executions',
        'schema_migrations',
      ]);
      const triggerColumn = db
        .prepare("SELECT name FROM pragma_table_info('remediation_executions') WHERE name = 'trigger'")
        .get();
      expect(triggerColumn).to.deep.equal({ name: 'trigger' });
      db.close();
      const reopened = HistoryStore.open(path);
      expect(reopened.db.pragma('foreign_keys', { simple: true })).to.equal(1);
      reopened.close();
    });

    it('migrates a version 1 file to the latest version and keeps its data', () => {
      // Prepare: a file exactly as version 1 left it, with a run, an evaluation and a remediation.
      const path = join(dir, 'v1.db');
      const v1 = new Database(path);
      v1.pragma('journal_mode = WAL');
      v1.exec(V1_SQL);
      v1.prepare(
        "INSERT INTO schema_migrations VALUES (1, 'base tables: runs, evaluations, remediation executions', '2026-01-01T00:00:00.000Z')",
      ).run();
      v1.pragma('user_version = 1');
      v1.prepare(
        "INSERT INTO runs (id, kind, account, region, started_at, ended_at, status, tool_version, args) VALUES (7, 'remediate', '123456789012', 'us-east-1', '2026-01-02T10:00:00.000Z', '2026-01-02T10:01:00.000Z', 'succeeded', '0.0.9', '[\"remediate\",\"--apply\"]')",
      ).run();
      v1.prepare(
        "INSERT INTO evaluations (run_id, rule_id, account, region, resource_type, resource_id, verdict, annotation, evaluated_at) VALUES (7, ?, '123456789012', 'us-east-1', 'AWS::EC2::SecurityGroup', 'sg-1', 'NON_COMPLIANT', 'tcp 22 is open to 0.0.0.0/0.', '2026-01-02T10:00:00.000Z')",
      ).run(SG);
      v1.prepare(
        "INSERT INTO remediation_executions (run_id, execution_id, remediation_id, document_name, rule_id, account, region, resource_type, resource_id, parameters, dry_run, status, steps, previous_state, started_at, ended_at) VALUES (7, 'exec-1', 'revoke-public-ingress', 'rebaseline-revoke-public-ingress', ?, '123456789012', 'us-east-1', 'AWS::EC2::SecurityGroup', 'sg-1', '{\"GroupId\":\"sg-1\"}', 0, 'Success', '[{\"name\":\"Revoke\",\"action\":\"aws:executeAwsApi\",\"status\":\"Success\"}]', '{\"removed\":1}', '2026-01-02T10:00:30.000Z', '2026-01-02T10:00:40.000Z')",
      ).run(SG);
      v1.close();

      // Act
      const store = HistoryStore.open(path);

      // Assess: migrated, nothing lost, the new columns have their documented defaults.
      expect(store.schemaVersion()).to.equal(SCHEMA_VERSION);
      expect(
        store.db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all(),
      ).to.deep.equal(MIGRATIONS.map((m) => m.version));
      const [run] = store.runs();
      expect(run).to.include({
        id: 7,
        kind: 'remediate',
        source: 'local',
        status: 'succeeded',
        toolVersion: '0.0.9',
      });
      expect(run!.args).to.deep.equal(['remediate', '--apply']);
      expect(store.evaluations()).to.have.length(1);
      expect(store.evaluations()[0]).to.include({
        resourceId: 'sg-1',
        verdict: 'NON_COMPLIANT',
        externalId: null,
      });
      const [x] = store.remediations();
      expect(x).to.include({ executionId: 'exec-1', trigger: 'manual', dryRun: false, status: 'Success' });
      expect(x!.previousState).to.deep.equal({ removed: 1 });
      expect(x!.steps[0]).to.include({ name: 'Revoke' });

      // The migrated file takes new writes, including the columns version 2 added.
      const runId = store.beginRun({ kind: 'import', source: 'aws-config' });
      store.recordRemediation(
        runId,
        remediation('sg-1', { account: '123456789012', region: 'us-east-1', trigger: 'automatic' }),
      );
      expect(store.remediations().map((r) => r.trigger)).to.deep.equal(['manual', 'automatic']);
      expect(store.integrityCheck()).to.deep.equal(['ok']);
      store.close();
    });

    it('refuses a file from a newer rebaseline', () => {
      const path = join(dir, 'future.db');
      HistoryStore.open(path).close();
      const db = new Database(path);
      db.pragma('user_version = 99');
      db.close();
      expect(() => HistoryStore.open(path)).to.throw(HistoryStoreError, /schema version 99, newer/);
    });

    it('says which file is not a database', () => {
      const path = join(dir, 'not-a-db.db');
      writeFileSync(
        path,
        'this is a text file, not SQLite, and long enough to have a header of sorts.\n'.repeat(20),
      );
      expect(() => HistoryStore.open(path)).to.throw(HistoryStoreError, /not-a-db\.db/);
    });
  });

  describe('writes', () => {
    let store: HistoryStore;
    beforeEach(() => {
      store = HistoryStore.open(join(dir, 'history.db'));
    });
    afterEach(() => store.close());

    it('records a run with its evaluations and remediation as given', () => {
      const runId = store.beginRun({
        kind: 'remediate',
        account: '123456789012',
        region: 'us-east-1',
        args: ['remediate', '--apply'],
      });
      expect(
        store.recordEvaluations(runId, [
          row('sg-1'),
          row('sg-2', { verdict: 'COMPLIANT', annotation: undefined }),
        ]),
      ).to.deep.equal({
        inserted: 2,
        skipped: 0,
      });
      const id = store.recordRemediation(runId, remediation('sg-1'));
      store.endRun(runId, 'succeeded', { remediated: 1 });

      const [run] = store.runs();
      expect(run).to.include({ id: runId, kind: 'remediate', status: 'succeeded', account: '123456789012' });
      expect(run!.summary).to.deep.equal({ remediated: 1 });
      expect(run!.endedAt).to.be.a('string');
      expect(
        store.evaluations().map((e) => [e.resourceId, e.verdict, e.annotation, e.evaluatedAt]),
      ).to.deep.equal([
        ['sg-1', 'NON_COMPLIANT', 'tcp 22 is open to 0.0.0.0/0.', '2026-03-02T09:00:00.000Z'],
        ['sg-2', 'COMPLIANT', null, '2026-03-02T09:00:00.000Z'],
      ]);
      const [x] = store.remediations();
      expect(x).to.include({
        id,
        executionId: 'exec-sg-1',
        account: '123456789012',
        region: 'us-east-1',
        trigger: 'manual',
        startedAt: '2026-03-02T09:01:00.000Z',
        endedAt: '2026-03-02T09:01:03.000Z',
      });
      expect(x!.steps).to.deep.equal([
        {
          name: 'Revoke',
          action: 'aws:executeAwsApi',
          status: 'Success',
          attempts: 1,
          startedAt: '2026-03-02T09:01:00.000Z',
          endedAt: '2026-03-02T09:01:02.000Z',
          outputs: { Revoked: 1 },
          failureMessage: null,
        },
      ]);
      expect(x!.previousState).to.deep.equal(remediation('sg-1').previousState);
      expect(x!.parameters).to.deep.equal({ GroupId: 'sg-1' });
    });

    it('records the local runner’s execution result as it comes', async () => {
      // A document the runner executes without AWS: one sleep step.
      const doc = parseAutomationDocument(
        [
          "schemaVersion: '0.3'",
          'description: Waits.',
          'parameters:',
          '  GroupId:',
          '    type: String',
          'mainSteps:',
          '  - name: Pause',
          '    action: aws:sleep',
          '    inputs:',
          '      Duration: PT1S',
        ].join('\n'),
        'pause',
        { rebaselineChecks: false },
      );
      const execution = await runAutomation(doc, {
        aws: new AwsClients({ region: 'us-east-1' }),
        parameters: { GroupId: 'sg-1' },
        sleep: async () => {},
      });
      const runId = store.beginRun({ kind: 'remediate', account: '123456789012', region: 'us-east-1' });

      store.recordRemediation(runId, {
        ...execution,
        ruleId: SG,
        resourceType: 'AWS::EC2::SecurityGroup',
        resourceId: 'sg-1',
        trigger: 'manual',
      });

      const [x] = store.remediations();
      expect(x).to.include({
        executionId: execution.executionId,
        documentName: 'pause',
        status: 'Success',
        dryRun: false,
        startedAt: execution.startedAt,
      });
      expect(x!.parameters).to.deep.equal({ GroupId: 'sg-1' });
      expect(x!.steps.map((step) => [step.name, step.action, step.status, step.attempts])).to.deep.equal([
        ['Pause', 'aws:sleep', 'Success', 1],
      ]);
    });

    it('converts the engine’s evaluations', () => {
      const rows = evaluationRows(SG, '123456789012', 'eu-west-1', [
        {
          complianceResourceType: 'AWS::EC2::SecurityGroup',
          complianceResourceId: 'sg-9',
          complianceType: 'NON_COMPLIANT',
          annotation: 'tcp 3389 is open to ::/0.',
          orderingTimestamp: new Date('2026-03-02T09:00:00Z'),
        },
      ]);
      expect(rows).to.deep.equal([
        {
          ruleId: SG,
          account: '123456789012',
          region: 'eu-west-1',
          resourceType: 'AWS::EC2::SecurityGroup',
          resourceId: 'sg-9',
          verdict: 'NON_COMPLIANT',
          annotation: 'tcp 3389 is open to ::/0.',
          evaluatedAt: new Date('2026-03-02T09:00:00Z'),
        },
      ]);
    });

    it('writes a batch of evaluations entirely or not at all', () => {
      const runId = store.beginRun({ kind: 'scan' });
      const batch = [row('sg-1'), row('sg-2'), row('sg-3', { evaluatedAt: 'not a date' }), row('sg-4')];
      expect(() => store.recordEvaluations(runId, batch)).to.throw(
        HistoryStoreError,
        /evaluations\[2\]\.evaluatedAt/,
      );
      expect(store.evaluations()).to.deep.equal([]);

      const badVerdict = [row('sg-1'), row('sg-2', { verdict: 'PASSED' as never })];
      expect(() => store.recordEvaluations(runId, badVerdict)).to.throw(
        HistoryStoreError,
        /verdict "PASSED"/,
      );
      expect(store.evaluations()).to.deep.equal([]);
    });

    it('writes a batch of remediations entirely or not at all', () => {
      const runId = store.beginRun({ kind: 'remediate', account: '123456789012', region: 'us-east-1' });
      const batch = [remediation('sg-1'), remediation('sg-2', { startedAt: 'yesterday-ish' })];
      expect(() => store.recordRemediations(runId, batch)).to.throw(
        HistoryStoreError,
        /remediations\[1\]\.startedAt/,
      );
      expect(store.remediations()).to.deep.equal([]);
    });

    it('rejects records of a run that does not exist, and remediations with nowhere to place them', () => {
      expect(() => store.recordEvaluations(404, [row('sg-1')])).to.throw(HistoryStoreError, /FOREIGN KEY/);
      expect(() => store.endRun(404, 'failed')).to.throw(HistoryStoreError, /No run 404/);
      const runId = store.beginRun({ kind: 'remediate' });
      expect(() => store.recordRemediation(runId, remediation('sg-1'))).to.throw(
        HistoryStoreError,
        /no account\/region/,
      );
      expect(store.evaluations()).to.deep.equal([]);
      expect(store.remediations()).to.deep.equal([]);
    });

    it('skips evaluations already imported and updates remediations that finished since', () => {
      const runId = store.beginRun({
        kind: 'import',
        source: 'aws-config',
        account: '123456789012',
        region: 'us-east-1',
      });
      const imported = [row('sg-1', { externalId: 'e-1' }), row('sg-2', { externalId: 'e-2' })];
      expect(store.recordEvaluations(runId, imported)).to.deep.equal({ inserted: 2, skipped: 0 });
      expect(store.recordEvaluations(runId, [...imported, row('sg-3', { externalId: 'e-3' })])).to.deep.equal(
        {
          inserted: 1,
          skipped: 2,
        },
      );
      const running = remediation('sg-1', { externalId: 'r-1', status: 'InProgress', endedAt: undefined });
      expect(store.recordRemediations(runId, [running])).to.include({ inserted: 1, updated: 0 });
      const done = remediation('sg-1', { externalId: 'r-1', status: 'Success' });
      expect(store.recordRemediations(runId, [done])).to.include({ inserted: 0, updated: 1 });

      expect(store.evaluations().map((e) => e.resourceId)).to.deep.equal(['sg-1', 'sg-2', 'sg-3']);
      const all = store.remediations();
      expect(all).to.have.length(1);
      expect(all[0]).to.include({ status: 'Success', endedAt: '2026-03-02T09:01:03.000Z' });
    });

    it('ends a run as failed when the work inside it throws', async () => {
      const failing = store.withRun({ kind: 'scan' }, async () => {
        throw new Error('AccessDenied');
      });
      let caught: unknown;
      await failing.catch((error) => {
        caught = error;
      });
      expect((caught as Error).message).to.equal('AccessDenied');
      const [run] = store.runs();
      expect(run).to.include({ status: 'failed' });
      expect(run!.summary).to.deep.equal({ error: 'AccessDenied' });
    });

    it('filters evaluations by rule, resource, resource type, account and time', () => {
      const runId = store.beginRun({ kind: 'scan' });
      store.recordEvaluations(runId, [
        row('sg-1', { evaluatedAt: '2026-03-01T00:00:00Z' }),
        row('sg-2', { evaluatedAt: '2026-03-03T00:00:00Z', account: '210987654321' }),
        row('bucket-1', {
          ruleId: 's3-bucket-no-public-access',
          resourceType: 'AWS::S3::Bucket',
          evaluatedAt: '2026-03-04T00:00:00Z',
        }),
      ]);
      const ids = (filter: Parameters<HistoryStore['evaluations']>[0]) =>
        store.evaluations(filter).map((e) => e.resourceId);
      expect(ids({ ruleId: SG })).to.deep.equal(['sg-1', 'sg-2']);
      expect(ids({ resource: 'sg-2' })).to.deep.equal(['sg-2']);
      expect(ids({ resource: 'AWS::S3::Bucket' })).to.deep.equal(['bucket-1']);
      expect(ids({ account: '210987654321' })).to.deep.equal(['sg-2']);
      expect(
        ids({ since: new Date('2026-03-02T00:00:00Z'), until: new Date('2026-03-04T00:00:00Z') }),
      ).to.deep.equal(['sg-2']);
    });
  });

  describe('runs that never ended', () => {
    /** The id of a process that has exited (so no process has it, barring reuse in the next instants). */
    const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid as number;

    it('are marked interrupted on the next open when their process is gone, with in-progress remediations cancelled', () => {
      // Prepare: a run of a process that died during a remediation, one of this (live) process, one of another host.
      const path = join(dir, 'owners.db');
      const store = HistoryStore.open(path);
      const dead = store.beginRun({
        kind: 'remediate',
        account: '123456789012',
        region: 'us-east-1',
        startedAt: '2026-03-02T08:59:00Z',
      });
      store.recordEvaluations(dead, [row('sg-1', { evaluatedAt: '2026-03-02T09:00:00Z' })]);
      const row1 = store.startRemediation(dead, {
        documentName: 'revoke-public-ingress',
        ruleId: SG,
        resourceType: 'AWS::EC2::SecurityGroup',
        resourceId: 'sg-1',
        parameters: { GroupId: 'sg-1' },
        dryRun: false,
        trigger: 'manual',
        executionId: 'exec-1',
        startedAt: '2026-03-02T09:00:05Z',
      });
      store.db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(deadPid(), dead);
      const live = store.beginRun({ kind: 'scan' });
      const remote = store.beginRun({ kind: 'scan' });
      store.db.prepare("UPDATE runs SET pid = 1, host = 'another-host' WHERE id = ?").run(remote);
      store.close();

      // Act
      const reopened = HistoryStore.open(path);

      // Assess
      const status = new Map(reopened.runs().map((r) => [r.id, r]));
      expect(status.get(dead)).to.include({ status: 'interrupted', endedAt: '2026-03-02T09:00:05.000Z' });
      expect(status.get(live)).to.include({ status: 'running', pid: process.pid, host: hostname() });
      expect(status.get(remote)).to.include({ status: 'running' });
      const [rem] = reopened.remediations();
      expect(rem).to.include({ id: row1, status: 'Cancelled', outcome: 'interrupted' });
      expect(rem?.error).to.match(/may or may not have been applied/);
      reopened.close();
    });

    it('marks a run interrupted by a signal itself, cancelling its remediation in progress', () => {
      const store = HistoryStore.open(':memory:');
      const runId = store.beginRun({ kind: 'remediate', account: '123456789012', region: 'us-east-1' });
      store.startRemediation(runId, {
        documentName: 'revoke-public-ingress',
        ruleId: SG,
        resourceType: 'AWS::EC2::SecurityGroup',
        resourceId: 'sg-1',
        parameters: {},
        dryRun: false,
        trigger: 'manual',
      });
      store.interruptRun(runId, 'Stopped by SIGTERM.');
      expect(store.runs()[0]).to.include({ status: 'interrupted' });
      expect(store.runs()[0]?.summary).to.deep.equal({ interrupted: 'Stopped by SIGTERM.' });
      expect(store.remediations()[0]).to.include({ status: 'Cancelled', outcome: 'interrupted' });
      store.close();
    });

    it('finishes a remediation started before the change with what happened', () => {
      const store = HistoryStore.open(':memory:');
      const runId = store.beginRun({ kind: 'remediate', account: '123456789012', region: 'us-east-1' });
      const id = store.startRemediation(runId, {
        documentName: 'revoke-public-ingress',
        ruleId: SG,
        resourceType: 'AWS::EC2::SecurityGroup',
        resourceId: 'sg-1',
        parameters: { GroupId: 'sg-1' },
        dryRun: false,
        trigger: 'manual',
        executionId: 'local-1',
      });
      expect(store.remediations()[0]).to.include({ status: 'InProgress', outcome: 'in-progress' });
      store.finishRemediation(id, {
        execution: remediation('sg-1'),
        outcome: 'remediated',
        message: 'Verified COMPLIANT.',
      });
      expect(store.remediations()[0]).to.include({
        id,
        executionId: 'exec-sg-1',
        status: 'Success',
        outcome: 'remediated',
        message: 'Verified COMPLIANT.',
        endedAt: '2026-03-02T09:01:03.000Z',
      });
      store.close();
    });

    it('migration 3 marks runs left running by an older rebaseline as interrupted', () => {
      const path = join(dir, 'v2.db');
      const v2 = new Database(path);
      migrate(v2, 2);
      v2.prepare(
        "INSERT INTO runs (kind, started_at, status, tool_version) VALUES ('scan', '2026-01-01T00:00:00.000Z', 'running', '0.0.9')",
      ).run();
      v2.close();
      const store = HistoryStore.open(path);
      expect(store.runs()[0]).to.include({ status: 'interrupted', pid: null });
      store.close();
    });
  });

  describe('secrets and permissions', () => {
    it('never stores an external id: the option’s value is replaced by a marker, in every form', () => {
      // Prepare
      const path = join(dir, 'secrets.db');
      const store = HistoryStore.open(path);
      const secret = 'ext-7f3a9c2e-do-not-store';
      // Act
      const runId = store.beginRun({
        kind: 'scan',
        account: '123456789012',
        region: 'us-east-1',
        args: [
          'scan',
          '--role-arn',
          'arn:aws:iam::1:role/r',
          '--external-id',
          secret,
          `--external-id=${secret}`,
        ],
      });
      store.recordRemediation(
        runId,
        remediation('sg-1', {
          parameters: { GroupId: 'sg-1', ExternalId: secret },
          steps: [
            {
              name: 'Assume',
              action: 'aws:executeAwsApi',
              status: 'Success',
              inputs: { ExternalId: secret },
            },
          ],
        }),
      );
      store.close();
      // Assess: the marker where the value was, and the value nowhere in the file or its WAL.
      const reopened = HistoryStore.open(path);
      expect(reopened.runs()[0]?.args).to.deep.equal([
        'scan',
        '--role-arn',
        'arn:aws:iam::1:role/r',
        '--external-id',
        REDACTED,
        `--external-id=${REDACTED}`,
      ]);
      expect(reopened.remediations()[0]?.parameters).to.deep.equal({ GroupId: 'sg-1', ExternalId: REDACTED });
      reopened.close();
      for (const file of [path, `${path}-wal`])
        expect(readFileSync(file, { flag: 'a+' }).includes(secret), file).to.equal(false);
    });

    it('redacts secret keys at any depth, and leaves everything else as it is', () => {
      expect(
        redactSecrets({ a: [{ SecretAccessKey: 'x', AccessKeyId: 'AKIA…' }], SessionToken: 't', n: 1 }),
      ).to.deep.equal({
        a: [{ SecretAccessKey: REDACTED, AccessKeyId: 'AKIA…' }],
        SessionToken: REDACTED,
        n: 1,
      });
    });

    it('creates the file and its -wal and -shm readable by their owner only (0600)', () => {
      const path = join(dir, 'private', 'history.db');
      const store = HistoryStore.open(path);
      store.recordEvaluations(store.beginRun({ kind: 'scan' }), [row('sg-1')]);
      for (const file of [path, `${path}-wal`, `${path}-shm`])
        expect((statSync(file).mode & 0o777).toString(8), file).to.equal('600');
      expect((statSync(join(dir, 'private')).mode & 0o777).toString(8)).to.equal('700');
      store.close();
    });

    it('makes a file an older version created world-readable owner-only', () => {
      const path = join(dir, 'old.db');
      HistoryStore.open(path).close();
      chmodSync(path, 0o644);
      HistoryStore.open(path).close();
      expect((statSync(path).mode & 0o777).toString(8)).to.equal('600');
    });
  });

  describe('database path', () => {
    const saved = process.env.REBASELINE_DB;
    afterEach(() => {
      if (saved === undefined) delete process.env.REBASELINE_DB;
      else process.env.REBASELINE_DB = saved;
    });

    it('is --db, else REBASELINE_DB, else ~/.rebaseline/history.db', () => {
      process.env.REBASELINE_DB = '/tmp/from-env.db';
      expect(resolveDbPath('/tmp/from-option.db')).to.equal('/tmp/from-option.db');
      expect(resolveDbPath()).to.equal('/tmp/from-env.db');
      delete process.env.REBASELINE_DB;
      expect(resolveDbPath()).to.equal(join(homedir(), '.rebaseline', 'history.db'));
    });
  });

  describe('crashes and concurrent runs', function () {
    // Child processes start node and tsx afresh.
    this.timeout(60_000);

    it('keeps every committed batch, and only whole batches, when a run is killed mid-write', async () => {
      // Prepare: a run that writes batches of 25 evaluations in a loop.
      const path = join(dir, 'killed.db');
      const child = writer(path, 'killed', 0, 25);
      const committed: number[] = [];
      let buffer = '';
      const enough = new Promise<void>((resolve) => {
        child.stdout!.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          const lines = buffer.split('\n');
          buffer = lines.pop()!;
          for (const line of lines) {
            const m = /^committed (\d+)$/.exec(line);
            if (m) committed.push(Number(m[1]));
          }
          if (committed.length >= 40) resolve();
        });
      });
      const exit = exited(child);

      // Act: kill it while it is writing.
      await enough;
      child.kill('SIGKILL');
      const { signal } = await exit;
      expect(signal).to.equal('SIGKILL');

      // Assess: the file is sound, every batch it reported is there in full, and no batch is there in part.
      const store = HistoryStore.open(path);
      expect(store.integrityCheck()).to.deep.equal(['ok']);
      const perBatch = new Map<number, number>();
      for (const e of store.evaluations()) {
        const batch = Number(e.resourceId.split('-')[1]);
        perBatch.set(batch, (perBatch.get(batch) ?? 0) + 1);
      }
      for (const b of committed) expect(perBatch.get(b), `batch ${b}`).to.equal(25);
      for (const [b, n] of perBatch) expect(n, `batch ${b}`).to.equal(25);
      // The next open sees the writer is gone: the run is interrupted, ended at its last record.
      const [run] = store.runs();
      expect(run).to.include({ status: 'interrupted' });
      const last = store.evaluations().at(-1)?.evaluatedAt;
      expect(run?.endedAt).to.equal(last);
      expect(JSON.stringify(run?.summary)).to.match(/ended without finishing/);
      store.close();
    });

    it('lets two runs write to one file at the same time', async () => {
      const path = join(dir, 'shared.db');
      const first = writer(path, 'first', 200, 20);
      const second = writer(path, 'second', 200, 20);
      const stderr: string[] = [];
      for (const child of [first, second]) child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));

      const results = await Promise.all([exited(first), exited(second)]);

      expect(results, stderr.join('')).to.deep.equal([
        { code: 0, signal: null },
        { code: 0, signal: null },
      ]);
      const store = HistoryStore.open(path);
      expect(store.integrityCheck()).to.deep.equal(['ok']);
      const runs = store.runs();
      expect(runs.map((r) => r.status)).to.deep.equal(['succeeded', 'succeeded']);
      const evaluations = store.evaluations();
      expect(evaluations).to.have.length(2 * 200 * 20);
      for (const tag of ['first', 'second'])
        expect(evaluations.filter((e) => e.resourceId.startsWith(`${tag}-`))).to.have.length(200 * 20);
      store.close();
    });
  });
});
