import { expect } from 'chai';
import { RULES } from '../../../rules';
import { AwsClients } from '../../../shared/aws/clients';
import { createConfigRuleHandler } from '../../../shared/lambda/config-rule';
import { populateAccount } from '../../helpers/accounts';
import { FAST_RETRY, type FaultProxy, startFaultProxy, totalFaults } from '../../helpers/fault-proxy';
import { TEST_CREDENTIALS, useMoto } from '../../helpers/moto';
import { scheduledEvent } from '../../helpers/rules';

const SG_RULE = RULES.find((r) => r.meta.id === 'ec2-security-group-no-public-ingress')!;

interface SentEvaluation {
  ComplianceResourceType: string;
  ComplianceResourceId: string;
  ComplianceType: string;
  OrderingTimestamp: number | string;
}

describe('the Config rule Lambda under faults', function () {
  this.timeout(120_000);
  const moto = useMoto();
  let proxy: FaultProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  for (const faults of [
    { name: '20 % faults', rate: 0.2, firstAttemptOnly: false },
    { name: 'a fault on the first attempt of every call', rate: 1, firstAttemptOnly: true },
  ])
    it(`delivers every one of 250 evaluations under ${faults.name}, in 3 batches, each the same each time it is sent`, async () => {
      // Prepare: 249 groups and the default one. Config's history API is not in the emulator: no resource vanished.
      const direct = new AwsClients({
        region: 'us-east-1',
        endpoint: moto.endpoint,
        credentials: TEST_CREDENTIALS,
      });
      await populateAccount(direct, { groups: 249, buckets: 0 });
      const delivered: SentEvaluation[] = [];
      let puts = 0;
      proxy = await startFaultProxy({
        upstream: moto.endpoint,
        seed: 'lambda',
        rate: faults.rate,
        ...(faults.firstAttemptOnly ? { shouldFault: (r) => r.attempt === 1 } : {}),
        script: (r) =>
          r.operation === 'GetComplianceDetailsByConfigRule'
            ? { status: 200, body: '{"EvaluationResults":[]}' }
            : undefined,
        onForwarded: (r, status) => {
          if (r.operation !== 'PutEvaluations' || status !== 200) return;
          puts++;
          delivered.push(...(JSON.parse(r.body.toString()).Evaluations as SentEvaluation[]));
        },
      });
      const endpoint = proxy.endpoint;
      const handler = createConfigRuleHandler(SG_RULE, {
        clients: (region) =>
          new AwsClients({ region, endpoint, credentials: TEST_CREDENTIALS, retry: FAST_RETRY }),
        putRetryDelayMs: 0,
      });

      // Act
      const result = await handler(scheduledEvent({}, { resultToken: 'TESTMODE' }));

      // Assess: every evaluation reached Config; one sent twice (a lost answer, retried) was the same both times.
      expect(totalFaults(proxy.injected)).to.be.greaterThan(0);
      if (faults.firstAttemptOnly) expect(proxy.injectedByService.config).to.not.equal(undefined);
      expect(result.evaluations).to.equal(250);
      expect(result.putEvaluationsCalls).to.equal(3);
      expect(puts).to.be.at.least(3);
      const byResource = new Map<string, Set<string>>();
      for (const e of delivered) {
        const seen = byResource.get(e.ComplianceResourceId) ?? new Set();
        seen.add(`${e.ComplianceType} ${e.OrderingTimestamp}`);
        byResource.set(e.ComplianceResourceId, seen);
      }
      expect(byResource.size).to.equal(250);
      for (const [id, versions] of byResource) expect(versions.size, id).to.equal(1);
    });
});
