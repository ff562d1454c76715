import { expect } from 'chai';
import {
  addLogDestination,
  REDACTED_ACCESS_KEY_ID,
  REDACTED_CREDENTIAL_REPORT,
  logger as rootLogger,
  scrubLogLine,
} from '../../shared/logger';
import { DELIBERATE_SECRETS } from '../helpers/log-secrets';

// These lines hold secrets on purpose; the suite-wide watch (test/helpers/log-secrets.ts) skips them.
const logger = rootLogger.child(DELIBERATE_SECRETS);

/** The lines `log` writes, read through a destination of their own. */
function linesOf(log: () => void): Record<string, unknown>[] {
  const lines: string[] = [];
  const stop = addLogDestination({ write: (line: string) => lines.push(line) }, 'trace');
  try {
    log();
  } finally {
    stop();
  }
  return lines.map((l) => JSON.parse(l));
}

describe('shared/logger', () => {
  it('never writes an access key id, long-term or temporary, wherever it is in the line', () => {
    const [line] = linesOf(() =>
      logger.warn(
        { key: 'AKIAIOSFODNN7EXAMPLE', nested: { keys: ['ASIAJEXAMPLEXEG2JICE'] } },
        'key AKIAI44QH8DHBEXAMPLE',
      ),
    );
    const text = JSON.stringify(line);
    expect(text).to.not.match(/AKIA[A-Z0-9]{16}|ASIA[A-Z0-9]{16}/);
    expect(line?.key).to.equal(REDACTED_ACCESS_KEY_ID);
    expect(line?.msg).to.equal(`key ${REDACTED_ACCESS_KEY_ID}`);
  });

  it('never writes a credential report, nor secret keys, tokens or external ids', () => {
    const report =
      'user,arn,user_creation_time,password_enabled\n<root_account>,arn:aws:iam::1:root,2020,not_supported';
    const [line] = linesOf(() =>
      logger.error(
        {
          report,
          credentials: { accessKeyId: 'x', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' },
          input: { RoleArn: 'arn:aws:iam::1:role/r', ExternalId: 'shared-secret' },
          SessionToken: 'token',
        },
        'failed',
      ),
    );
    const text = JSON.stringify(line);
    expect(line?.report).to.equal(REDACTED_CREDENTIAL_REPORT);
    expect(text).to.not.include('wJalrXUtnFEMI').and.not.include('shared-secret').and.not.include('"token"');
    expect(text).to.include('arn:aws:iam::1:role/r');
  });

  it('censors secret keys one level down in an error too, and still writes it as an error', () => {
    // Prepare
    const err = Object.assign(new Error('AssumeRole failed'), {
      SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/EXAMPLE',
    });
    // Act
    const [line] = linesOf(() => logger.error({ err, context: { sessionToken: 'tok' }, count: 2 }, 'failed'));
    // Assess
    const text = JSON.stringify(line);
    expect(text).to.not.include('wJalrXUtnFEMI').and.not.include('"tok"');
    expect(line?.err).to.deep.include({
      type: 'Error',
      message: 'AssumeRole failed',
      SecretAccessKey: '[redacted]',
    });
    expect(line?.count).to.equal(2);
    expect(err.SecretAccessKey).to.equal('wJalrXUtnFEMI/K7MDENG/EXAMPLE');
  });

  it('scrubs a line without touching ids that only look alike', () => {
    expect(scrubLogLine('{"msg":"sg-0123 AKIA1234"}')).to.equal('{"msg":"sg-0123 AKIA1234"}');
    expect(scrubLogLine('{"msg":"AKIAIOSFODNN7EXAMPLE"}')).to.equal(`{"msg":"${REDACTED_ACCESS_KEY_ID}"}`);
  });
});
