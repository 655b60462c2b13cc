/**
 * Egress policies: which address classes a destination may have. The configured Core
 * may live on the same machine or network, so its origin gets the `core` policy;
 * every other destination, redirects to other hosts included, gets `public`.
 */
import { classifyAddress, type AddressClass, type AddressClassification } from './classify.js';

export type EgressPolicy = 'core' | 'public';

export type DenyVerdict =
  `deny:${Exclude<AddressClass, 'public'>}` | 'deny:ipv6-embedded' | 'deny:metadata-name';

export type AddressVerdict =
  | { allowed: true; verdict: 'allow'; reason: string }
  | { allowed: false; verdict: DenyVerdict; reason: string };

const ALLOWED_CLASSES: Record<EgressPolicy, ReadonlySet<AddressClass>> = {
  core: new Set<AddressClass>(['public', 'loopback', 'private', 'shared']),
  public: new Set<AddressClass>(['public']),
};

// Host names of instance metadata services, compared after lower-casing and
// removing a trailing dot. They are refused before any DNS lookup.
const METADATA_HOST_NAMES: ReadonlySet<string> = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.internal',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.tencentyun.com',
  'metadata.platformequinix.com',
]);

function describe(classification: AddressClassification): string {
  if (classification.embedding === undefined) {
    return classification.range;
  }

  return `${classification.embedding} IPv6 address embedding ${classification.embeddedIpv4} (${classification.range})`;
}

// Verdicts are pure functions of address and policy, so repeated requests to the same
// Core skip the parsing. Cleared when full, which bounds memory for long runs.
const VERDICT_CACHE_SIZE = 512;
const verdictCache: Record<EgressPolicy, Map<string, AddressVerdict>> = {
  core: new Map(),
  public: new Map(),
};

/** Judges one address (canonical IPv4 or IPv6 text) under `policy`. */
export function judgeAddress(address: string, policy: EgressPolicy): AddressVerdict {
  const cache = verdictCache[policy];
  const cached = cache.get(address);
  if (cached !== undefined) {
    return cached;
  }

  const verdict = judgeUncached(address, policy);
  if (cache.size >= VERDICT_CACHE_SIZE) {
    cache.clear();
  }
  cache.set(address, verdict);
  return verdict;
}

function judgeUncached(address: string, policy: EgressPolicy): AddressVerdict {
  const classification = classifyAddress(address);
  const reason = describe(classification);

  // Only the plain IPv4-mapped form is the same host as its IPv4 address; NAT64, 6to4,
  // Teredo and IPv4-compatible forms go through a translator or tunnel, so they are
  // accepted only when the IPv4 address inside is public.
  const tunnelled =
    classification.embedding !== undefined && classification.embedding !== 'ipv4-mapped';
  if (tunnelled && classification.class !== 'public') {
    return { allowed: false, verdict: 'deny:ipv6-embedded', reason };
  }

  if (ALLOWED_CLASSES[policy].has(classification.class)) {
    return { allowed: true, verdict: 'allow', reason };
  }

  return {
    allowed: false,
    verdict: `deny:${classification.class as Exclude<AddressClass, 'public'>}`,
    reason,
  };
}

/** Normalises a URL host name for comparison: lower case, no brackets, no trailing dot. */
export function normaliseHostName(hostname: string): string {
  const unbracketed =
    hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return unbracketed.toLowerCase().replace(/\.$/, '');
}

/** Returns true for host names of cloud metadata services, under every policy. */
export function isMetadataHostName(hostname: string): boolean {
  return METADATA_HOST_NAMES.has(normaliseHostName(hostname));
}
