import type { PublicAccessBlockConfiguration } from '@aws-sdk/client-s3';
import { UsageError } from '../../errors';
import { defineReads } from '../parts';
import { need } from '../snapshot-reader';

declare module '../reader' {
  interface ReadsByPart {
    s3control: {
      /** Account-level S3 Block Public Access; `null` when none is configured. */
      accountPublicAccessBlock(): Promise<PublicAccessBlockConfiguration | null>;
    };
  }
  interface EvaluationSnapshot {
    accountPublicAccessBlock?: Record<string, boolean> | null;
  }
}

/**
 * Accepts `{blockPublicAcls: true}` (configuration item) or `{BlockPublicAcls: true}` (API); a flag left out is off.
 * @throws UsageError for a flag that is not a boolean (or `"true"`/`"false"`): it must not be read as off.
 * @example
 * publicAccessBlockFromAnyCase({ blockPublicAcls: true }); // → { BlockPublicAcls: true, IgnorePublicAcls: false, … }
 */
export function publicAccessBlockFromAnyCase(
  flags: Record<string, unknown> | null | undefined,
): PublicAccessBlockConfiguration | null {
  if (flags === null || flags === undefined) return null;
  if (typeof flags !== 'object' || Array.isArray(flags))
    throw new UsageError('--context accountPublicAccessBlock must be an object of four flags, or null.');
  const read = (name: string) => {
    const key = name in flags ? name : name.charAt(0).toUpperCase() + name.slice(1);
    const v = flags[key];
    if (v === undefined || v === false || (typeof v === 'string' && v.toLowerCase() === 'false'))
      return false;
    if (v === true || (typeof v === 'string' && v.toLowerCase() === 'true')) return true;
    throw new UsageError(
      `--context accountPublicAccessBlock.${key} is ${JSON.stringify(v)}, not true or false.`,
    );
  };
  return {
    BlockPublicAcls: read('blockPublicAcls'),
    IgnorePublicAcls: read('ignorePublicAcls'),
    BlockPublicPolicy: read('blockPublicPolicy'),
    RestrictPublicBuckets: read('restrictPublicBuckets'),
  };
}

/**
 * The S3 Control part of a reader: the account-level S3 Block Public Access.
 * @example
 * await new LiveReader(aws, accountId, { s3control: s3controlReads }).accountPublicAccessBlock(); // null when none
 */
export const s3controlReads = defineReads('s3control', {
  live: () => import('./s3control.live.js'),
  snapshot: {
    keys: {
      accountPublicAccessBlock:
        'account-level S3 Block Public Access: {"blockPublicAcls":true,…} (camelCase or the API\'s PascalCase), null for none',
    },
    open: (snapshot) => ({
      async accountPublicAccessBlock() {
        // Absent is unknown, not "none" (that is `null`): a bucket whose verdict depends on it is not evaluated.
        const flags = need(
          snapshot.accountPublicAccessBlock,
          'accountPublicAccessBlock',
          'the account-level S3 Block Public Access (null when none is configured)',
        );
        return publicAccessBlockFromAnyCase(flags);
      },
    }),
  },
});
