/**
 * Classification of IP addresses for the egress guard. Each range is a small named
 * check citing the document that defines it; `classifyAddress` tries them in order
 * and returns the first that matches, so narrower ranges (cloud metadata) come
 * before the wider ranges that contain them (link-local, shared).
 */
import ipaddr from 'ipaddr.js';

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

/** Category of an address, as the egress policy sees it. */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'shared'
  | 'link-local'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'documentation'
  | 'invalid';

/** Mechanism by which an IPv6 address carries an IPv4 address. */
export type Ipv4Embedding = 'ipv4-mapped' | 'ipv4-compatible' | 'nat64' | '6to4' | 'teredo';

export interface AddressClassification {
  class: AddressClass;
  /** The range that matched and its source, for people (`RFC 1918 private 10.0.0.0/8`). */
  range: string;
  /** Set when the address is IPv6 wrapping an IPv4 address; `class` is then the class of that IPv4 address. */
  embedding?: Ipv4Embedding;
  /** The IPv4 address unwrapped from `embedding`. */
  embeddedIpv4?: string;
}

interface RangeCheck<A> {
  class: AddressClass;
  range: string;
  matches: (address: A) => boolean;
}

function inCidr(cidr: string): (address: IPv4 | IPv6) => boolean {
  const parsed = ipaddr.parseCIDR(cidr);
  return (address) => address.kind() === parsed[0].kind() && address.match(parsed);
}

function isAddress(text: string): (address: IPv4 | IPv6) => boolean {
  const expected = ipaddr.parse(text).toNormalizedString();
  return (address) => address.toNormalizedString() === expected;
}

// Instance metadata services: AWS, GCP, Azure, Oracle and others (169.254.169.254),
// AWS ECS task metadata (169.254.170.2), Alibaba Cloud (100.100.100.200).
const IPV4_CHECKS: RangeCheck<IPv4>[] = [
  {
    class: 'metadata',
    range: 'cloud metadata 169.254.169.254',
    matches: isAddress('169.254.169.254'),
  },
  {
    class: 'metadata',
    range: 'ECS task metadata 169.254.170.2',
    matches: isAddress('169.254.170.2'),
  },
  {
    class: 'metadata',
    range: 'Alibaba Cloud metadata 100.100.100.200',
    matches: isAddress('100.100.100.200'),
  },
  {
    class: 'unspecified',
    range: 'RFC 1122 "this network" 0.0.0.0/8',
    matches: inCidr('0.0.0.0/8'),
  },
  { class: 'private', range: 'RFC 1918 private 10.0.0.0/8', matches: inCidr('10.0.0.0/8') },
  {
    class: 'shared',
    range: 'RFC 6598 shared address space 100.64.0.0/10',
    matches: inCidr('100.64.0.0/10'),
  },
  { class: 'loopback', range: 'RFC 1122 loopback 127.0.0.0/8', matches: inCidr('127.0.0.0/8') },
  {
    class: 'link-local',
    range: 'RFC 3927 link-local 169.254.0.0/16',
    matches: inCidr('169.254.0.0/16'),
  },
  { class: 'private', range: 'RFC 1918 private 172.16.0.0/12', matches: inCidr('172.16.0.0/12') },
  {
    class: 'reserved',
    range: 'RFC 6890 IETF protocol assignments 192.0.0.0/24',
    matches: inCidr('192.0.0.0/24'),
  },
  {
    class: 'documentation',
    range: 'RFC 5737 TEST-NET-1 192.0.2.0/24',
    matches: inCidr('192.0.2.0/24'),
  },
  {
    class: 'reserved',
    range: 'RFC 7526 6to4 relay anycast 192.88.99.0/24',
    matches: inCidr('192.88.99.0/24'),
  },
  { class: 'private', range: 'RFC 1918 private 192.168.0.0/16', matches: inCidr('192.168.0.0/16') },
  {
    class: 'reserved',
    range: 'RFC 2544 benchmarking 198.18.0.0/15',
    matches: inCidr('198.18.0.0/15'),
  },
  {
    class: 'documentation',
    range: 'RFC 5737 TEST-NET-2 198.51.100.0/24',
    matches: inCidr('198.51.100.0/24'),
  },
  {
    class: 'documentation',
    range: 'RFC 5737 TEST-NET-3 203.0.113.0/24',
    matches: inCidr('203.0.113.0/24'),
  },
  { class: 'multicast', range: 'RFC 5771 multicast 224.0.0.0/4', matches: inCidr('224.0.0.0/4') },
  {
    class: 'broadcast',
    range: 'RFC 919 limited broadcast 255.255.255.255',
    matches: isAddress('255.255.255.255'),
  },
  { class: 'reserved', range: 'RFC 1112 reserved 240.0.0.0/4', matches: inCidr('240.0.0.0/4') },
];

// AWS publishes its IPv6 metadata endpoint inside the unique-local range.
const IPV6_CHECKS: RangeCheck<IPv6>[] = [
  { class: 'metadata', range: 'AWS metadata fd00:ec2::254', matches: isAddress('fd00:ec2::254') },
  { class: 'unspecified', range: 'RFC 4291 unspecified ::', matches: isAddress('::') },
  { class: 'loopback', range: 'RFC 4291 loopback ::1', matches: isAddress('::1') },
  { class: 'reserved', range: 'RFC 6666 discard-only 100::/64', matches: inCidr('100::/64') },
  {
    class: 'reserved',
    range: 'RFC 8215 local-use NAT64 64:ff9b:1::/48',
    matches: inCidr('64:ff9b:1::/48'),
  },
  {
    class: 'documentation',
    range: 'RFC 3849 documentation 2001:db8::/32',
    matches: inCidr('2001:db8::/32'),
  },
  {
    class: 'documentation',
    range: 'RFC 9637 documentation 3fff::/20',
    matches: inCidr('3fff::/20'),
  },
  {
    class: 'reserved',
    range: 'RFC 2928 IETF protocol assignments 2001::/23',
    matches: inCidr('2001::/23'),
  },
  { class: 'private', range: 'RFC 4193 unique local fc00::/7', matches: inCidr('fc00::/7') },
  { class: 'link-local', range: 'RFC 4291 link-local fe80::/10', matches: inCidr('fe80::/10') },
  {
    class: 'reserved',
    range: 'RFC 3879 deprecated site-local fec0::/10',
    matches: inCidr('fec0::/10'),
  },
  { class: 'multicast', range: 'RFC 4291 multicast ff00::/8', matches: inCidr('ff00::/8') },
  // Everything outside global unicast 2000::/3 is unassigned or reserved by IANA.
  {
    class: 'reserved',
    range: 'RFC 4291 outside global unicast 2000::/3',
    matches: (a) => !inGlobalUnicast(a),
  },
];

const inGlobalUnicast = inCidr('2000::/3');
const inIpv4CompatibleRange = inCidr('::/96');
const isUnspecifiedIpv6 = isAddress('::');
const isLoopbackIpv6 = isAddress('::1');

interface EmbeddingCheck {
  embedding: Ipv4Embedding;
  matches: (address: IPv6) => boolean;
  unwrap: (address: IPv6) => IPv4;
}

function ipv4FromWords(high: number, low: number): IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

// Checked before the IPv6 ranges, because the IPv4 address inside decides where the packet goes.
const EMBEDDING_CHECKS: EmbeddingCheck[] = [
  // RFC 4291 section 2.5.5.2: ::ffff:a.b.c.d
  {
    embedding: 'ipv4-mapped',
    matches: inCidr('::ffff:0:0/96'),
    unwrap: (a) => ipv4FromWords(a.parts[6]!, a.parts[7]!),
  },
  // RFC 4291 section 2.5.5.1 (deprecated): ::a.b.c.d, except :: and ::1 themselves.
  {
    embedding: 'ipv4-compatible',
    matches: (a) => inIpv4CompatibleRange(a) && !isUnspecifiedIpv6(a) && !isLoopbackIpv6(a),
    unwrap: (a) => ipv4FromWords(a.parts[6]!, a.parts[7]!),
  },
  // RFC 6052 well-known NAT64 prefix 64:ff9b::/96.
  {
    embedding: 'nat64',
    matches: inCidr('64:ff9b::/96'),
    unwrap: (a) => ipv4FromWords(a.parts[6]!, a.parts[7]!),
  },
  // RFC 3056 6to4 2002::/16: the IPv4 address is bits 16-47.
  {
    embedding: '6to4',
    matches: inCidr('2002::/16'),
    unwrap: (a) => ipv4FromWords(a.parts[1]!, a.parts[2]!),
  },
  // RFC 4380 Teredo 2001::/32: the client's IPv4 address is the last 32 bits, inverted.
  {
    embedding: 'teredo',
    matches: inCidr('2001::/32'),
    unwrap: (a) => ipv4FromWords(~a.parts[6]! & 0xffff, ~a.parts[7]! & 0xffff),
  },
];

/** Parses an IP address in canonical form only: dotted four-part decimal IPv4 or IPv6 without a zone. */
export function parseCanonicalAddress(text: string): IPv4 | IPv6 | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
    return ipaddr.IPv4.parse(text);
  }

  // Zone ids (`fe80::1%eth0`) select an interface; nothing `mc` talks to needs one.
  if (!text.includes('%') && ipaddr.IPv6.isValid(text)) {
    return ipaddr.IPv6.parse(text);
  }

  return undefined;
}

function classifyIpv4(address: IPv4): AddressClassification {
  const check = IPV4_CHECKS.find((candidate) => candidate.matches(address));
  return check === undefined
    ? { class: 'public', range: 'public unicast' }
    : { class: check.class, range: check.range };
}

function classifyIpv6(address: IPv6): AddressClassification {
  const embedded = EMBEDDING_CHECKS.find((candidate) => candidate.matches(address));
  if (embedded !== undefined) {
    const ipv4 = embedded.unwrap(address);
    return { ...classifyIpv4(ipv4), embedding: embedded.embedding, embeddedIpv4: ipv4.toString() };
  }

  const check = IPV6_CHECKS.find((candidate) => candidate.matches(address));
  return check === undefined
    ? { class: 'public', range: 'public unicast' }
    : { class: check.class, range: check.range };
}

/**
 * Classifies one IP address given as text. Anything but a canonical IPv4 or IPv6
 * address is `invalid`: a non-canonical spelling would be resolved again by the
 * socket layer, so it must never reach it.
 */
export function classifyAddress(text: string): AddressClassification {
  const address = parseCanonicalAddress(text);
  if (address === undefined) {
    return { class: 'invalid', range: 'not a canonical IP address' };
  }

  return address.kind() === 'ipv4' ? classifyIpv4(address as IPv4) : classifyIpv6(address as IPv6);
}
