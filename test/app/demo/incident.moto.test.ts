import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runIncidentDemo } from '../../../app/demo/incident';
import { HistoryStore } from '../../../app/history/store';
import { PLAYBOOKS } from '../../../playbooks';

describe('rebaseline demo --incident (the second act)', function () {
  this.timeout(120_000);

  it('isolates, blocks and notifies on the emulator; the state before and after, recorded and reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rebaseline-incident-demo-'));
    try {
      const result = await runIncidentDemo({ playbooks: PLAYBOOKS, outDir: dir });
      expect(
        result.response.failed,
        JSON.stringify(result.response.runs.map((r) => r.execution?.failureMessage ?? r.skipped)),
      ).to.equal(false);
      const state = Object.fromEntries(result.state.map((r) => [r.what, [r.before, r.after]]));
      expect(state['Security groups of the instance']).to.deep.equal(['web-tier', 'rebaseline-isolation']);
      expect(state['Instance profile']).to.deep.equal(['web-tier', 'none']);
      expect(state['Auto Scaling group']).to.deep.equal(['web-asg (InService)', 'none']);
      expect(state['Target group web-tg']).to.deep.equal(['registered :8080', 'not registered']);
      expect(state['Evidence snapshots']).to.deep.equal(['0', '1']);
      expect(state['Network ACL denies']![1]).to.equal('in 198.51.100.0/32 #1, out 198.51.100.0/32 #1');
      expect(state['WAF IP sets']![1]).to.equal('198.51.100.0/32');
      expect(result.notification).to.match(
        /^\[rebaseline\] HIGH 8 Backdoor:EC2\/C&CActivity\.B on i-[0-9a-f]+ \(contained\)$/,
      );
      const store = HistoryStore.open(result.historyDb);
      try {
        expect(
          store
            .incidents()
            .list()
            .map((i) => i.status),
        ).to.deep.equal(['contained']);
      } finally {
        store.close();
      }
      expect(readFileSync(result.reportPath, 'utf8')).to.contain('id="incidents"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
