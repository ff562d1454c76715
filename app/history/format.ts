import { UsageError } from '../../shared/errors';

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A `--since` value: an ISO date or date-time (`2026-01-31`, `2026-01-31T12:00:00Z`), or an age back from
 * `now` (`90m`, `24h`, `7d`, `12w`).
 * @example
 * parseSince('7d', new Date('2026-02-08T00:00:00Z')); // 2026-02-01T00:00:00.000Z
 */
export function parseSince(value: string, now: Date = new Date()): Date {
  const relative = /^(\d+)\s*([smhdw])$/i.exec(value.trim());
  if (relative) return new Date(now.getTime() - Number(relative[1]) * UNITS[relative[2]!.toLowerCase()]!);
  const date = /^\d{4}-\d{2}-\d{2}/.test(value.trim()) ? new Date(value.trim()) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime()))
    throw new UsageError(
      `--since ${value} is neither a date (2026-01-31, 2026-01-31T12:00:00Z) nor an age (7d, 24h).`,
    );
  return date;
}

/**
 * A duration for people: milliseconds below a second, seconds with two decimals below ten seconds (so a 1.2 s and a
 * 1.9 s fix do not both read "1s"), then the two largest units (`45s`, `4m 12s`, `2h 5m`, `3d 4h`).
 * @example
 * formatDuration(606); // '606ms'
 * formatDuration(1_250); // '1.25s'
 * formatDuration(252_000); // '4m 12s'
 */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (Math.round(ms) < 1_000) return `${Math.round(ms)}ms`;
  const centiseconds = Math.round(ms / 10);
  if (centiseconds < 1_000) return `${(centiseconds / 100).toFixed(2)}s`;
  const total = Math.round(ms / 1_000) * 1_000;
  const parts: [number, string][] = [
    [Math.floor(total / 86_400_000), 'd'],
    [Math.floor(total / 3_600_000) % 24, 'h'],
    [Math.floor(total / 60_000) % 60, 'm'],
    [Math.floor(total / 1_000) % 60, 's'],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  return parts
    .slice(first, first + 2)
    .filter(([n], i) => i === 0 || n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join(' ');
}

/**
 * `2026-01-31 12:00:05Z`: a UTC time at second precision, for tables and timelines; with `ms`,
 * `2026-01-31 12:00:05.123Z` (events a fraction of a second apart, in a drill-down).
 */
export function formatTime(iso: string | null | undefined, options: { ms?: boolean } = {}): string {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, options.ms ? 23 : 19)}Z`;
}
