import { SingleBar } from 'cli-progress';
import type { ScanEvent } from './organization';
import type { CallStats } from './rate-limit';

const count = (n: number) => n.toLocaleString('en-US');

/**
 * What a scan of several accounts and regions has done so far, from its events and its clients' call counts: the
 * progress line on stderr says accounts reached, account-regions done of those known, resources evaluated, requests
 * sent, throttling answers and failures.
 * @example
 * const progress = new ScanProgress(() => limits.stats);
 * progress.on({ type: 'accounts', accounts: 3 });
 * progress.line(); // → '0/3 accounts · 0/0 account-regions · 0 resources · 0 requests · 0 throttled'
 */
export class ScanProgress {
  accounts = 0;
  reached = 0;
  unreachable = 0;
  regionsTotal = 0;
  regionsDone = 0;
  evaluated = 0;
  failed = 0;
  retrying = false;
  private readonly done = new Set<string>();

  constructor(private readonly stats: () => CallStats | undefined) {}

  on(event: ScanEvent): void {
    switch (event.type) {
      case 'accounts':
        this.accounts = event.accounts;
        break;
      case 'account-ready':
        this.reached++;
        this.regionsTotal += event.regions.length;
        break;
      case 'account-failed':
        if (event.final) this.unreachable++;
        break;
      case 'region-done': {
        const key = `${event.accountId}|${event.region}`;
        if (!this.done.has(key)) {
          this.done.add(key);
          this.regionsDone++;
        }
        this.evaluated += event.evaluated;
        // A first try's failures are counted once the retry has had its say.
        if (!event.retry) this.failed += event.failed;
        break;
      }
      case 'retrying':
        this.retrying = true;
        break;
    }
  }

  line(): string {
    const stats = this.stats();
    const parts = [
      `${count(this.reached)}/${count(this.accounts)} accounts`,
      `${count(this.regionsDone)}/${count(this.regionsTotal)} account-regions`,
      `${count(this.evaluated)} resources`,
      `${count(stats?.requests ?? 0)} requests`,
      `${count(stats?.throttles ?? 0)} throttled`,
    ];
    if (this.failed > 0 || this.unreachable > 0)
      parts.push(
        `${count(this.failed)} not evaluated${this.unreachable ? `, ${this.unreachable} accounts unreachable` : ''}`,
      );
    if (this.retrying) parts.push('retrying what failed');
    return parts.join(' · ');
  }
}

/**
 * A progress bar on stderr when it is a terminal (never on stdout, which may be JSON): account-regions done of those
 * known so far, then the {@link ScanProgress} line, refreshed on every event and every second.
 * @returns the event listener and `stop` (call it before writing the results), or `undefined` when stderr is not a
 *   terminal.
 */
export function progressBar(
  stats: () => CallStats | undefined,
  stream: NodeJS.WriteStream = process.stderr,
): { onEvent: (event: ScanEvent) => void; stop: () => void } | undefined {
  if (!stream.isTTY) return undefined;
  const progress = new ScanProgress(stats);
  const bar = new SingleBar({ stream, format: 'scanning {bar} {line}', hideCursor: true, barsize: 20 });
  bar.start(1, 0, { line: progress.line() });
  const render = () => {
    bar.setTotal(Math.max(1, progress.regionsTotal));
    bar.update(progress.regionsDone, { line: progress.line() });
  };
  const timer = setInterval(render, 1000);
  timer.unref();
  return {
    onEvent: (event) => {
      progress.on(event);
      render();
    },
    stop: () => {
      clearInterval(timer);
      render();
      bar.stop();
    },
  };
}
