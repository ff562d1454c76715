import Database from 'better-sqlite3';
import { expect } from 'chai';
import { renderHtmlReport } from '../../../app/history/html';
import { type IncidentInput, statusOf } from '../../../app/history/incidents';
import { buildIncidentsSection, renderIncidentsSection } from '../../../app/history/incidents-report';
import { buildReport } from '../../../app/history/report';
import { HistoryStore, migrate, SCHEMA_VERSION } from '../../../app/history/store';
import { HistoryStoreError } from '../../../shared/errors';

function response(overrides: Partial<IncidentInput> = {}): IncidentInput {
  return {
    findingId: '02be5693b63eea1d67e6f321c6aee4f3',
    source: 'guardduty',
    findingType: 'UnauthorizedAccess:EC2/SSHBruteForce',
    severity: 8,
    account: '123456789012',
    region: 'us-east-1',
    resource: 'i-0123456789abcdef0',
    detectedAt: '2026-11-28T09:59:00.000Z',
    startedAt: '2026-11-28T10:00:00.000Z',
    containedAt: '2026-11-28T10:00:04.000Z',
    notifiedAt: '2026-11-28T10:00:05.000Z',
    endedAt: '2026-11-28T10:00:05.000Z',
    applied: true,
    status: 'contained',
    actor: 'arn:aws:sts::123456789012:assumed-role/responder/alice (alice@host)',
    finding: { id: '02be5693b63eea1d67e6f321c6aee4f3' },
    decision: { reasons: ['The remote address attacks the instance.'] },
    steps: [
      {
        playbook: 'block-ip',
        step: 'BlockInNetworkAcls',
        action: 'ec2:CreateNetworkAclEntry',
        resource: 'acl-1',
        inputs: { RuleNumber: 1 },
        outcome: 'done',
        executionId: 'e1',
      },
      {
        playbook: 'notify',
        step: 'Publish',
        action: 'sns:Publish',
        resource: 'arn:aws:sns:us-east-1:123456789012:t',
        outcome: 'done',
      },
    ],
    ...overrides,
  };
}

describe('app/history incidents', () => {
  it('migration 5 adds the incident tables to the store (4 is the resource names)', () => {
    const tables = (db: Database.Database) =>
      (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
        (t) => t.name,
      );
    const db = new Database(':memory:');
    try {
      expect(migrate(db, 4)).to.equal(4);
      expect(tables(db)).to.not.include('incidents');
      expect(migrate(db, 5)).to.equal(5);
      expect(tables(db)).to.include.members(['incidents', 'incident_steps']);
      expect(
        (db.prepare('SELECT name FROM schema_migrations WHERE version = 5').get() as { name: string }).name,
      ).to.equal('incident responses and their steps');
    } finally {
      db.close();
    }
    const store = HistoryStore.open(':memory:');
    try {
      expect(store.schemaVersion()).to.equal(SCHEMA_VERSION);
      expect(tables(store.db)).to.include.members(['incidents', 'incident_steps']);
    } finally {
      store.close();
    }
  });

  it('records a response with its steps in order, and reads it back', () => {
    const store = HistoryStore.open(':memory:');
    try {
      const id = store.incidents().record(response());
      const [row] = store.incidents().list();
      expect(row).to.deep.include({
        id,
        kind: 'response',
        status: 'contained',
        applied: true,
        severity: 8,
        resource: 'i-0123456789abcdef0',
      });
      expect(row!.steps.map((s) => [s.seq, s.playbook, s.action, s.outcome])).to.deep.equal([
        [0, 'block-ip', 'ec2:CreateNetworkAclEntry', 'done'],
        [1, 'notify', 'sns:Publish', 'done'],
      ]);
      expect(row!.steps[0]!.inputs).to.deep.equal({ RuleNumber: 1 });
    } finally {
      store.close();
    }
  });

  it('a bad time or status writes nothing (one transaction)', () => {
    const store = HistoryStore.open(':memory:');
    try {
      expect(() => store.incidents().record(response({ containedAt: 'yesterday' }))).to.throw(
        HistoryStoreError,
        'containedAt',
      );
      expect(() => store.incidents().record(response({ status: 'won' as never }))).to.throw(
        HistoryStoreError,
      );
      expect(store.incidents().list()).to.deep.equal([]);
    } finally {
      store.close();
    }
  });

  it('status: failed, planned (dry-run), notified (nothing but a message), contained', () => {
    const base = { decision: { notifyOnly: false }, applied: true, failed: false } as never as Parameters<
      typeof statusOf
    >[0];
    expect(statusOf({ ...base, failed: true })).to.equal('failed');
    expect(statusOf({ ...base, applied: false })).to.equal('planned');
    expect(statusOf({ ...base, decision: { notifyOnly: true } } as never)).to.equal('notified');
    expect(statusOf(base)).to.equal('contained');
  });

  it('the report: an Incidents section with each timeline and the time to contain', () => {
    const store = HistoryStore.open(':memory:');
    try {
      store.incidents().record(response());
      store.incidents().record(
        response({
          findingId: 'f2',
          startedAt: '2026-11-28T11:00:00.000Z',
          detectedAt: '2026-11-28T10:58:00.000Z',
          containedAt: '2026-11-28T11:00:10.000Z',
        }),
      );
      store.incidents().record(
        response({
          findingId: 'f3',
          status: 'planned',
          applied: false,
          containedAt: undefined,
          notifiedAt: undefined,
          startedAt: '2026-11-28T12:00:00.000Z',
        }),
      );
      const section = buildIncidentsSection(store);
      expect(section.items.map((i) => i.findingId)).to.deep.equal([
        'f3',
        'f2',
        '02be5693b63eea1d67e6f321c6aee4f3',
      ]);
      expect(section.items[2]).to.deep.include({ timeToContainMs: 64_000, responseMs: 4_000 });
      expect(section.contained).to.equal(2);
      expect(section.medianTimeToContainMs).to.equal((64_000 + 130_000) / 2);
      const html = renderIncidentsSection(section);
      expect(html).to.contain('<h2 id="incidents-heading">Incidents</h2>');
      expect(html).to.contain('aria-label="Timeline of incident');
      expect(html).to.contain('1m 4s');
      const report = renderHtmlReport(buildReport(store, { now: new Date('2026-11-29T00:00:00Z') }));
      expect(report).to.contain('id="incidents"');
    } finally {
      store.close();
    }
  });

  it('no incident: no section', () => {
    const store = HistoryStore.open(':memory:');
    try {
      expect(renderIncidentsSection(buildIncidentsSection(store))).to.equal('');
    } finally {
      store.close();
    }
  });
});
