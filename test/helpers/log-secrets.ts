import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addLogDestination, REDACTED_ACCESS_KEY_ID, REDACTED_CREDENTIAL_REPORT } from '../../shared/logger';

/** What must never be in a log line, and what the logger writes when code tried to log it anyway. */
export const LOG_SECRET_PATTERNS: readonly { name: string; pattern: RegExp }[] = [
  { name: 'an access key id', pattern: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/ },
  {
    name: 'an access key id (masked: a call site logged one)',
    pattern: new RegExp(literal(REDACTED_ACCESS_KEY_ID)),
  },
  {
    name: 'a credential report',
    pattern: /user_creation_time|password_last_changed|access_key_1_last_rotated/,
  },
  {
    name: 'a credential report (masked: a call site logged one)',
    pattern: new RegExp(literal(REDACTED_CREDENTIAL_REPORT)),
  },
  {
    name: 'a secret access key',
    pattern: /"(?:secretAccessKey|SecretAccessKey|aws_secret_access_key)":"(?!\[redacted\])/,
  },
  { name: 'a session token', pattern: /"(?:sessionToken|SessionToken)":"(?!\[redacted\])/ },
  { name: 'an external id', pattern: /"(?:externalId|ExternalId)":"(?!\[redacted\])/ },
];

/** The binding of a child logger whose lines hold secrets on purpose (the logger's own tests): the watch skips them. */
export const DELIBERATE_SECRETS = { deliberateSecretsForTest: true } as const;

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Reads every line the logger writes while it runs (at trace level, whatever `LOG_LEVEL` says) and fails at the end
 * if a line holds an access key id, credential report contents, a secret key or token, or the marker the logger puts
 * in their place. The test suite runs it around the whole run (test/setup.ts); the lines read are counted, and the
 * offending ones kept, in test-artifacts/log-secrets.json.
 */
export function logSecretsWatch() {
  let lines = 0;
  const offending: { secret: string; line: string }[] = [];
  let stop: (() => void) | undefined;
  const read = (line: string, source?: string) => {
    lines++;
    if (line.includes('"deliberateSecretsForTest":true')) return;
    for (const { name, pattern } of LOG_SECRET_PATTERNS)
      if (pattern.test(line))
        offending.push({ secret: name, line: `${source ? `[${source}] ` : ''}${line.trim()}` });
  };
  return {
    start() {
      stop = addLogDestination({ write: (line: string) => read(line) }, 'trace');
    },
    /**
     * Reads the log lines a child process wrote (its stderr: a packaged Lambda bundle, the CLI run as a command),
     * which this process's logger never sees. Lines that are not JSON log lines are skipped.
     */
    readChildOutput(text: string, source: string) {
      for (const line of text.split('\n')) if (/^\{.*"level":/.test(line)) read(line, source);
    },
    /** @throws when a line held a secret; the message names each. */
    stopAndAssert() {
      stop?.();
      mkdirSync(join(__dirname, '..', '..', 'test-artifacts'), { recursive: true });
      writeFileSync(
        join(__dirname, '..', '..', 'test-artifacts', 'log-secrets.json'),
        `${JSON.stringify({ lines, offending }, null, 2)}\n`,
      );
      if (offending.length > 0)
        throw new Error(
          `${offending.length} of the ${lines} log line(s) of the test suite hold secrets:\n${offending
            .slice(0, 20)
            .map((o) => `  ${o.secret}: ${o.line.slice(0, 400)}`)
            .join('\n')}`,
        );
    },
  };
}

/** The watch of this test run (test/setup.ts starts it before the first test and checks it after the last). */
export const suiteLogWatch = logSecretsWatch();
