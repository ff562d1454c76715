import pino from 'pino';

/**
 * The one structured JSON logger. It writes to stderr so that a CLI's stdout stays machine-readable; Lambda
 * sends stderr to CloudWatch Logs like stdout. Level from `LOG_LEVEL` (default `info`).
 */
export const logger = pino(
  {
    level: process.env.LOG_LEVEL ?? 'info',
    base: { service: 'rebaseline' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  },
  pino.destination({ fd: 2, sync: true }),
);
