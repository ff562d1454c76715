import type { ApiCall } from '../../shared/incident/calls';
import type { IpAddress } from '../../shared/incident/ip';

/**
 * block-ip, as pure functions of what was read. Where the state lives, and why: a network ACL entry has no
 * timestamp and no owner, and deleting one entry to create another is not atomic, so the NACL alone cannot tell the
 * oldest entry nor stop two runs from reusing one number. Each NACL (and each WAF IP set) has a ledger item in the
 * incident state table, written with a condition on the version read: runs serialize on it, and a run writes its
 * claims (rule number, address, time) before it touches the NACL. The NACL stays the truth of what is enforced; the
 * ledger is what rebaseline intends, and every run converges the one to the other.
 *
 * Given/When/Then:
 * - Given an attacker address: When blocked, Then a deny entry for it exists in each affected NACL, inbound (and
 *   outbound for command and control), only at rule numbers in rebaseline's range, other entries untouched.
 * - Given a NACL whose direction is full (20 entries per direction and IP version, its default rules included):
 *   When one more address is blocked, Then rebaseline's oldest entry of that class is replaced in place, and the
 *   result says so.
 * - Given two runs at once, for the same or different addresses: Then no address has two entries and no number is
 *   used twice (the loser of the ledger write re-reads and re-plans).
 * - Given entries older than the retention: When pruned, Then they are removed.
 */

/** One entry of a network ACL, as EC2 reports it. */
export interface NaclEntry {
  ruleNumber: number;
  egress: boolean;
  action: string;
  protocol: string;
  /** The CIDR (IPv4 `CidrBlock` or IPv6 `Ipv6CidrBlock`). */
  cidr: string;
  version: 4 | 6;
}

/** One entry rebaseline intends (the ledger of a NACL). */
export interface LedgerEntry {
  ruleNumber: number;
  egress: boolean;
  cidr: string;
  createdAt: string;
  findingId?: string;
  /** An eviction: the entry this one replaces in place at the same number. */
  replaces?: string;
  /** Being removed (prune or unblock): it is deleted from the NACL, then from the ledger. */
  deleting?: boolean;
  /** The order in which one run planned its entries (same `createdAt`): the first planned is the oldest. */
  seq?: number;
}

export type EntryStatus = 'applied' | 'pending-create' | 'pending-replace' | 'pending-delete';

export interface ViewEntry extends LedgerEntry {
  status: EntryStatus;
}

export interface BlockSettings {
  /** Inclusive range of rule numbers rebaseline owns. */
  range: [number, number];
  /** AWS's quota of rules per NACL, per direction and IP version, the default deny rule included (default 20). */
  quota: number;
  findingId?: string;
  now: Date;
}

const isHostCidr = (cidr: string) => /\/(32|128)$/.test(cidr);

/** The entries of the NACL rebaseline owns: deny, every protocol, one address, in its range. */
export function isOwned(entry: NaclEntry, range: [number, number]): boolean {
  return (
    entry.ruleNumber >= range[0] &&
    entry.ruleNumber <= range[1] &&
    entry.action === 'deny' &&
    entry.protocol === '-1' &&
    isHostCidr(entry.cidr)
  );
}

/**
 * What the ledger means against the NACL read now: each ledger entry's status, the ones that no longer hold (an
 * entry someone else put at the number, a deletion done), and the owned entries the ledger lacks (adopted, as of now).
 */
export function reconcile(
  nacl: readonly NaclEntry[],
  ledger: readonly LedgerEntry[],
  settings: BlockSettings,
): { view: ViewEntry[]; dropped: LedgerEntry[]; adopted: LedgerEntry[] } {
  const at = (egress: boolean, n: number) => nacl.find((e) => e.egress === egress && e.ruleNumber === n);
  const view: ViewEntry[] = [];
  const dropped: LedgerEntry[] = [];
  for (const e of ledger) {
    const current = at(e.egress, e.ruleNumber);
    if (e.deleting) {
      if (current?.cidr === e.cidr) view.push({ ...e, status: 'pending-delete' });
      else dropped.push(e);
    } else if (current?.cidr === e.cidr) view.push({ ...e, status: 'applied' });
    else if (!current) view.push({ ...e, status: 'pending-create' });
    else if (e.replaces && current.cidr === e.replaces) view.push({ ...e, status: 'pending-replace' });
    else dropped.push(e);
  }
  const adopted: LedgerEntry[] = [];
  for (const e of nacl)
    if (
      isOwned(e, settings.range) &&
      !view.some((v) => v.egress === e.egress && v.ruleNumber === e.ruleNumber)
    ) {
      const entry = {
        ruleNumber: e.ruleNumber,
        egress: e.egress,
        cidr: e.cidr,
        createdAt: settings.now.toISOString(),
      };
      adopted.push(entry);
      view.push({ ...entry, status: 'applied' });
    }
  return { view, dropped, adopted };
}

const direction = (egress: boolean) => (egress ? 'outbound' : 'inbound');

function entryCall(
  aclId: string,
  e: LedgerEntry,
  api: 'CreateNetworkAclEntry' | 'ReplaceNetworkAclEntry',
  why: string,
): ApiCall {
  const v6 = e.cidr.includes(':');
  return {
    service: 'ec2',
    api,
    resource: aclId,
    inputs: {
      NetworkAclId: aclId,
      RuleNumber: e.ruleNumber,
      Protocol: '-1',
      RuleAction: 'deny',
      Egress: e.egress,
      ...(v6 ? { Ipv6CidrBlock: e.cidr } : { CidrBlock: e.cidr }),
    },
    why,
  };
}

function deleteCall(aclId: string, e: LedgerEntry, why: string): ApiCall {
  return {
    service: 'ec2',
    api: 'DeleteNetworkAclEntry',
    resource: aclId,
    inputs: { NetworkAclId: aclId, RuleNumber: e.ruleNumber, Egress: e.egress },
    why,
  };
}

/** The calls that bring the NACL to what the ledger already says (an interrupted or concurrent run's claims). */
export function convergeCalls(aclId: string, view: readonly ViewEntry[]): ApiCall[] {
  return view.flatMap((e) => {
    if (e.status === 'pending-create')
      return [
        entryCall(
          aclId,
          e,
          'CreateNetworkAclEntry',
          `Apply the claimed deny of ${e.cidr} ${direction(e.egress)} (rule ${e.ruleNumber}).`,
        ),
      ];
    if (e.status === 'pending-replace')
      return [
        entryCall(
          aclId,
          e,
          'ReplaceNetworkAclEntry',
          `Apply the claimed deny of ${e.cidr} ${direction(e.egress)} in place of ${e.replaces} (rule ${e.ruleNumber}).`,
        ),
      ];
    if (e.status === 'pending-delete')
      return [
        deleteCall(aclId, e, `Remove the deny of ${e.cidr} ${direction(e.egress)} (rule ${e.ruleNumber}).`),
      ];
    return [];
  });
}

export interface NaclPlan {
  calls: ApiCall[];
  /** The ledger to write before the calls (claims included). */
  ledger: LedgerEntry[];
  notes: string[];
  /** Whether the ledger differs from the one read (a write is needed). */
  changed: boolean;
}

/**
 * The deny entries to add to one NACL for `ips` in `directions`: an address already denied in a direction is not
 * added again; a new entry takes the lowest free number of the range; a full class (direction × IP version) gives
 * up its oldest rebaseline entry, replaced in place.
 */
export function planBlock(
  aclId: string,
  nacl: readonly NaclEntry[],
  ledger: readonly LedgerEntry[],
  ips: readonly IpAddress[],
  egressDirections: readonly boolean[],
  settings: BlockSettings,
): NaclPlan {
  const { view, dropped, adopted } = reconcile(nacl, ledger, settings);
  const calls = convergeCalls(aclId, view);
  const notes: string[] = [];
  const entries: ViewEntry[] = [...view];
  const fresh = new Set<ViewEntry>();
  // The order in which this run plans its entries (`seq`): the first planned gives way first.
  let seq = 0;
  const plan = (e: ViewEntry) => {
    fresh.add(e);
    e.seq = seq++;
  };
  for (const ip of ips)
    for (const egress of egressDirections) {
      const existing = entries.find((e) => e.egress === egress && e.cidr === ip.cidr && !e.deleting);
      if (existing) {
        notes.push(
          `${ip.cidr} is already denied ${direction(egress)} in ${aclId} (rule ${existing.ruleNumber}).`,
        );
        continue;
      }
      const sameClass = (v: { egress: boolean; cidr: string }) =>
        v.egress === egress && v.cidr.includes(':') === (ip.version === 6);
      const numbers = new Set([
        ...nacl.filter((e) => e.egress === egress).map((e) => e.ruleNumber),
        ...entries.filter((e) => e.egress === egress).map((e) => e.ruleNumber),
      ]);
      const inClass =
        nacl.filter(sameClass).length +
        entries.filter((e) => sameClass(e) && (e.status === 'pending-create' || fresh.has(e)) && !e.replaces)
          .length;
      const entry: LedgerEntry = {
        ruleNumber: 0,
        egress,
        cidr: ip.cidr,
        createdAt: settings.now.toISOString(),
        ...(settings.findingId ? { findingId: settings.findingId } : {}),
      };
      let free: number | undefined;
      for (let n = settings.range[0]; n <= settings.range[1] && free === undefined; n++)
        if (!numbers.has(n)) free = n;
      if (inClass < settings.quota && free !== undefined) {
        const claimed: ViewEntry = { ...entry, ruleNumber: free, status: 'pending-create' };
        entries.push(claimed);
        plan(claimed);
        calls.push(
          entryCall(
            aclId,
            claimed,
            'CreateNetworkAclEntry',
            `Deny ${ip.cidr} ${direction(egress)} (rule ${free}).`,
          ),
        );
        continue;
      }
      // The oldest entry of the class gives way: an applied one is replaced in place; one planned earlier in this
      // same run (more addresses than room) is simply not created.
      const victim = entries
        .filter(
          (e) =>
            sameClass(e) &&
            (e.status === 'applied' || fresh.has(e)) &&
            !e.deleting &&
            !(fresh.has(e) && e.replaces),
        )
        .sort(
          (a, b) =>
            a.createdAt.localeCompare(b.createdAt) ||
            Number(fresh.has(a)) - Number(fresh.has(b)) ||
            (a.seq ?? -1) - (b.seq ?? -1) ||
            a.ruleNumber - b.ruleNumber,
        )[0];
      if (!victim) {
        notes.push(
          `${ip.cidr} cannot be denied ${direction(egress)} in ${aclId}: ${inClass < settings.quota ? `every number of the range ${settings.range.join('-')} is used` : `its ${settings.quota} IPv${ip.version} ${direction(egress)} rules (quota) are not rebaseline's to replace`}.`,
        );
        continue;
      }
      if (fresh.has(victim) && victim.status === 'pending-create') {
        const index = calls.findIndex(
          (c) =>
            c.inputs.RuleNumber === victim.ruleNumber &&
            c.inputs.Egress === egress &&
            c.api === 'CreateNetworkAclEntry',
        );
        const claimed: ViewEntry = { ...entry, ruleNumber: victim.ruleNumber, status: 'pending-create' };
        entries.splice(entries.indexOf(victim), 1, claimed);
        fresh.delete(victim);
        plan(claimed);
        calls.splice(
          index,
          1,
          entryCall(
            aclId,
            claimed,
            'CreateNetworkAclEntry',
            `Deny ${ip.cidr} ${direction(egress)} (rule ${victim.ruleNumber}).`,
          ),
        );
        notes.push(
          `${aclId} has room for only ${settings.quota} IPv${ip.version} ${direction(egress)} rules: ${victim.cidr} is not denied there, to make room for ${ip.cidr} (later in the list).`,
        );
        continue;
      }
      const replacement: ViewEntry = {
        ...entry,
        ruleNumber: victim.ruleNumber,
        replaces: victim.cidr,
        status: 'pending-replace',
      };
      entries.splice(entries.indexOf(victim), 1, replacement);
      plan(replacement);
      notes.push(
        `${aclId} is full for IPv${ip.version} ${direction(egress)} (${settings.quota} rules per direction): the oldest rebaseline entry, ${victim.cidr} (rule ${victim.ruleNumber}, since ${victim.createdAt}), is replaced by ${ip.cidr}.`,
      );
      calls.push(
        entryCall(
          aclId,
          replacement,
          'ReplaceNetworkAclEntry',
          `Deny ${ip.cidr} ${direction(egress)} in place of the oldest entry ${victim.cidr} (rule ${victim.ruleNumber}).`,
        ),
      );
    }
  const next = entries.map(({ status: _status, ...e }) => e);
  return { calls, ledger: next, notes, changed: dropped.length > 0 || adopted.length > 0 || fresh.size > 0 };
}

/**
 * Removal of entries (prune: older than the retention; unblock: of given addresses): the ledger marks them
 * `deleting` first, then the NACL entries are deleted, then the ledger forgets them.
 */
export function planRemove(
  aclId: string,
  nacl: readonly NaclEntry[],
  ledger: readonly LedgerEntry[],
  settings: BlockSettings,
  remove: (e: ViewEntry) => boolean,
): NaclPlan {
  const { view, dropped, adopted } = reconcile(nacl, ledger, settings);
  const notes: string[] = [];
  let marked = 0;
  const entries = view.map((e) => {
    if (e.status === 'applied' && !e.deleting && remove(e)) {
      marked++;
      notes.push(
        `Remove the deny of ${e.cidr} ${direction(e.egress)} from ${aclId} (rule ${e.ruleNumber}, since ${e.createdAt}).`,
      );
      return { ...e, deleting: true, status: 'pending-delete' as const };
    }
    return e;
  });
  const calls = convergeCalls(aclId, entries);
  return {
    calls,
    ledger: entries.map(({ status: _status, ...e }) => e),
    notes,
    changed: dropped.length > 0 || adopted.length > 0 || marked > 0,
  };
}

/** Rule-number range parameter: `1-99`. */
export function parseRange(text: string): [number, number] | undefined {
  const m = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(text);
  if (!m) return undefined;
  const range: [number, number] = [Number(m[1]), Number(m[2])];
  return range[0] >= 1 && range[1] <= 32766 && range[0] <= range[1] ? range : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// WAF IP sets: the set's own lock token serializes writers; the ledger only keeps when each address came.
// ---------------------------------------------------------------------------------------------------------

/** AWS WAF's quota of addresses in one IP set. */
export const WAF_IP_SET_LIMIT = 10_000;

/** The addresses of an IP set after adding `add` (its version's only), evicting the oldest when full. */
export function planIpSet(
  current: readonly string[],
  added: Readonly<Record<string, string>>,
  add: readonly string[],
  now: Date,
  limit = WAF_IP_SET_LIMIT,
): { addresses: string[]; added: Record<string, string>; notes: string[]; changed: boolean } {
  const addresses = [...current];
  const since: Record<string, string> = {};
  for (const a of addresses) since[a] = added[a] ?? now.toISOString();
  const notes: string[] = [];
  let changed = false;
  for (const cidr of add) {
    if (addresses.includes(cidr)) continue;
    if (addresses.length >= limit) {
      const oldest = [...addresses].sort((a, b) =>
        (since[a] ?? '').localeCompare(since[b] ?? ''),
      )[0] as string;
      addresses.splice(addresses.indexOf(oldest), 1);
      delete since[oldest];
      notes.push(`The IP set is full (${limit} addresses): its oldest address ${oldest} makes room.`);
    }
    addresses.push(cidr);
    since[cidr] = now.toISOString();
    changed = true;
  }
  return { addresses, added: since, notes, changed };
}
