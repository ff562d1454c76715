import {
  paginateDescribeSecurityGroups,
  paginateGetManagedPrefixListEntries,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { EC2 } from '../../aws/services/ec2';
import { awsErrorName } from '../../errors';
import { logger } from '../../logger';
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

/** EC2 errors that mean a prefix list is not visible to this role, as opposed to a failed read. */
const PREFIX_LIST_UNREADABLE = new Set([
  'UnauthorizedOperation',
  'AccessDenied',
  'AccessDeniedException',
  'InvalidPrefixListID.NotFound',
  'InvalidPrefixListId.NotFound',
  'InvalidPrefixListID.Malformed',
  'InvalidPrefixListId.Malformed',
]);

/**
 * How long a warm rule Lambda keeps a prefix list's entries. For up to this long after a list is edited, a group
 * that references it may be evaluated with the list's previous entries (Config does not re-evaluate the groups that
 * reference a list when the list changes in any case: the periodic evaluation catches that). A list that could not
 * be read (`undefined`) is never kept: it is read again next time.
 */
export const PREFIX_LIST_TTL_MS = 5 * 60_000;

/**
 * The EC2 part of a reader: security groups and the entries of managed prefix lists (kept across warm invocations,
 * {@link PREFIX_LIST_TTL_MS}).
 * @example
 * await new LiveReader(aws, accountId, { ec2: ec2Reads }).describeSecurityGroups();
 */
export const ec2Reads = defineReads('ec2', {
  live: ({ aws }) => ({
    async describeSecurityGroups(groupIds) {
      const groups: SecurityGroup[] = [];
      for await (const page of paginateDescribeSecurityGroups(
        { client: aws.get(EC2) },
        groupIds ? { GroupIds: groupIds } : {},
      ))
        groups.push(...(page.SecurityGroups ?? []));
      return groups;
    },

    async prefixListCidrs(prefixListId) {
      try {
        const cidrs: string[] = [];
        for await (const page of paginateGetManagedPrefixListEntries(
          { client: aws.get(EC2) },
          { PrefixListId: prefixListId },
        ))
          for (const e of page.Entries ?? []) if (e.Cidr) cidrs.push(e.Cidr);
        return cidrs;
      } catch (error) {
        // Only a list this role may not see (not shared, denied, gone) is "cannot be read". Throttling or a network
        // failure must fail the evaluation: treating the list as not the world would report the group COMPLIANT.
        if (!PREFIX_LIST_UNREADABLE.has(awsErrorName(error) ?? '')) throw error;
        logger.warn(
          { prefixListId, error: awsErrorName(error) },
          'prefix list entries unreadable; not treated as the world',
        );
        return undefined;
      }
    },
  }),
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
