import { expect } from 'chai';
import { mttrByRule, percentile, summarize } from '../../../app/history/mttr';
import { HistoryStore, type RemediationTrigger } from '../../../app/history/store';
import { buildTimelines, type ResourceTimeline } from '../../../app/history/timeline';
import type { ComplianceType } from '../../../shared/rule';

const T0 = Date.parse('2026-05-04T08:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = new Date(T0 + 10 * DAY);
const RULE = 'ec2-security-group-no-public-ingress';
const OTHER_RULE = 's3-bucket-no-public-access';

/** A hand-made history, written through the store the way scan and remediate write it. */
class History {
  readonly store = HistoryStore.open(':memory:');
  private readonly runId = this.store.beginRun({
    kind: 'scan',
    account: '123456789012',
    region: 'us-east-1',
  });

  evaluate(
    resourceId: string,
    verdict: ComplianceType,
    offset: number,
    options: { rule?: string; annotation?: string } = {},
  ) {
    this.store.recordEvaluations(this.runId, [
      {
        ruleId: options.rule ?? RULE,
        account: '123456789012',
        region: 'us-east-1',
        resourceType: 'AWS::EC2::SecurityGroup',
        resourceId,
        verdict,
        ...(options.annotation ? { annotation: options.annotation } : {}),
        evaluatedAt: new Date(T0 + offset),
      },
    ]);
    return this;
  }

  remediate(
    resourceId: string,
    offset: number,
    trigger: RemediationTrigger,
    options: { status?: string; dryRun?: boolean; rule?: string } = {},
  ) {
    this.store.recordRemediation(this.runId, {
      executionId: `x-${resourceId}-${offset}`,
      documentName: 'rebaseline-revoke-public-ingress',
      remediationId: 'revoke-public-ingress',
      status: options.status ?? 'Success',
      dryRun: options.dryRun ?? false,
      parameters: { GroupId: resourceId },
      steps: [],
      startedAt: new Date(T0 + offset),
      endedAt: new Date(T0 + offset + 5_000),
      ruleId: options.rule ?? RULE,
      resourceType: 'AWS::EC2::SecurityGroup',
      resourceId,
      trigger,
    });
    return this;
  }

  timelines(): ResourceTimeline[] {
    return buildTimelines(this.store.evaluations(), this.store.remediations(), NOW);
  }

  timeline(resourceId: string): ResourceTimeline {
    const t = this.timelines().find((x) => x.key.resourceId === resourceId);
    if (!t) throw new Error(`no timeline for ${resourceId}`);
    return t;
  }
}

describe('time to remediate', () => {
  describe('statistics', () => {
    it('takes the median of an even count as the mean of the middle two', () => {
      expect(summarize([4, 1, 3, 2])).to.deep.equal({ count: 4, medianMs: 2.5, p90Ms: 4, worstMs: 4 });
      expect(summarize([7])).to.deep.equal({ count: 1, medianMs: 7, p90Ms: 7, worstMs: 7 });
      expect(summarize([])).to.equal(null);
    });

    it('uses the nearest-rank 90th percentile', () => {
      const ten = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5].sort((a, b) => a - b);
      expect(percentile(ten, 90)).to.equal(9);
      expect(percentile([...ten, 11], 90)).to.equal(10);
      expect(percentile([5], 90)).to.equal(5);
      expect(() => percentile([], 90)).to.throw(RangeError);
    });
  });

  describe('episodes', () => {
    it('counts each non-compliant stretch of a flapping resource, with whoever fixed it', () => {
      // Given a group that is fixed by hand, comes back, is fixed automatically, comes back and is fixed out-of-band
      const history = new History()
        .evaluate('sg-flap', 'NON_COMPLIANT', 0, { annotation: 'tcp 22 is open to 0.0.0.0/0.' })
        .remediate('sg-flap', 5 * MIN, 'manual')
        .evaluate('sg-flap', 'COMPLIANT', 10 * MIN)
        .evaluate('sg-flap', 'NON_COMPLIANT', HOUR, { annotation: 'tcp 3389 is open to 0.0.0.0/0.' })
        .remediate('sg-flap', HOUR + MIN, 'automatic')
        .evaluate('sg-flap', 'COMPLIANT', HOUR + 2 * MIN)
        .evaluate('sg-flap', 'NON_COMPLIANT', 2 * HOUR)
        .evaluate('sg-flap', 'NON_COMPLIANT', 2 * HOUR + 10 * MIN)
        .evaluate('sg-flap', 'COMPLIANT', 2 * HOUR + 30 * MIN);

      // When the timeline is built
      const t = history.timeline('sg-flap');

      // Then there are three episodes, each timed from NON_COMPLIANT to the next COMPLIANT
      expect(
        t.episodes.map((e) => ({
          openedAt: e.openedAt,
          closedAt: e.closedAt,
          resolution: e.resolution,
          durationMs: e.durationMs,
          evaluations: e.evaluations,
          fixedBy: e.fixedBy?.trigger ?? null,
        })),
      ).to.deep.equal([
        {
          openedAt: '2026-05-04T08:00:00.000Z',
          closedAt: '2026-05-04T08:10:00.000Z',
          resolution: 'manual',
          durationMs: 10 * MIN,
          evaluations: 1,
          fixedBy: 'manual',
        },
        {
          openedAt: '2026-05-04T09:00:00.000Z',
          closedAt: '2026-05-04T09:02:00.000Z',
          resolution: 'automatic',
          durationMs: 2 * MIN,
          evaluations: 1,
          fixedBy: 'automatic',
        },
        {
          openedAt: '2026-05-04T10:00:00.000Z',
          closedAt: '2026-05-04T10:30:00.000Z',
          resolution: 'out-of-band',
          durationMs: 30 * MIN,
          evaluations: 2,
          fixedBy: null,
        },
      ]);
      expect(t.current).to.equal('COMPLIANT');
      // And the statistics count every episode: automatic [2m]; manual [10m, 30m out-of-band]
      const { rules } = mttrByRule(history.timelines());
      expect(rules).to.deep.equal([
        {
          ruleId: RULE,
          automatic: { count: 1, medianMs: 2 * MIN, p90Ms: 2 * MIN, worstMs: 2 * MIN },
          manual: { count: 2, medianMs: 20 * MIN, p90Ms: 30 * MIN, worstMs: 30 * MIN },
          outOfBand: 1,
          notApplicable: 0,
          open: { count: 0, oldestAgeMs: null },
        },
      ]);
    });

    it('keeps a resource that is never fixed out of the statistics, counted as open with its age', () => {
      const history = new History()
        .evaluate('sg-open', 'NON_COMPLIANT', DAY, { annotation: 'tcp 22 is open to 0.0.0.0/0.' })
        .remediate('sg-open', DAY + MIN, 'automatic', { status: 'Failed' })
        .evaluate('sg-open', 'NON_COMPLIANT', 2 * DAY, {
          annotation: 'tcp 22 and 3389 are open to 0.0.0.0/0.',
        })
        .evaluate('sg-fixed', 'NON_COMPLIANT', 0)
        .remediate('sg-fixed', 3 * MIN, 'automatic')
        .evaluate('sg-fixed', 'COMPLIANT', 4 * MIN);

      const [episode] = history.timeline('sg-open').episodes;
      expect(episode).to.include({
        open: true,
        closedAt: null,
        resolution: null,
        fixedBy: null,
        durationMs: NOW.getTime() - (T0 + DAY),
        annotation: 'tcp 22 and 3389 are open to 0.0.0.0/0.',
      });
      expect(episode!.remediations.map((x) => x.status)).to.deep.equal(['Failed']);

      const { rules } = mttrByRule(history.timelines());
      expect(rules[0]).to.deep.include({
        automatic: { count: 1, medianMs: 4 * MIN, p90Ms: 4 * MIN, worstMs: 4 * MIN },
        manual: null,
        open: { count: 1, oldestAgeMs: 9 * DAY },
      });
    });

    it('calls a fix with no remediation on record manual (out-of-band), and ignores dry runs', () => {
      const history = new History()
        .evaluate('sg-console', 'NON_COMPLIANT', 0)
        .remediate('sg-console', MIN, 'manual', { dryRun: true })
        .evaluate('sg-console', 'COMPLIANT', 45 * MIN);

      const [episode] = history.timeline('sg-console').episodes;
      expect(episode).to.include({ resolution: 'out-of-band', fixedBy: null, durationMs: 45 * MIN });
      expect(episode!.remediations).to.deep.equal([]);
      expect(mttrByRule(history.timelines()).rules[0]).to.deep.include({
        automatic: null,
        manual: { count: 1, medianMs: 45 * MIN, p90Ms: 45 * MIN, worstMs: 45 * MIN },
        outOfBand: 1,
      });
    });

    it('splits automatic and manual per rule and across rules', () => {
      const history = new History()
        .evaluate('sg-a', 'NON_COMPLIANT', 0)
        .remediate('sg-a', MIN, 'automatic')
        .evaluate('sg-a', 'COMPLIANT', 2 * MIN)
        .evaluate('sg-b', 'NON_COMPLIANT', 0)
        .remediate('sg-b', 3 * MIN, 'automatic')
        .evaluate('sg-b', 'COMPLIANT', 4 * MIN)
        .evaluate('sg-c', 'NON_COMPLIANT', 0)
        .remediate('sg-c', 5 * HOUR, 'manual')
        .evaluate('sg-c', 'COMPLIANT', 6 * HOUR)
        .evaluate('bucket-a', 'NON_COMPLIANT', 0, { rule: OTHER_RULE })
        .remediate('bucket-a', 30 * MIN, 'automatic', { rule: OTHER_RULE })
        .evaluate('bucket-a', 'COMPLIANT', 8 * MIN + 30 * MIN, { rule: OTHER_RULE })
        .evaluate('bucket-b', 'NON_COMPLIANT', 0, { rule: OTHER_RULE })
        .evaluate('bucket-b', 'COMPLIANT', 2 * DAY, { rule: OTHER_RULE });

      const { rules, all } = mttrByRule(history.timelines());

      expect(rules.map((r) => [r.ruleId, r.automatic, r.manual])).to.deep.equal([
        [
          RULE,
          { count: 2, medianMs: 3 * MIN, p90Ms: 4 * MIN, worstMs: 4 * MIN },
          { count: 1, medianMs: 6 * HOUR, p90Ms: 6 * HOUR, worstMs: 6 * HOUR },
        ],
        [
          OTHER_RULE,
          { count: 1, medianMs: 38 * MIN, p90Ms: 38 * MIN, worstMs: 38 * MIN },
          { count: 1, medianMs: 2 * DAY, p90Ms: 2 * DAY, worstMs: 2 * DAY },
        ],
      ]);
      expect(all).to.deep.equal({
        ruleId: 'all rules',
        automatic: { count: 3, medianMs: 4 * MIN, p90Ms: 38 * MIN, worstMs: 38 * MIN },
        manual: { count: 2, medianMs: (6 * HOUR + 2 * DAY) / 2, p90Ms: 2 * DAY, worstMs: 2 * DAY },
        outOfBand: 1,
        notApplicable: 0,
        open: { count: 0, oldestAgeMs: null },
      });
    });

    it('does not time an episode that ended because the resource left scope, and ignores INSUFFICIENT_DATA', () => {
      const history = new History()
        .evaluate('sg-deleted', 'NON_COMPLIANT', 0)
        .evaluate('sg-deleted', 'INSUFFICIENT_DATA', 10 * MIN)
        .evaluate('sg-deleted', 'NOT_APPLICABLE', HOUR);

      const [episode] = history.timeline('sg-deleted').episodes;
      expect(episode).to.include({
        resolution: 'not-applicable',
        closedAt: '2026-05-04T09:00:00.000Z',
        open: false,
      });
      expect(mttrByRule(history.timelines()).rules[0]).to.deep.include({
        automatic: null,
        manual: null,
        notApplicable: 1,
        open: { count: 0, oldestAgeMs: null },
      });
    });

    it('keeps an episode open until a COMPLIANT evaluation verifies the fix', () => {
      const history = new History()
        .evaluate('sg-pending', 'NON_COMPLIANT', 0)
        .remediate('sg-pending', MIN, 'automatic');

      const [episode] = history.timeline('sg-pending').episodes;
      expect(episode).to.include({ open: true, resolution: null });
      expect(episode!.fixedBy).to.include({ trigger: 'automatic', status: 'Success' });
    });

    it('counts only episodes closed since a date, and every open one', () => {
      const history = new History()
        .evaluate('sg-old', 'NON_COMPLIANT', 0)
        .evaluate('sg-old', 'COMPLIANT', HOUR)
        .evaluate('sg-new', 'NON_COMPLIANT', 3 * DAY)
        .evaluate('sg-new', 'COMPLIANT', 3 * DAY + HOUR)
        .evaluate('sg-open', 'NON_COMPLIANT', 0);

      const { all } = mttrByRule(history.timelines(), { since: new Date(T0 + DAY) });
      expect(all.manual).to.deep.equal({ count: 1, medianMs: HOUR, p90Ms: HOUR, worstMs: HOUR });
      expect(all.open).to.deep.equal({ count: 1, oldestAgeMs: 10 * DAY });
    });
  });

  describe('timeline events', () => {
    it('merges evaluations and remediations in time order, repeated verdicts as one event', () => {
      const history = new History()
        .evaluate('sg-1', 'NON_COMPLIANT', 0, { annotation: 'tcp 22 is open to 0.0.0.0/0.' })
        .evaluate('sg-1', 'NON_COMPLIANT', 5 * MIN, { annotation: 'tcp 22 is open to 0.0.0.0/0.' })
        .remediate('sg-1', 6 * MIN, 'manual')
        .evaluate('sg-1', 'COMPLIANT', 7 * MIN)
        .evaluate('sg-1', 'COMPLIANT', 8 * MIN);

      const events = history
        .timeline('sg-1')
        .events.map((e) =>
          e.kind === 'evaluation' ? [e.kind, e.at, e.verdict, e.count] : [e.kind, e.at, e.execution.trigger],
        );
      expect(events).to.deep.equal([
        ['evaluation', '2026-05-04T08:00:00.000Z', 'NON_COMPLIANT', 2],
        ['remediation', '2026-05-04T08:06:00.000Z', 'manual'],
        ['evaluation', '2026-05-04T08:07:00.000Z', 'COMPLIANT', 2],
      ]);
    });

    it('keeps rules apart for the same resource', () => {
      const history = new History()
        .evaluate('shared', 'NON_COMPLIANT', 0)
        .evaluate('shared', 'COMPLIANT', 0, { rule: OTHER_RULE });
      expect(history.timelines().map((t) => [t.key.ruleId, t.current])).to.deep.equal([
        [RULE, 'NON_COMPLIANT'],
        [OTHER_RULE, 'COMPLIANT'],
      ]);
    });
  });
});
