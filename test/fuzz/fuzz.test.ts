import { expect } from 'chai';
import fc from 'fast-check';
import type { Evaluation } from '../../shared/engine';
import { buildFuzzer, type Fuzzer, fuzz, judge } from './harness';
import type { Outcome } from './targets';

/**
 * The fixed-seed subset of `npm run fuzz`: real recorded items and answers, mutated (removed, corrupted, re-spelled)
 * through every model builder, evaluator, the event and parameter parsers and the Lambda handler. See
 * docs/fail-closed.md for what the oracle checks.
 */
describe('fuzz (fixed-seed subset of npm run fuzz)', () => {
  const SEED = 20261201;
  let fuzzer: Fuzzer;
  before(() => {
    fuzzer = buildFuzzer();
  });
  after(() => fuzzer.restore());

  it('1000 mutated real items and events: no flip, no fail-open, no untyped error, no malformed output', async () => {
    // fast-check shrinks a failing case to the smallest mutation that still fails, and names its seed and path.
    await fc.assert(
      fc.asyncProperty(fuzzer.cases, async (c) => {
        expect(await fuzzer.check(c)).to.deep.equal([]);
      }),
      { numRuns: 1000, seed: SEED },
    );
  });

  it('the parameter parser: arbitrary input is typed by the schema or an InvalidParametersError', async () => {
    await fc.assert(fuzzer.parameterProperty, { numRuns: 300, seed: SEED });
  });

  it('the oracle: removing a field the API leaves out when there is nothing to say is a value change, not a flip', () => {
    const outcome = (complianceType: string): Outcome => ({
      evaluations: [
        {
          complianceResourceType: 'AWS::EC2::VPC',
          complianceResourceId: 'vpc-1',
          complianceType,
          annotation: 'x.',
          orderingTimestamp: new Date('2026-12-01T00:00:00Z'),
        } as Evaluation,
      ],
      errors: [],
    });
    const target = { name: 't', optional: /^flowLogs\[\d+\]\.DeliverLogsErrorMessage$/ };
    const at = (field: string) => [{ path: ['flowLogs', 0, field], kind: 'delete' as const, pick: 0 }];
    const flip = [outcome('NON_COMPLIANT'), outcome('COMPLIANT')] as const;
    expect(judge(target, at('DeliverLogsErrorMessage'), ...flip)).to.deep.equal([]);
    expect(judge(target, at('DeliverLogsStatus'), ...flip).map((f) => f.what)).to.deep.equal(['flips']);
    expect(judge({ name: 't' }, at('DeliverLogsErrorMessage'), ...flip).map((f) => f.what)).to.deep.equal([
      'flips',
    ]);
  });

  it('the counting runner reports every figure (what npm run fuzz prints)', async () => {
    const { figures } = await fuzz(200, SEED);
    expect(figures).to.deep.equal({
      cases: 200,
      flips: 0,
      failOpen: 0,
      encodingMismatches: 0,
      untypedErrors: 0,
      malformedOutputs: 0,
    });
  });
});
