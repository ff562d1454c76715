import ipaddr from 'ipaddr.js';

/** One IP address in its canonical text (IPv4 dotted quad; IPv6 as RFC 5952 writes it) and as a host CIDR. */
export interface IpAddress {
  address: string;
  version: 4 | 6;
  /** `/32` or `/128`: what a network ACL entry, a WAF IP set and a security group take. */
  cidr: string;
}

type Parsed = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Parses one address (not a CIDR). IPv4 only as four decimal parts (ipaddr.js would also take `0x7f.1` or `1`), IPv6 in
 * any valid spelling; an IPv4-mapped IPv6 address (`::ffff:198.51.100.7`) is the IPv4 address it carries.
 * @returns undefined when the text is not an address.
 * @example
 * parseIpAddress('2001:DB8:0:0::1'); // { address: '2001:db8::1', version: 6, cidr: '2001:db8::1/128' }
 */
export function parseIpAddress(text: string): IpAddress | undefined {
  const value = text.trim();
  let ip: Parsed;
  if (ipaddr.IPv4.isValidFourPartDecimal(value)) ip = ipaddr.IPv4.parse(value);
  else if (ipaddr.IPv6.isValid(value) && !value.includes('%')) ip = ipaddr.IPv6.parse(value);
  else return undefined;
  if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress())
    ip = (ip as ipaddr.IPv6).toIPv4Address();
  return ip.kind() === 'ipv4'
    ? { address: ip.toString(), version: 4, cidr: `${ip.toString()}/32` }
    : {
        address: (ip as ipaddr.IPv6).toRFC5952String(),
        version: 6,
        cidr: `${(ip as ipaddr.IPv6).toRFC5952String()}/128`,
      };
}

/** A CIDR as AWS stores it (`10.0.0.0/8`, `2001:db8::/32`); undefined when the text is not a CIDR. */
export function parseCidr(
  text: string,
): { cidr: string; version: 4 | 6; range: [Parsed, number] } | undefined {
  const value = text.trim();
  const slash = value.indexOf('/');
  if (slash < 0) {
    const host = parseIpAddress(value);
    return host ? parseCidr(host.cidr) : undefined;
  }
  const base = value.slice(0, slash);
  const bits = value.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits)) return undefined;
  const isV4 = ipaddr.IPv4.isValidFourPartDecimal(base);
  if (!isV4 && !(ipaddr.IPv6.isValid(base) && !base.includes('%'))) return undefined;
  const length = Number(bits);
  if (length > (isV4 ? 32 : 128)) return undefined;
  const network = isV4
    ? ipaddr.IPv4.networkAddressFromCIDR(`${base}/${length}`)
    : ipaddr.IPv6.networkAddressFromCIDR(`${base}/${length}`);
  const text6 = (n: Parsed) => (n.kind() === 'ipv6' ? (n as ipaddr.IPv6).toRFC5952String() : n.toString());
  return { cidr: `${text6(network)}/${length}`, version: isV4 ? 4 : 6, range: [network, length] };
}

/** True when `cidr` contains the address. */
export function cidrContains(cidr: string, ip: IpAddress): boolean {
  const range = parseCidr(cidr);
  if (!range || range.version !== ip.version) return false;
  const parsed = ipaddr.parse(ip.address);
  return parsed.kind() === range.range[0].kind() && parsed.match(range.range);
}

/** Ranges no internet attacker can come from, with why (ipaddr.js's "reserved" also holds the documentation ranges,
 * which GuardDuty's sample findings use, so the ranges are listed here). */
const UNBLOCKABLE: readonly [string, string][] = [
  ['0.0.0.0/8', 'is the unspecified address (0.0.0.0/8)'],
  ['127.0.0.0/8', 'is a loopback address'],
  ['169.254.0.0/16', 'is link-local (it never crosses a router)'],
  ['224.0.0.0/4', 'is a multicast address'],
  ['240.0.0.0/4', 'is in the reserved range 240.0.0.0/4 (with the broadcast address)'],
  ['::/128', 'is the unspecified address (::)'],
  ['::1/128', 'is a loopback address'],
  ['fe80::/10', 'is link-local (it never crosses a router)'],
  ['ff00::/8', 'is a multicast address'],
];

/**
 * Why an address can never be an internet attacker worth a deny entry, whatever the allow-list says: it cannot
 * come from the internet (unspecified, loopback, link-local, multicast, reserved). undefined for any other address.
 * @example
 * unblockableReason(parseIpAddress('0.0.0.0')!); // 'is the unspecified address (0.0.0.0/8)'
 */
export function unblockableReason(ip: IpAddress): string | undefined {
  return UNBLOCKABLE.find(([cidr]) => cidrContains(cidr, ip))?.[1];
}

/**
 * What is never blocked, whatever the allow-list parameter adds: the private ranges of RFC 1918, carrier-grade NAT
 * (RFC 6598) and IPv6 unique local addresses (RFC 4193). A VPC's own CIDRs are added at run time.
 */
export const DEFAULT_ALLOW_LIST: readonly string[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  'fc00::/7',
];
