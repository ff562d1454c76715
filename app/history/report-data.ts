import type { ComplianceType } from '../../shared/rule';
import type { IncidentsSection } from './incidents-report';
import type { RuleMttr } from './mttr';
import type { Resolution } from './timeline';

/** A rule's severity as rule.json declares it; `unknown` for a rule the registry does not know (an imported one). */
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'unknown';

/** Most severe first: the order of every severity list in the report. */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'unknown'];

/** What the report needs to know of a rule beyond its id (from rule.json; the CLI passes the registry's). */
export interface RuleCatalogEntry {
  id: string;
  title: string;
  severity: Exclude<Severity, 'unknown'>;
  /** Framework → control ids, e.g. `{ "cis-aws-foundations-3.0": ["5.2"], "aws-fsbp": ["EC2.18"] }`. */
  controls: Record<string, string[]>;
  remediation?: string;
}

export interface ComplianceCount {
  compliant: number;
  nonCompliant: number;
  notApplicable: number;
  insufficientData: number;
  total: number;
  /** compliant ÷ (compliant + non-compliant), in percent; null when neither was evaluated. */
  percentCompliant: number | null;
}

/**
 * What happened to non-compliance in the period: episodes found (opened), fixed (closed COMPLIANT: by an automatic
 * or a manual remediation, or out-of-band), ended because the resource left scope, and open now.
 */
export interface FindingCounts {
  found: number;
  fixed: number;
  fixedAutomatically: number;
  fixedManually: number;
  fixedOutOfBand: number;
  leftScope: number;
  /** Open now, whenever they were found. */
  open: number;
}

export interface RuleCompliance extends ComplianceCount {
  ruleId: string;
  title: string | null;
  severity: Severity;
  controls: ControlRef[];
  findings: FindingCounts;
}

export interface AccountCompliance extends ComplianceCount {
  account: string;
  regions: string[];
  findings: FindingCounts;
}

export interface SeveritySummary extends ComplianceCount {
  severity: Severity;
  findings: FindingCounts;
}

export interface FrameworkSummary {
  framework: string;
  controls: number;
  /** Controls with a NON_COMPLIANT resource now. */
  controlsFailing: number;
  /** Controls whose evaluated resources are all COMPLIANT now. */
  controlsPassing: number;
  findings: FindingCounts;
}

export interface AccountRegionSummary extends ComplianceCount {
  account: string;
  region: string;
  findings: FindingCounts;
}

export interface ControlRef {
  framework: string;
  controlId: string;
}

/** One control of a framework and everything behind it. */
export interface ControlItem extends ControlRef {
  /** `framework:controlId`, the control's key in exports and anchors. */
  key: string;
  rules: string[];
  /** The highest severity of its rules. */
  severity: Severity;
  /** `failing`: a resource is NON_COMPLIANT now; `passing`: every evaluated resource is COMPLIANT. */
  status: 'failing' | 'passing' | 'not-evaluated';
  count: ComplianceCount;
  findings: FindingCounts;
  /** Indexes into {@link ReportData.resources}. */
  resources: number[];
}

/** How many resources were COMPLIANT / NON_COMPLIANT (by their latest evaluation) at a point in time. */
export interface TrendPoint {
  at: string;
  compliant: number;
  nonCompliant: number;
}

/** One account's trend, from the first time it was evaluated (not before: it was not known yet). */
export interface AccountTrend {
  account: string;
  firstSeen: string;
  points: TrendPoint[];
}

export interface OpenFinding {
  ruleId: string;
  severity: Severity;
  account: string;
  region: string;
  resourceType: string;
  resourceId: string;
  resourceName: string | null;
  openedAt: string;
  ageMs: number;
  annotation: string | null;
  remediationAttempts: number;
  lastRemediationStatus: string | null;
  /** Index into {@link ReportData.resources}. */
  resource: number;
}

export interface ExecutionStep {
  name: string;
  action: string;
  status: string;
  startedAt: string | null;
  endedAt: string | null;
  /** What the step did or would do: the API call and its inputs, the branch taken. */
  message: string | null;
  inputs: unknown;
  failureMessage: string | null;
}

export interface ExecutionItem {
  executionId: string;
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
  parameters: Record<string, unknown>;
  steps: ExecutionStep[];
  /** What the remediation recorded before changing anything, so a person can restore it. */
  previousState: unknown;
  /** Dry run: the calls that would have been made. */
  plan: unknown[] | null;
  /** Index into {@link ReportData.resources}; null when the resource has no evaluation. */
  resource: number | null;
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

export interface EvaluationItem {
  at: string;
  verdict: ComplianceType;
  annotation: string | null;
  /** The history run that recorded it. */
  runId: number;
}

/** One rule's view of one resource, with its whole story in the period: the drill-down's leaf. */
export interface ResourceItem {
  index: number;
  ruleId: string;
  severity: Severity;
  account: string;
  region: string;
  resourceType: string;
  resourceId: string;
  resourceName: string | null;
  current: ComplianceType;
  annotation: string | null;
  firstEvaluatedAt: string;
  lastEvaluatedAt: string;
  /** Every evaluation in the period, oldest first (with `since`, the last one before it too: the state carried in). */
  evaluations: EvaluationItem[];
  /** Indexes into {@link ReportData.executions}, oldest first. */
  executions: number[];
  episodes: Omit<EpisodeItem, 'ruleId' | 'account' | 'region' | 'resourceType' | 'resourceId'>[];
}

export interface ReportData {
  title: string;
  generatedAt: string;
  database: string;
  toolVersion: string;
  since: string | null;
  /** From `since` (or the first record) to the generation time. */
  period: { from: string | null; to: string };
  scope: { accounts: string[]; regions: string[]; rules: string[]; frameworks: string[] };
  totals: ComplianceCount & {
    rules: number;
    accounts: number;
    regions: number;
    openEpisodes: number;
    executions: number;
  };
  /** What was found and fixed in the period, overall and by severity, control framework, account and region. */
  summary: {
    findings: FindingCounts;
    bySeverity: SeveritySummary[];
    byFramework: FrameworkSummary[];
    byAccountRegion: AccountRegionSummary[];
  };
  controls: ControlItem[];
  byRule: RuleCompliance[];
  byAccount: AccountCompliance[];
  /** All accounts together (it rises when an account is first scanned: see {@link trendByAccount}). */
  trend: TrendPoint[];
  trendByAccount: AccountTrend[];
  timeToRemediate: { rules: RuleMttr[]; all: RuleMttr };
  open: OpenFinding[];
  /** Newest first. */
  executions: ExecutionItem[];
  episodes: EpisodeItem[];
  resources: ResourceItem[];
  /** Incident responses (absent in data written before incident response existed). */
  incidents?: IncidentsSection;
  /** SHA-256 of the data above (hex): shown in the HTML and carried by every evidence export, so they can be matched. */
  digest: string;
}
