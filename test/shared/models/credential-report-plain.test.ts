import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { credentialReportContext, Rng } from '../../../bench/generate';
import { parseCredentialReport } from '../../../shared/models/credential-report';

const CORPUS = join(__dirname, '../../fixtures/corpus/credential_reports');

/** The same report with CRLF line ends: not plain, so csv-parse reads it. */
const viaCsvParse = (csv: string) => parseCredentialReport(csv.replace(/\n/g, '\r\n'));

describe('parseCredentialReport: the plain-CSV path and csv-parse agree', () => {
  it('on the real reports of the corpus', () => {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith('.csv'));
    expect(files).not.to.be.empty;
    for (const file of files) {
      const csv = readFileSync(join(CORPUS, file), 'utf8').replace(/\r\n/g, '\n');
      expect(parseCredentialReport(csv), file).to.deep.equal(viaCsvParse(csv));
    }
  });

  it('on 300 generated reports (root keys in every state, 0–200 users)', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 300; i++) {
      const csv = credentialReportContext(rng).credentialReport as string;
      expect(parseCredentialReport(csv)).to.deep.equal(viaCsvParse(csv));
    }
  });

  it('on a report with a byte-order mark, blank lines and no final line feed', () => {
    const csv =
      '\ufeffuser,arn,access_key_1_active\n\n<root_account>,arn:aws:iam::1:root,true\n\nbob,arn:aws:iam::1:user/bob,false';
    expect(parseCredentialReport(csv)).to.deep.equal(viaCsvParse(csv));
    expect(parseCredentialReport(csv).map((r) => r.user)).to.deep.equal(['<root_account>', 'bob']);
  });

  it('leaves quoted fields and ragged rows to csv-parse', () => {
    const quoted = 'user,arn,access_key_1_active\n"a,b",arn:aws:iam::1:user/ab,true\n';
    expect(parseCredentialReport(quoted)[0]?.user).to.equal('a,b');
    const ragged = 'user,arn,access_key_1_active\n<root_account>,arn:aws:iam::1:root\n';
    expect(parseCredentialReport(ragged)[0]?.accessKeys[0].active).to.equal(undefined);
  });
});
