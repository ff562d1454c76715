import type Database from 'better-sqlite3';
import packageJson from '../../package.json';
import { HistoryStoreError, RebaselineError } from '../../shared/errors';
import type { Decision } from '../../shared/incident/decision';
import type { Finding } from '../../shared/incident/finding';
import type { ResponseStep } from '../respond';

/**
 * Incident responses in the history store: one row per response to a finding (or per release), its steps in order.
 * The store applies {@link INCIDENTS_MIGRATION} like its own migrations and hands out an {@link IncidentLog}.
 */
export const INCIDENTS_MIGRATION = {
  name: 'incident responses and their steps',
  sql: `
CREATE TABLE incidents (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL DEFAULT 'response' CHECK (kind IN ('response', 'release')),
  finding_id TEXT NOT NULL,
  source TEXT NOT NULL,
  finding_type TEXT NOT NULL,
  severity REAL NOT NULL,
  account TEXT,
  region TEXT,
  resource TEXT NOT NULL,
  detected_at TEXT,
  started_at TEXT NOT NULL,
  contained_at TEXT,
  notified_at TEXT,
  ended_at TEXT,
  applied INTEGER NOT NULL CHECK (applied IN (0, 1)),
  status TEXT NOT NULL CHECK (status IN ('contained', 'planned', 'notified', 'failed', 'released')),
  actor TEXT NOT NULL,
  finding TEXT NOT NULL,
  decision TEXT NOT NULL,
  tool_version TEXT NOT NULL
);
CREATE INDEX incidents_by_time ON incidents (started_at);
CREATE INDEX incidents_by_resource ON incidents (resource, started_at);
CREATE TABLE incident_steps (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  playbook TEXT NOT NULL,
  execution_id TEXT,
  step TEXT NOT NULL,
  action TEXT NOT NULL,
  resource TEXT,
  inputs TEXT NOT NULL DEFAULT '{}',
  outcome TEXT NOT NULL,
  why TEXT
);
CREATE INDEX incident_steps_by_incident ON incident_steps (incident_id, seq);
`,
} as const;

export type IncidentStatus = 'contained' | 'planned' | 'notified' | 'failed' | 'released';

/** One response as recorded. */
export interface IncidentInput {
  kind?: 'response' | 'release';
  findingId: string;
  source: string;
  findingType: string;
  severity: number;
  account?: string;
  region?: string;
  /** The instance, role or resource type the finding is about. */
  resource: string;
  detectedAt?: Date | string;
  startedAt: Date | string;
  containedAt?: Date | string;
  notifiedAt?: Date | string;
  endedAt?: Date | string;
  applied: boolean;
  status: IncidentStatus;
  actor: string;
  finding: unknown;
  decision: unknown;
  steps: readonly IncidentStepInput[];
}

export interface IncidentStepInput {
  playbook: string;
  executionId?: string;
  step: string;
  action: string;
  resource?: string;
  inputs?: unknown;
  outcome: string;
  why?: string;
}

export interface IncidentRow
  extends Omit<
    IncidentInput,
    'detectedAt' | 'startedAt' | 'containedAt' | 'notifiedAt' | 'endedAt' | 'steps' | 'kind'
  > {
  id: number;
  kind: 'response' | 'release';
  detectedAt: string | null;
  startedAt: string;
  containedAt: string | null;
  notifiedAt: string | null;
  endedAt: string | null;
  toolVersion: string;
  steps: (IncidentStepInput & { seq: number })[];
}

const iso = (value: Date | string | undefined, field: string): string | null => {
  if (value === undefined || value === '') return null;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new HistoryStoreError(`${field} ${JSON.stringify(value)} is not a valid date.`);
  return date.toISOString();
};

interface RawIncident {
  id: number;
  kind: 'response' | 'release';
  finding_id: string;
  source: string;
  finding_type: string;
  severity: number;
  account: string | null;
  region: string | null;
  resource: string;
  detected_at: string | null;
  started_at: string;
  contained_at: string | null;
  notified_at: string | null;
  ended_at: string | null;
  applied: number;
  status: IncidentStatus;
  actor: string;
  finding: string;
  decision: string;
  tool_version: string;
}

/**
 * The incident part of the history store. Every write is one transaction (`BEGIN IMMEDIATE`): a response and all
 * its steps, or nothing.
 * @example
 * store.incidents().record({ findingId, source: 'guardduty', …, steps });
 */
export class IncidentLog {
  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
  ) {}

  /** Records one response with its steps; returns its id. */
  record(input: IncidentInput): number {
    try {
      return this.db
        .transaction(() => {
          const row = this.db
            .prepare(
              `INSERT INTO incidents (kind, finding_id, source, finding_type, severity, account, region, resource, detected_at,
                 started_at, contained_at, notified_at, ended_at, applied, status, actor, finding, decision, tool_version)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
            )
            .get(
              input.kind ?? 'response',
              input.findingId,
              input.source,
              input.findingType,
              input.severity,
              input.account ?? null,
              input.region ?? null,
              input.resource,
              iso(input.detectedAt, 'detectedAt'),
              iso(input.startedAt, 'startedAt'),
              iso(input.containedAt, 'containedAt'),
              iso(input.notifiedAt, 'notifiedAt'),
              iso(input.endedAt, 'endedAt'),
              input.applied ? 1 : 0,
              input.status,
              input.actor,
              JSON.stringify(input.finding),
              JSON.stringify(input.decision),
              packageJson.version,
            ) as { id: number };
          const step = this.db.prepare(
            `INSERT INTO incident_steps (incident_id, seq, playbook, execution_id, step, action, resource, inputs, outcome, why)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          );
          input.steps.forEach((s, i) => {
            step.run(
              row.id,
              i,
              s.playbook,
              s.executionId ?? null,
              s.step,
              s.action,
              s.resource ?? null,
              JSON.stringify(s.inputs ?? {}),
              s.outcome,
              s.why ?? null,
            );
          });
          return row.id;
        })
        .immediate();
    } catch (cause) {
      if (cause instanceof RebaselineError) throw cause;
      throw new HistoryStoreError(
        `Could not record the incident response in ${this.path}: ${(cause as Error).message}.`,
        { cause },
      );
    }
  }

  /** Responses (and releases), oldest first, with their steps. */
  list(filter: { since?: Date; resource?: string } = {}): IncidentRow[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.since) {
      where.push('started_at >= ?');
      params.push(filter.since.toISOString());
    }
    if (filter.resource) {
      where.push('resource = ?');
      params.push(filter.resource);
    }
    const rows = this.db
      .prepare(
        `SELECT * FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at, id`,
      )
      .all(...params) as RawIncident[];
    const steps = this.db.prepare('SELECT * FROM incident_steps WHERE incident_id = ? ORDER BY seq');
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      findingId: r.finding_id,
      source: r.source,
      findingType: r.finding_type,
      severity: r.severity,
      ...(r.account ? { account: r.account } : {}),
      ...(r.region ? { region: r.region } : {}),
      resource: r.resource,
      detectedAt: r.detected_at,
      startedAt: r.started_at,
      containedAt: r.contained_at,
      notifiedAt: r.notified_at,
      endedAt: r.ended_at,
      applied: r.applied === 1,
      status: r.status,
      actor: r.actor,
      finding: JSON.parse(r.finding),
      decision: JSON.parse(r.decision),
      toolVersion: r.tool_version,
      steps: (steps.all(r.id) as Record<string, unknown>[]).map((s) => ({
        seq: s.seq as number,
        playbook: s.playbook as string,
        ...(s.execution_id ? { executionId: s.execution_id as string } : {}),
        step: s.step as string,
        action: s.action as string,
        ...(s.resource ? { resource: s.resource as string } : {}),
        inputs: JSON.parse(s.inputs as string),
        outcome: s.outcome as string,
        ...(s.why ? { why: s.why as string } : {}),
      })),
    }));
  }
}

/** What a response or a release hands to the log (see `app/respond.ts`). */
interface Recordable {
  finding: Finding;
  decision: Decision;
  steps: readonly ResponseStep[];
  runs: readonly { playbook: string; execution?: { executionId: string } }[];
  applied: boolean;
  actor: string;
  startedAt: Date;
  endedAt: Date;
  containedAt?: Date;
  notifiedAt?: Date;
  failed: boolean;
}

/** The status a response is recorded with. */
export function statusOf(response: Recordable): IncidentStatus {
  if (response.failed) return 'failed';
  if (!response.applied) return 'planned';
  return response.decision.notifyOnly ? 'notified' : 'contained';
}

/**
 * Records a response in the history store: the finding, the decision, every step with its inputs and outcome, the
 * times (detected → started → contained → notified) and who ran it.
 * @example
 * for (const response of await respondToFindings(options)) recordResponse(store.incidents(), response);
 */
export function recordResponse(log: IncidentLog, response: Recordable): number {
  const { finding } = response;
  const executionOf = (playbook: string) =>
    response.runs.find((r) => r.playbook === playbook)?.execution?.executionId;
  return log.record({
    findingId: finding.id,
    source: finding.source,
    findingType: finding.type,
    severity: finding.severity,
    ...(finding.accountId ? { account: finding.accountId } : {}),
    ...(finding.region ? { region: finding.region } : {}),
    resource:
      finding.instance?.instanceId ??
      finding.accessKey?.roleName ??
      finding.accessKey?.userName ??
      finding.resourceType,
    ...(finding.createdAt || finding.updatedAt
      ? { detectedAt: (finding.createdAt ?? finding.updatedAt) as string }
      : {}),
    startedAt: response.startedAt,
    ...(response.containedAt ? { containedAt: response.containedAt } : {}),
    ...(response.notifiedAt ? { notifiedAt: response.notifiedAt } : {}),
    endedAt: response.endedAt,
    applied: response.applied,
    status: statusOf(response),
    actor: response.actor,
    finding,
    decision: response.decision,
    steps: response.steps.map((s) => ({
      ...s,
      ...(executionOf(s.playbook) ? { executionId: executionOf(s.playbook) } : {}),
    })),
  });
}
