import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigServiceClient, GetResourceConfigHistoryCommand } from '@aws-sdk/client-config-service';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import { HistoryStore } from '../../../app/history/store';
import { captureCli } from '../../helpers/cli';
import { ACCOUNT_EXCHANGES, AGGREGATOR_EXCHANGES, answer } from '../history/config-exchanges';

/** Runs the CLI in this process, so that the mocked Config client answers it. */
const rebaseline = captureCli;

describe('rebaseline audit import (CLI)', () => {
  let config: AwsClientStub<ConfigServiceClient>;
  let dir: string;
  let db: string;
  beforeEach(() => {
    config = mockClient(ConfigServiceClient);
    dir = mkdtempSync(join(tmpdir(), 'rebaseline-cli-audit-'));
    db = join(dir, 'history.db');
  });
  afterEach(() => {
    config.restore();
    rmSync(dir, { recursive: true, force: true });
  });

  it('imports an account’s Config history into the store, and a second time adds nothing', async () => {
    for (const name of ACCOUNT_EXCHANGES) answer(config, name);

    const first = await rebaseline([
      'audit',
      'import',
      '--db',
      db,
      '--region',
      'us-east-1',
      '--since',
      '2021-04-01',
    ]);

    expect(first.status, first.stderr).to.equal(0);
    expect(first.stdout).to.equal(
      [
        `Imported from AWS Config into ${db} (run 1):`,
        '  rules: 2',
        '  evaluations: 12 new, 0 already recorded',
        '  compliance history items read: 7',
        '  remediation executions: 2 new, 0 updated',
        '',
      ].join('\n'),
    );
    expect(first.stderr).to.include('Compliance of access-keys-rotated…');
    expect(config.commandCalls(GetResourceConfigHistoryCommand)[0]!.args[0].input.earlierTime).to.deep.equal(
      new Date('2021-04-01T00:00:00Z'),
    );

    const second = await rebaseline(['audit', 'import', '--db', db, '--region', 'us-east-1']);
    expect(second.stdout).to.include('evaluations: 0 new, 12 already recorded');

    const store = HistoryStore.open(db);
    expect(store.evaluations()).to.have.length(12);
    expect(store.remediations()).to.have.length(2);
    // The deployed rule name is recorded under the rebaseline rule id.
    expect(store.evaluations().some((e) => e.ruleId === 'ec2-security-group-no-public-ingress')).to.equal(
      true,
    );
    const [latest] = store.runs();
    expect(latest).to.include({ kind: 'import', source: 'aws-config', status: 'succeeded' });
    expect(latest!.args).to.deep.include({ command: 'audit import', region: 'us-east-1' });
    store.close();
  });

  it('imports through an aggregator and only the rules asked for', async () => {
    for (const name of AGGREGATOR_EXCHANGES) answer(config, name);

    const run = await rebaseline([
      'audit',
      'import',
      '--db',
      db,
      '--aggregator',
      'org-aggregator',
      '--rules',
      'ec2-security-group-no-public-ingress',
    ]);

    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout)
      .to.include('rules: 1')
      .and.include('evaluations: 2 new')
      .and.include('note: Through an aggregator');
    const store = HistoryStore.open(db);
    expect(store.evaluations().map((e) => e.account)).to.have.members(['477575873490', '616241992003']);
    store.close();
  });
});
