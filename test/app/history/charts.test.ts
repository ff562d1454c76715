import { expect } from 'chai';
import { CHART_VARIANTS, niceScale, timeTicks } from '../../../app/history/charts';

const T0 = Date.parse('2026-03-02T09:00:00.250Z');
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const DAY = 24 * 60 * MINUTE;

describe('report charts (app/history/charts.ts)', () => {
  it('labels the time axis at round instants, never the same label twice, at any span and width', () => {
    for (const span of [
      700,
      2_300,
      4 * SECOND,
      45 * SECOND,
      3 * MINUTE,
      2 * 60 * MINUTE,
      3 * DAY,
      90 * DAY,
      800 * DAY,
    ])
      for (const v of CHART_VARIANTS) {
        const ticks = timeTicks(T0, T0 + span, v.width - 60, v.font);
        const labels = ticks.map((t) => t.label);
        expect(new Set(labels).size, `${span} ms at ${v.width}: ${labels.join(' | ')}`).to.equal(
          labels.length,
        );
        expect(ticks.length, `${span} ms at ${v.width}`).to.be.at.least(1);
        for (const t of ticks) expect(t.at).to.be.within(T0, T0 + span);
      }
  });

  it('uses the precision the span needs: milliseconds for a demo of seconds, dates for months', () => {
    expect(timeTicks(T0, T0 + 2_300, 820, 12).map((t) => t.label)).to.deep.equal([
      '09:00:00.500',
      '09:00:01.000',
      '09:00:01.500',
      '09:00:02.000',
      '09:00:02.500',
    ]);
    expect(timeTicks(T0, T0 + 3 * DAY, 820, 12).map((t) => t.label)).to.deep.equal([
      '03-02 12:00',
      '03-03 00:00',
      '03-03 12:00',
      '03-04 00:00',
      '03-04 12:00',
      '03-05 00:00',
    ]);
    expect(timeTicks(T0, T0 + 700, 300, 13)).to.deep.equal([{ at: T0, label: '09:00:00.250' }]);
    expect(timeTicks(T0, T0 + 90 * DAY, 820, 12).every((t) => /^\d{4}-\d{2}-\d{2}$/.test(t.label))).to.equal(
      true,
    );
  });

  it('scales the y axis to at most five integer ticks', () => {
    expect(niceScale(0)).to.deep.equal({ top: 1, step: 1 });
    expect(niceScale(8)).to.deep.equal({ top: 8, step: 2 });
    expect(niceScale(26)).to.deep.equal({ top: 30, step: 10 });
  });
});
