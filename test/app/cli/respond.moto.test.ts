import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { HistoryStore } from '../../../app/history/store';
import { guardDutyEvent } from '../../helpers/findings';
import { useMoto } from '../../helpers/moto';
import { createWorkload, motoClients } from '../../playbooks/helpers';

const ROOT = join(__dirname, '..', '..', '..');

/**
 * The CLI as a user runs it (node bin/rebaseline.js), against the emulator. Asynchronous on purpose: a synchronous
 * spawn would stop this process from draining the emulator's log pipe, and the emulator would block on it.
 */
function rebaseline(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/rebaseline.js', ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: 'us-east-1',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (status) =>
      resolve({
        status,
        stdout,
        stderr: stderr.replace(
          /\(node:\d+\) Warning: NodeVersionSupportWarning[\s\S]*?trace-warnings \.\.\.` to show where the warning was created\)\n/,
          '',
        ),
      }),
    );
  });
}

describe('rebaseline respond and release (command line)', function () {
  this.timeout(240_000);
  const moto = useMoto();
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rebaseline-respond-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a malformed finding: exit 2 and one clear line naming the field, nothing recorded', async () => {
    const file = join(dir, 'finding.json');
    writeFileSync(file, JSON.stringify(guardDutyEvent({ severity: 'high' })));
    const out = await rebaseline([
      'respond',
      '--finding',
      file,
      '--endpoint-url',
      moto.endpoint,
      '--db',
      join(dir, 'h.db'),
    ]);
    expect(out.status).to.equal(2);
    expect(out.stderr).to.equal(
      'rebaseline: Malformed finding: detail.severity must be a number, got "high".\n',
    );
    expect(out.stdout).to.equal('');
  });

  it('--format json: one document {finding, decision, steps, applied}; --apply acts; release puts the instance back', async () => {
    const aws = motoClients(moto.endpoint);
    const w = await createWorkload(aws, 'web', { groupsOn: 'interface' });
    const file = join(dir, 'finding.json');
    const db = join(dir, 'h.db');
    writeFileSync(
      file,
      JSON.stringify(
        guardDutyEvent({
          severity: 8,
          type: 'Recon:EC2/Portscan',
          resource: { instanceDetails: { instanceId: w.instanceId } },
          service: {
            resourceRole: 'ACTOR',
            action: { networkConnectionAction: { connectionDirection: 'OUTBOUND' } },
          },
        }),
      ),
    );
    const dry = await rebaseline([
      'respond',
      '--finding',
      file,
      '--endpoint-url',
      moto.endpoint,
      '--db',
      db,
      '--format',
      'json',
    ]);
    expect(dry.status, `${dry.stderr}\n${dry.stdout.slice(-2000)}`).to.equal(0);
    const doc = JSON.parse(dry.stdout);
    expect(Object.keys(doc)).to.include.members(['finding', 'decision', 'steps', 'applied']);
    expect(doc.applied).to.equal(false);
    expect(doc.decision.map((d: { playbook: string }) => d.playbook)).to.deep.equal([
      'isolate-ec2-instance',
      'notify',
    ]);
    const step = doc.steps.find((s: { action: string }) => s.action === 'ec2:DisassociateIamInstanceProfile');
    expect(step).to.deep.include({
      playbook: 'isolate-ec2-instance',
      step: 'RemoveProfile',
      resource: w.instanceId,
      outcome: 'planned',
    });
    for (const s of doc.steps)
      expect(Object.keys(s).sort()).to.deep.equal([
        'action',
        'inputs',
        'outcome',
        'playbook',
        'resource',
        'step',
      ]);

    const applied = await rebaseline([
      'respond',
      '--finding',
      file,
      '--endpoint-url',
      moto.endpoint,
      '--db',
      db,
      '--apply',
    ]);
    expect(applied.status, applied.stdout + applied.stderr).to.equal(0);
    expect(applied.stdout).to.contain('APPLY');
    expect(applied.stdout).to.contain('isolate-ec2-instance: Success');

    const release = await rebaseline([
      'release',
      '--instance',
      w.instanceId,
      '--endpoint-url',
      moto.endpoint,
      '--db',
      db,
      '--apply',
    ]);
    expect(release.status, release.stdout + release.stderr).to.equal(0);
    expect(release.stdout).to.contain(`Release ${w.instanceId}: APPLY`);
    const store = HistoryStore.open(db);
    try {
      expect(
        store
          .incidents()
          .list()
          .map((i) => [i.kind, i.status]),
      ).to.deep.equal([
        ['response', 'planned'],
        ['response', 'contained'],
        ['release', 'released'],
      ]);
    } finally {
      store.close();
    }
  });

  it('release needs exactly one of --instance, --ip, --expired', async () => {
    const out = await rebaseline(['release', '--endpoint-url', moto.endpoint, '--db', join(dir, 'h.db')]);
    expect(out.status).to.equal(2);
    expect(out.stderr).to.equal('rebaseline: Give exactly one of --instance, --ip or --expired.\n');
  });
});
