import type { RuleMttr } from './mttr';
import type { Resolution } from './timeline';

export interface ComplianceCount {
  compliant: number;
  nonCompliant: number;
  notApplicable: number;
  insufficientData: number;
  total: number;
  /** compliant ÷ (compliant + non-compliant), in percent; null when neither was evaluated. */
  percentCompliant: number | null;
}

export interface RuleCompliance extends ComplianceCount {
  ruleId: string;
}

export interface AccountCompliance extends ComplianceCount {
  account: string;
}

/** How many resources were COMPLIANT / NON_COMPLIANT (by their latest evaluation) at a point in time. */
export interface TrendPoint {
  at: string;
  compliant: number;
  nonCompliant: number;
}

export interface OpenFinding {
  ruleId: string;
  account: string;
  region: string;
  resourceType: string;
  resourceId: string;
  openedAt: string;
  ageMs: number;
  annotation: string | null;
  remediationAttempts: number;
  lastRemediationStatus: string | null;
}

export interface ExecutionItem {
  startedAt: string;
  endedAt: string | null;
  durationMs: number | null;
  ruleId: string;
  account: string;
  region: string;
  resourceType: string;
  resourceId: string;
  /** The rebaseline remediation id, or the SSM document name for others. */
  remediation: string;
  documentName: string;
  trigger: 'automatic' | 'manual';
  dryRun: boolean;
  status: string;
  succeeded: boolean;
  stepsSucceeded: number;
  stepsTotal: number;
  error: string | null;
}

/** One non-compliance episode, flat (the evidence-pack row). */
export interface EpisodeItem {
  ruleId: string;
  account: string;
  region: string;
  resourceType: string;
  resourceId: string;
  openedAt: string;
  remediatedAt: string | null;
  remediatedBy: string | null;
  closedAt: string | null;
  resolution: Resolution | 'open';
  /** Time to remediate for a closed episode; age for an open one. */
  durationMs: number;
  annotation: string | null;
}

export interface ReportData {
  title: string;
  generatedAt: string;
  database: string;
  since: string | null;
  totals: ComplianceCount & { rules: number; accounts: number; openEpisodes: number; executions: number };
  byRule: RuleCompliance[];
  byAccount: AccountCompliance[];
  trend: TrendPoint[];
  timeToRemediate: { rules: RuleMttr[]; all: RuleMttr };
  open: OpenFinding[];
  executions: ExecutionItem[];
  episodes: EpisodeItem[];
}
