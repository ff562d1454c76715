/**
 * CIDR arithmetic: parsing IPv4 and IPv6 CIDRs in any spelling AWS accepts, and deciding whether a set of them
 * covers a whole address family (`0.0.0.0/1` + `128.0.0.0/1` is all of IPv4 as surely as `0.0.0.0/0` is).
 */

/** One parsed CIDR: its family, its network (host bits cleared) as a number of 32 or 128 bits, its prefix length. */
export interface Cidr {
  family: 4 | 6;
  network: bigint;
  prefix: number;
  /** As written. */
  text: string;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const PREFIX = /^\d{1,3}$/;

function ipv4Value(text: string): bigint | undefined {
  const m = IPV4.exec(text);
  if (!m) return undefined;
  let value = 0n;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return undefined;
    value = (value << 8n) | BigInt(octet);
  }
  return value;
}

/** The 16-bit groups of one side of an IPv6 address (`a:b`), the last one possibly a dotted IPv4 address. */
function ipv6Groups(side: string, allowIpv4Tail: boolean): number[] | undefined {
  if (side === '') return [];
  const parts = side.split(':');
  const groups: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    if (allowIpv4Tail && i === parts.length - 1 && part.includes('.')) {
      const v4 = ipv4Value(part);
      if (v4 === undefined) return undefined;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (HEX_GROUP.test(part)) groups.push(Number.parseInt(part, 16));
    else return undefined;
  }
  return groups;
}

function ipv6Value(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const head = ipv6Groups(halves[0] as string, false);
    const tail = ipv6Groups(halves[1] as string, true);
    if (!head || !tail || head.length + tail.length > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = ipv6Groups(text, true);
    if (all?.length !== 8) return undefined;
    groups = all;
  }
  let value = 0n;
  for (const g of groups) value = (value << 16n) | BigInt(g);
  return value;
}

const bitsOf = (family: 4 | 6) => (family === 4 ? 32 : 128);

/**
 * Parses a CIDR (`10.0.0.0/8`, `::/0`, `0:0:0:0:0:0:0:0/0`, `::ffff:10.0.0.0/104`); with `bareAddress`, an address
 * alone is its /32 or /128 (as `aws:SourceIp` allows). Host bits are cleared (`10.0.0.1/0` is the world). Surrounding
 * whitespace is ignored; anything else that is not a CIDR gives `undefined`.
 * @example
 * parseCidr('128.0.0.0/1') // → { family: 4, network: 2147483648n, prefix: 1, text: '128.0.0.0/1' }
 */
export function parseCidr(text: string, options: { bareAddress?: boolean } = {}): Cidr | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  if (slash < 0 && !options.bareAddress) return undefined;
  const address = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const prefixText = slash < 0 ? undefined : trimmed.slice(slash + 1);
  if (prefixText !== undefined && !PREFIX.test(prefixText)) return undefined;
  const family: 4 | 6 = address.includes(':') ? 6 : 4;
  const value = family === 4 ? ipv4Value(address) : ipv6Value(address);
  if (value === undefined) return undefined;
  const bits = bitsOf(family);
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  const hostBits = BigInt(bits - prefix);
  return { family, network: (value >> hostBits) << hostBits, prefix, text };
}

/** The value of the 1-3 digits from `i` to the end of `text`, or -1. */
function prefixDigits(text: string, i: number): number {
  const digits = text.length - i;
  if (digits < 1 || digits > 3) return -1;
  let value = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    value = value * 10 + c - 48;
  }
  return value;
}

const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);

/**
 * The prefix length of a CIDR written plainly (`10.0.0.0/8`, `2001:db8::/32`: no surrounding space, no IPv4 tail in
 * an IPv6 address), read in one pass without allocating; -1 for anything else, which {@link parseCidr} then
 * decides. A model reads every CIDR of every item: this is its fast path, and it accepts exactly what `parseCidr`
 * accepts as a CIDR of that family (test/shared/models/cidr.test.ts checks it on generated and mutated text).
 * @example
 * plainCidrPrefix('10.0.0.0/8', 4) // → 8
 * plainCidrPrefix(' 10.0.0.0/8', 4) // → -1 (parseCidr reads it)
 */
export function plainCidrPrefix(text: string, family: 4 | 6): number {
  return family === 4 ? plainIpv4Prefix(text) : plainIpv6Prefix(text);
}

function plainIpv4Prefix(text: string): number {
  let i = 0;
  for (let octet = 0; octet < 4; octet++) {
    let value = 0;
    const start = i;
    for (; i < text.length && i - start < 4; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      value = value * 10 + c - 48;
    }
    if (i === start || i - start > 3 || value > 255) return -1;
    if (text.charCodeAt(i++) !== (octet < 3 ? 46 /* . */ : 47) /* / */) return -1;
  }
  const prefix = prefixDigits(text, i);
  return prefix <= 32 ? prefix : -1;
}

function plainIpv6Prefix(text: string): number {
  const slash = text.indexOf('/');
  if (slash < 1) return -1;
  const prefix = prefixDigits(text, slash + 1);
  if (prefix < 0 || prefix > 128) return -1;
  let groups = 0;
  let compressed = false;
  let i = 0;
  if (text.charCodeAt(0) === 58 /* : */) {
    if (text.charCodeAt(1) !== 58) return -1;
    compressed = true;
    i = 2;
  }
  while (i < slash) {
    const start = i;
    while (i < slash && isHex(text.charCodeAt(i))) i++;
    if (i === start || i - start > 4) return -1;
    groups++;
    if (i === slash) break;
    if (text.charCodeAt(i++) !== 58) return -1;
    if (text.charCodeAt(i) === 58) {
      if (compressed) return -1;
      compressed = true;
      i++;
    } else if (i === slash) return -1;
  }
  return (compressed ? groups <= 7 : groups === 8) ? prefix : -1;
}

/**
 * Whether text is a CIDR, IPv4 or IPv6, in any spelling {@link parseCidr} reads (without parsing a plain one into
 * numbers).
 * @example
 * isCidr('10.0.0.0/8') // → true
 */
export function isCidr(text: string): boolean {
  return plainCidrPrefix(text, text.includes(':') ? 6 : 4) >= 0 || parseCidr(text) !== undefined;
}

/**
 * True for a CIDR with prefix length 0, IPv4 or IPv6, in any spelling (`0.0.0.0/0`, `::/0`, `0:0:0:0:0:0:0:0/0`).
 * @example
 * isWorldCidr('10.0.0.0/0') // → true
 */
export function isWorldCidr(cidr: string): boolean {
  // Every world CIDR contains "/0"; rejecting the others before parsing keeps this cheap, and it runs for every
  // CIDR of every permission. A plainly written one is read without parsing it into numbers.
  if (plainCidrPrefix(cidr, cidr.includes(':') ? 6 : 4) === 0) return true;
  return cidr.includes('/0') && parseCidr(cidr)?.prefix === 0;
}

/**
 * The prefix length a CIDR ends with (`/8`, `/32`, `/128`: a slash and 1-3 digits ending the text), read from its
 * end without scanning the rest; -1 when it does not end so. Says nothing about the address before it.
 * @example
 * endingPrefixLength('10.0.0.0/8') // → 8
 */
export function endingPrefixLength(text: string): number {
  let value = 0;
  let scale = 1;
  for (let i = text.length - 1; i >= 0 && i >= text.length - 4; i--) {
    const c = text.charCodeAt(i);
    if (c === 47 /* / */) return i === text.length - 1 ? -1 : value;
    if (c < 48 || c > 57) return -1;
    value += (c - 48) * scale;
    scale *= 10;
  }
  return -1;
}

/** A whole address family and the CIDRs (disjoint, sorted) whose union is all of it. */
export interface FamilyCover<T extends { cidr: Cidr }> {
  family: 4 | 6;
  /** The largest blocks among the sources (each not inside another), which together cover the family. */
  blocks: T[];
}

/**
 * Whether the union of `sources` covers all of IPv4, or all of IPv6, and with which blocks. CIDR blocks either
 * nest or are disjoint, so the union is the sum of the blocks that lie inside no other, and it covers a family
 * exactly when those sum to its size.
 * @example
 * worldCover([{ cidr: parseCidr('0.0.0.0/1') }, { cidr: parseCidr('128.0.0.0/1') }]).map((c) => c.family) // → [4]
 */
export function worldCover<T extends { cidr: Cidr }>(sources: readonly T[]): FamilyCover<T>[] {
  const covers: FamilyCover<T>[] = [];
  for (const family of [4, 6] as const) {
    const bits = bitsOf(family);
    const mine = sources.filter((s) => s.cidr.family === family);
    if (mine.length === 0) continue;
    // An upper bound first (the blocks' sizes summed, overlaps counted twice): most sets of sources are far from
    // covering a family, and this rules them out without sorting or big integers.
    let bound = 0;
    for (const s of mine) bound += 2 ** (bits - s.cidr.prefix);
    if (bound < 2 ** bits * (1 - 1e-9)) continue;
    const sorted = [...mine].sort((a, b) =>
      a.cidr.network < b.cidr.network
        ? -1
        : a.cidr.network > b.cidr.network
          ? 1
          : a.cidr.prefix - b.cidr.prefix,
    );
    const blocks: T[] = [];
    let end = -1n;
    let covered = 0n;
    for (const s of sorted) {
      const size = 1n << BigInt(bits - s.cidr.prefix);
      if (s.cidr.network + size <= end) continue;
      blocks.push(s);
      covered += size;
      end = s.cidr.network + size;
    }
    if (covered === 1n << BigInt(bits)) covers.push({ family, blocks });
  }
  return covers;
}

/**
 * How an annotation names a cover: the CIDR itself when it is one /0, else the blocks joined with `+` and the family
 * (`0.0.0.0/1 + 128.0.0.0/1 (all of IPv4)`), the first three and a count when there are more.
 * @example
 * describeCover(4, ['0.0.0.0/1', '128.0.0.0/1']) // → '0.0.0.0/1 + 128.0.0.0/1 (all of IPv4)'
 */
export function describeCover(family: 4 | 6, labels: readonly string[]): string {
  if (labels.length === 1) return labels[0] as string;
  const shown =
    labels.length > 3 ? `${labels.slice(0, 3).join(' + ')} + ${labels.length - 3} more` : labels.join(' + ');
  return `${shown} (all of IPv${family})`;
}
