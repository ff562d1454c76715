import type { LiveReads } from '../live-reader';
import type { ReadPart } from '../reader';
import { cloudtrailReads } from './cloudtrail';
import { ec2Reads } from './ec2';
import { iamReads } from './iam';
import { s3Reads } from './s3';
import { s3controlReads } from './s3control';

/**
 * Every part of the live reader, for a reader that may be asked anything (the live reader's own tests). It imports
 * the SDK clients of every part: the adapter, `scan` and the remediations take their rules' `reads` instead.
 * @example
 * const reader = new LiveReader(aws, accountId, ALL_READS);
 */
export const ALL_READS: { readonly [N in ReadPart]: LiveReads<N> } = {
  ec2: ec2Reads,
  s3: s3Reads,
  s3control: s3controlReads,
  iam: iamReads,
  cloudtrail: cloudtrailReads,
};
