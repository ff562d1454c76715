import type { SecurityGroup } from '@aws-sdk/client-ec2';
import { defineReads } from '../parts';
import { need } from '../snapshot-reader';

declare module '../reader' {
  interface ReadsByPart {
    ec2: {
      describeSecurityGroups(groupIds?: string[]): Promise<SecurityGroup[]>;
      /** CIDRs of a managed prefix list; `undefined` when they cannot be read (then the list is not the world). */
      prefixListCidrs(prefixListId: string): Promise<string[] | undefined>;
    };
  }
  interface EvaluationSnapshot {
    securityGroups?: SecurityGroup[];
    prefixLists?: Record<string, string[]>;
  }
}

/**
 * How long a warm rule Lambda keeps a prefix list's entries. For up to this long after a list is edited, a group
 * that references it may be evaluated with the list's previous entries (Config does not re-evaluate the groups that
 * reference a list when the list changes in any case: the periodic evaluation catches that). A list that could not
 * be read (`undefined`) is never kept: it is read again next time.
 */
export const PREFIX_LIST_TTL_MS = 5 * 60_000;

/**
 * The EC2 part of a reader: security groups and the entries of managed prefix lists (kept across warm invocations,
 * {@link PREFIX_LIST_TTL_MS}); its SDK calls are in `ec2.live.ts`.
 * @example
 * await new LiveReader(aws, accountId, { ec2: ec2Reads }).describeSecurityGroups();
 */
export const ec2Reads = defineReads('ec2', {
  live: () => import('./ec2.live.js'),
  keep: { prefixListCidrs: { ttlMs: PREFIX_LIST_TTL_MS, complete: Array.isArray } },
  snapshot: {
    keys: {
      securityGroups: 'DescribeSecurityGroups SecurityGroups',
      prefixLists: 'managed prefix list id → its CIDRs',
    },
    open: (snapshot) => ({
      async describeSecurityGroups(groupIds) {
        const all = need(snapshot.securityGroups, 'securityGroups', 'security groups');
        return groupIds ? all.filter((g) => g.GroupId && groupIds.includes(g.GroupId)) : all;
      },
      async prefixListCidrs(prefixListId) {
        // A list the context does not give is unknown, not empty: it must not make a group look closed.
        const entries = snapshot.prefixLists?.[prefixListId];
        return need(entries, `prefixLists["${prefixListId}"]`, `prefix list ${prefixListId}`);
      },
    }),
  },
});
