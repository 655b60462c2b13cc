/**
 * The egress guard judged on a corpus of URLs: every IPv4 spelling the WHATWG parser
 * accepts, IPv6 forms that embed IPv4, scheme and userinfo tricks, metadata names, and
 * names that resolve to forbidden addresses. Each case states its verdict under the
 * Core's policy and under the public policy. Nothing here opens a socket.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { evaluateDestination } from '../../src/http/ssrf/destination.js';
import type { EgressPolicy } from '../../src/http/ssrf/policy.js';
import { scriptedResolver } from './helpers.js';

const A = 'allow';

// DNS records for the names in the corpus. 93.184.216.34 and 2606:4700::1 stand for any
// public address; the resolver is fake, so nothing is ever sent to them.
const { resolver } = scriptedResolver({
  'public.test': ['93.184.216.34'],
  'public6.test': ['2606:4700::1'],
  localhost: ['127.0.0.1', '::1'],
  'loop.test': ['127.0.0.1'],
  'v6loop.test': ['::1'],
  'private.test': ['10.1.2.3'],
  'internal.test': ['192.168.7.7'],
  'shared.test': ['100.100.1.1'],
  'rebind.test': ['169.254.169.254'],
  'ecs.test': ['169.254.170.2'],
  'll.test': ['169.254.1.1'],
  'mapped.test': ['::ffff:169.254.169.254'],
  'nat64.test': ['64:ff9b::a00:1'],
  'allbad.test': ['127.0.0.1', '10.0.0.1'],
  'mixed.test': ['10.0.0.5', '93.184.216.34'],
  'weird.test': ['0x7f.1'],
  'zone.test': ['fe80::1%eth0'],
  'empty6.test': ['::'],
  'multicast.test': ['239.1.2.3'],
  'doc.test': ['192.0.2.10'],
});

type Case = [url: string, core: string, publicVerdict: string];

const SHAPE_CASES: Case[] = [
  ['ftp://public.test/', 'deny:scheme', 'deny:scheme'],
  ['file:///etc/passwd', 'deny:scheme', 'deny:scheme'],
  ['gopher://127.0.0.1:70/', 'deny:scheme', 'deny:scheme'],
  ['javascript:alert(1)', 'deny:scheme', 'deny:scheme'],
  ['data:text/plain,hello', 'deny:scheme', 'deny:scheme'],
  ['ws://public.test/', 'deny:scheme', 'deny:scheme'],
  ['dict://127.0.0.1:11211/', 'deny:scheme', 'deny:scheme'],
  ['not a url', 'deny:invalid-url', 'deny:invalid-url'],
  ['/relative/path', 'deny:invalid-url', 'deny:invalid-url'],
  ['http://', 'deny:invalid-url', 'deny:invalid-url'],
  ['http://256.0.0.1/', 'deny:invalid-url', 'deny:invalid-url'],
  ['http://1.2.3.4.5/', 'deny:invalid-url', 'deny:invalid-url'],
  ['http://4294967296/', 'deny:invalid-url', 'deny:invalid-url'],
  ['http://[::1/', 'deny:invalid-url', 'deny:invalid-url'],
  ['http://[1::2::3]/', 'deny:invalid-url', 'deny:invalid-url'],
  ['http://[::ffff:1.2.3]/', 'deny:invalid-url', 'deny:invalid-url'],
  ['http://user:pass@public.test/', 'deny:userinfo', 'deny:userinfo'],
  ['http://user@public.test/', 'deny:userinfo', 'deny:userinfo'],
  ['http://127.0.0.1@public.test/', 'deny:userinfo', 'deny:userinfo'],
  ['http://public.test@127.0.0.1/', 'deny:userinfo', 'deny:userinfo'],
  ['http://:secret@public.test/', 'deny:userinfo', 'deny:userinfo'],
  // A backslash is a path separator in special URLs, so the host ends before it.
  ['http://public.test\\@127.0.0.1/', A, A],
  ['http://127.0.0.1\\@public.test/', A, 'deny:loopback'],
  ['http:\\\\127.0.0.1\\admin', A, 'deny:loopback'],
  ['http://127.0.0.1#@public.test/', A, 'deny:loopback'],
  ['http://127.0.0.1?@public.test/', A, 'deny:loopback'],
  ['http://127.0.0.1:80\\@public.test/', A, 'deny:loopback'],
  ['HTTP://PUBLIC.TEST/', A, A],
  ['https://public.test:8443/x?y=1', A, A],
  ['http://public.test./', A, A],
  ['http://public6.test/', A, A],
];

const LOOPBACK_CASES: Case[] = [
  ['http://127.0.0.1/', A, 'deny:loopback'],
  ['http://127.0.0.1:22/', A, 'deny:loopback'],
  ['http://127.1/', A, 'deny:loopback'],
  ['http://127.0.1/', A, 'deny:loopback'],
  ['http://2130706433/', A, 'deny:loopback'],
  ['http://0x7f000001/', A, 'deny:loopback'],
  ['http://0X7F000001/', A, 'deny:loopback'],
  ['http://017700000001/', A, 'deny:loopback'],
  ['http://0x7f.0x0.0x0.0x1/', A, 'deny:loopback'],
  ['http://0177.0.0.1/', A, 'deny:loopback'],
  ['http://0177.0000.0000.0001/', A, 'deny:loopback'],
  ['http://0177.1/', A, 'deny:loopback'],
  ['http://0x7f.1/', A, 'deny:loopback'],
  ['http://127.000.000.001/', A, 'deny:loopback'],
  ['http://127.0.0.1./', A, 'deny:loopback'],
  ['http://127.255.255.254/', A, 'deny:loopback'],
  ['http://%31%32%37.0.0.1/', A, 'deny:loopback'],
  ['http://127\u30020\u30020\u30021/', A, 'deny:loopback'],
  ['http://\uff11\uff12\uff17.0.0.1/', A, 'deny:loopback'],
  ['http://[::1]/', A, 'deny:loopback'],
  ['http://[0:0:0:0:0:0:0:1]/', A, 'deny:loopback'],
  ['http://[::ffff:127.0.0.1]/', A, 'deny:loopback'],
  ['http://[::ffff:7f00:1]:8080/', A, 'deny:loopback'],
  ['http://localhost/', A, 'deny:loopback'],
  ['http://LOCALHOST:8080/', A, 'deny:loopback'],
  ['http://localhost./', A, 'deny:loopback'],
  ['http://loop.test/', A, 'deny:loopback'],
  ['http://v6loop.test/', A, 'deny:loopback'],
];

const PRIVATE_CASES: Case[] = [
  ['http://10.0.0.1/', A, 'deny:private'],
  ['http://10.255.255.255/', A, 'deny:private'],
  ['http://012.0.0.1/', A, 'deny:private'],
  ['http://0xa.0.0.1/', A, 'deny:private'],
  ['http://167772161/', A, 'deny:private'],
  ['http://10.1/', A, 'deny:private'],
  ['http://172.16.0.1/', A, 'deny:private'],
  ['http://172.31.255.255/', A, 'deny:private'],
  ['http://0xac100001/', A, 'deny:private'],
  ['http://192.168.0.1/', A, 'deny:private'],
  ['http://3232235777/', A, 'deny:private'],
  ['http://0300.0250.0.1/', A, 'deny:private'],
  ['http://0xc0.0xa8.1.1/', A, 'deny:private'],
  ['http://192.168.257/', A, 'deny:private'],
  ['http://[fc00::1]/', A, 'deny:private'],
  ['http://[fd12:3456:789a::1]/', A, 'deny:private'],
  ['http://[::ffff:10.0.0.1]/', A, 'deny:private'],
  ['http://[::ffff:c0a8:101]/', A, 'deny:private'],
  ['http://private.test/', A, 'deny:private'],
  ['http://internal.test/', A, 'deny:private'],
  ['http://allbad.test/', A, 'deny:loopback'],
  ['http://mixed.test/', A, A],
];

const SHARED_CASES: Case[] = [
  ['http://100.64.0.1/', A, 'deny:shared'],
  ['http://100.127.255.254/', A, 'deny:shared'],
  ['http://0x64.0x40.0.1/', A, 'deny:shared'],
  ['http://shared.test/', A, 'deny:shared'],
  ['http://[::ffff:100.64.0.1]/', A, 'deny:shared'],
];

const ALWAYS_DENIED_CASES: Case[] = [
  ['http://169.254.169.254/latest/meta-data/', 'deny:metadata', 'deny:metadata'],
  ['http://0xa9fea9fe/', 'deny:metadata', 'deny:metadata'],
  ['http://2852039166/', 'deny:metadata', 'deny:metadata'],
  ['http://0251.0376.0251.0376/', 'deny:metadata', 'deny:metadata'],
  ['http://169.254.43518/', 'deny:metadata', 'deny:metadata'],
  ['http://[::ffff:169.254.169.254]/', 'deny:metadata', 'deny:metadata'],
  ['http://[::ffff:a9fe:a9fe]/', 'deny:metadata', 'deny:metadata'],
  ['http://169.254.170.2/v2/credentials', 'deny:metadata', 'deny:metadata'],
  ['http://[fd00:ec2::254]/', 'deny:metadata', 'deny:metadata'],
  ['http://100.100.100.200/', 'deny:metadata', 'deny:metadata'],
  ['http://rebind.test/', 'deny:metadata', 'deny:metadata'],
  ['http://ecs.test/', 'deny:metadata', 'deny:metadata'],
  ['http://mapped.test/', 'deny:metadata', 'deny:metadata'],
  ['http://metadata.google.internal/', 'deny:metadata-name', 'deny:metadata-name'],
  ['http://METADATA.GOOGLE.INTERNAL./', 'deny:metadata-name', 'deny:metadata-name'],
  ['http://metadata/', 'deny:metadata-name', 'deny:metadata-name'],
  ['http://metadata.goog/', 'deny:metadata-name', 'deny:metadata-name'],
  ['http://instance-data/', 'deny:metadata-name', 'deny:metadata-name'],
  ['http://instance-data.ec2.internal/', 'deny:metadata-name', 'deny:metadata-name'],
  ['http://169.254.0.1/', 'deny:link-local', 'deny:link-local'],
  ['http://169.254.255.255/', 'deny:link-local', 'deny:link-local'],
  ['http://0xa9fe0101/', 'deny:link-local', 'deny:link-local'],
  ['http://[fe80::1]/', 'deny:link-local', 'deny:link-local'],
  ['http://[fe80::abcd:1234]/', 'deny:link-local', 'deny:link-local'],
  ['http://[febf::1]/', 'deny:link-local', 'deny:link-local'],
  ['http://[::ffff:169.254.1.1]/', 'deny:link-local', 'deny:link-local'],
  ['http://ll.test/', 'deny:link-local', 'deny:link-local'],
  ['http://0.0.0.0/', 'deny:unspecified', 'deny:unspecified'],
  ['http://0/', 'deny:unspecified', 'deny:unspecified'],
  ['http://0x0/', 'deny:unspecified', 'deny:unspecified'],
  ['http://0.0.0.1/', 'deny:unspecified', 'deny:unspecified'],
  ['http://[::]/', 'deny:unspecified', 'deny:unspecified'],
  ['http://[0:0:0:0:0:0:0:0]/', 'deny:unspecified', 'deny:unspecified'],
  ['http://[::ffff:0.0.0.0]/', 'deny:unspecified', 'deny:unspecified'],
  ['http://empty6.test/', 'deny:unspecified', 'deny:unspecified'],
  ['http://224.0.0.1/', 'deny:multicast', 'deny:multicast'],
  ['http://239.255.255.255/', 'deny:multicast', 'deny:multicast'],
  ['http://0xe0000001/', 'deny:multicast', 'deny:multicast'],
  ['http://[ff02::1]/', 'deny:multicast', 'deny:multicast'],
  ['http://[ff05::2]/', 'deny:multicast', 'deny:multicast'],
  ['http://[ff0e::1]/', 'deny:multicast', 'deny:multicast'],
  ['http://multicast.test/', 'deny:multicast', 'deny:multicast'],
  ['http://255.255.255.255/', 'deny:broadcast', 'deny:broadcast'],
  ['http://4294967295/', 'deny:broadcast', 'deny:broadcast'],
  ['http://0xffffffff/', 'deny:broadcast', 'deny:broadcast'],
  ['http://240.0.0.1/', 'deny:reserved', 'deny:reserved'],
  ['http://254.255.255.255/', 'deny:reserved', 'deny:reserved'],
  ['http://192.0.0.1/', 'deny:reserved', 'deny:reserved'],
  ['http://192.88.99.1/', 'deny:reserved', 'deny:reserved'],
  ['http://198.18.0.1/', 'deny:reserved', 'deny:reserved'],
  ['http://198.19.255.255/', 'deny:reserved', 'deny:reserved'],
  ['http://[100::1]/', 'deny:reserved', 'deny:reserved'],
  ['http://[fec0::1]/', 'deny:reserved', 'deny:reserved'],
  ['http://[2001:2::1]/', 'deny:reserved', 'deny:reserved'],
  ['http://[64:ff9b:1::1]/', 'deny:reserved', 'deny:reserved'],
  ['http://[::ffff:0:102:304]/', 'deny:reserved', 'deny:reserved'],
  ['http://[5f00::1]/', 'deny:reserved', 'deny:reserved'],
  ['http://[4000::1]/', 'deny:reserved', 'deny:reserved'],
  ['http://192.0.2.1/', 'deny:documentation', 'deny:documentation'],
  ['http://198.51.100.7/', 'deny:documentation', 'deny:documentation'],
  ['http://203.0.113.255/', 'deny:documentation', 'deny:documentation'],
  ['http://[2001:db8::1]/', 'deny:documentation', 'deny:documentation'],
  ['http://[3fff::1]/', 'deny:documentation', 'deny:documentation'],
  ['http://doc.test/', 'deny:documentation', 'deny:documentation'],
  ['http://weird.test/', 'deny:invalid', 'deny:invalid'],
  ['http://zone.test/', 'deny:invalid', 'deny:invalid'],
];

const EMBEDDED_CASES: Case[] = [
  ['http://[64:ff9b::7f00:1]/', 'deny:ipv6-embedded', 'deny:ipv6-embedded'],
  ['http://[64:ff9b::10.0.0.1]/', 'deny:ipv6-embedded', 'deny:ipv6-embedded'],
  ['http://[64:ff9b::a9fe:a9fe]/', 'deny:ipv6-embedded', 'deny:ipv6-embedded'],
  ['http://[2002:7f00:1::]/', 'deny:ipv6-embedded', 'deny:ipv6-embedded'],
  ['http://[2002:a00:1::1]/', 'deny:ipv6-embedded', 'deny:ipv6-embedded'],
  ['http://[2002:a9fe:a9fe::]/', 'deny:ipv6-embedded', 'deny:ipv6-embedded'],
  ['http://[2002:c0a8:101::1]/', 'deny:ipv6-embedded', 'deny:ipv6-embedded'],
  // Teredo: the client address 127.0.0.1 is stored inverted as 80ff:fffe.
  ['http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/', 'deny:ipv6-embedded', 'deny:ipv6-embedded'],
  ['http://[2001::f5ff:fffe]/', 'deny:ipv6-embedded', 'deny:ipv6-embedded'],
  ['http://[::127.0.0.1]/', 'deny:ipv6-embedded', 'deny:ipv6-embedded'],
  ['http://[::10.0.0.1]/', 'deny:ipv6-embedded', 'deny:ipv6-embedded'],
  ['http://[::169.254.169.254]/', 'deny:ipv6-embedded', 'deny:ipv6-embedded'],
  ['http://nat64.test/', 'deny:ipv6-embedded', 'deny:ipv6-embedded'],
  ['http://[64:ff9b::808:808]/', A, A],
  ['http://[2002:808:808::1]/', A, A],
  ['http://[2001:0:1:2::f7f7:f7f7]/', A, A],
];

const PUBLIC_CASES: Case[] = [
  ['http://93.184.216.34/', A, A],
  ['https://1.1.1.1/', A, A],
  ['http://8.8.8.8:8080/', A, A],
  ['http://9.255.255.255/', A, A],
  ['http://11.0.0.0/', A, A],
  ['http://100.63.255.255/', A, A],
  ['http://100.128.0.0/', A, A],
  ['http://126.255.255.255/', A, A],
  ['http://128.0.0.0/', A, A],
  ['http://169.253.255.255/', A, A],
  ['http://169.255.0.0/', A, A],
  ['http://172.15.255.255/', A, A],
  ['http://172.32.0.0/', A, A],
  ['http://192.167.255.255/', A, A],
  ['http://192.169.0.0/', A, A],
  ['http://198.17.255.255/', A, A],
  ['http://198.20.0.0/', A, A],
  ['http://223.255.255.255/', A, A],
  ['http://0x5db8d822/', A, A],
  ['http://[2606:4700:4700::1111]/', A, A],
  ['http://[2001:4860:4860::8888]/', A, A],
  ['http://[2a00:1450::1]/', A, A],
  ['http://[::ffff:8.8.8.8]/', A, A],
  ['https://public.test/api/v1/sessions?page=2', A, A],
];

const CORPUS: Case[] = [
  ...SHAPE_CASES,
  ...LOOPBACK_CASES,
  ...PRIVATE_CASES,
  ...SHARED_CASES,
  ...ALWAYS_DENIED_CASES,
  ...EMBEDDED_CASES,
  ...PUBLIC_CASES,
];

describe('egress guard URL corpus', () => {
  it('has at least 150 cases', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(150);
  });

  it.each(CORPUS)('%s: core %s, public %s', async (url, core, publicVerdict) => {
    const underCore = await evaluateDestination(url, 'core', resolver);
    const underPublic = await evaluateDestination(url, 'public', resolver);

    expect(underCore.verdict).toBe(core);
    expect(underPublic.verdict).toBe(publicVerdict);
  });

  it('names the host and address of a refusal', async () => {
    const verdict = await evaluateDestination('http://rebind.test/x', 'public', resolver);

    expect(verdict).toMatchObject({
      allowed: false,
      host: 'rebind.test',
      address: '169.254.169.254',
    });
  });

  it('picks the allowed address among mixed answers', async () => {
    const underPublic = await evaluateDestination('http://mixed.test/', 'public', resolver);
    const underCore = await evaluateDestination('http://mixed.test/', 'core', resolver);

    expect(underPublic).toMatchObject({ allowed: true, address: '93.184.216.34' });
    expect(underCore).toMatchObject({ allowed: true, address: '10.0.0.5' });
  });

  it('judges IP literals without DNS', async () => {
    const scripted = scriptedResolver({});
    await evaluateDestination('http://0x7f.1/', 'core', scripted.resolver);
    await evaluateDestination('http://[::1]/', 'core', scripted.resolver);

    expect(scripted.queries).toEqual([]);
  });

  it('does not resolve refused metadata names', async () => {
    const scripted = scriptedResolver({ 'metadata.google.internal': ['93.184.216.34'] });
    const verdict = await evaluateDestination(
      'http://metadata.google.internal/',
      'core',
      scripted.resolver,
    );

    expect(verdict.verdict).toBe('deny:metadata-name');
    expect(scripted.queries).toEqual([]);
  });
});

type Radix = 8 | 10 | 16;

function spellNumber(value: number, radix: Radix): string {
  if (radix === 8) return `0${value.toString(8)}`;
  if (radix === 16) return `0x${value.toString(16)}`;
  return value.toString(10);
}

/** Spells an IPv4 address as the WHATWG parser accepts it: 1 to 4 parts, each in octal, decimal or hex. */
function spellIpv4(octets: number[], partCount: 1 | 2 | 3 | 4, radixes: Radix[]): string {
  const [a, b, c, d] = octets as [number, number, number, number];
  const whole = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
  const parts =
    partCount === 4
      ? [a, b, c, d]
      : partCount === 3
        ? [a, b, (c << 8) + d]
        : partCount === 2
          ? [a, whole & 0xffffff]
          : [whole];

  return parts.map((part, index) => spellNumber(part, radixes[index % radixes.length]!)).join('.');
}

const octet = fc.integer({ min: 0, max: 255 });
const radix = fc.constantFrom<Radix>(8, 10, 16);
const spelling = fc.record({
  partCount: fc.constantFrom<1 | 2 | 3 | 4>(1, 2, 3, 4),
  radixes: fc.array(radix, { minLength: 4, maxLength: 4 }),
  trailingDot: fc.boolean(),
});

interface RangeProperty {
  name: string;
  octets: fc.Arbitrary<number[]>;
  verdict: string;
  core: string;
}

const RANGE_PROPERTIES: RangeProperty[] = [
  {
    name: 'loopback',
    octets: fc.tuple(fc.constant(127), octet, octet, octet),
    verdict: 'deny:loopback',
    core: A,
  },
  {
    name: '10/8',
    octets: fc.tuple(fc.constant(10), octet, octet, octet),
    verdict: 'deny:private',
    core: A,
  },
  {
    name: '172.16/12',
    octets: fc.tuple(fc.constant(172), fc.integer({ min: 16, max: 31 }), octet, octet),
    verdict: 'deny:private',
    core: A,
  },
  {
    name: '192.168/16',
    octets: fc.tuple(fc.constant(192), fc.constant(168), octet, octet),
    verdict: 'deny:private',
    core: A,
  },
  {
    name: 'link-local',
    octets: fc
      .tuple(fc.constant(169), fc.constant(254), octet, octet)
      .filter(([, , c, d]) => !(c === 169 && d === 254) && !(c === 170 && d === 2)),
    verdict: 'deny:link-local',
    core: 'deny:link-local',
  },
  {
    name: 'multicast',
    octets: fc.tuple(fc.integer({ min: 224, max: 239 }), octet, octet, octet),
    verdict: 'deny:multicast',
    core: 'deny:multicast',
  },
];

describe('egress guard IPv4 spellings (property)', () => {
  it.each(RANGE_PROPERTIES)(
    'refuses every spelling of $name under the public policy',
    async (range) => {
      await fc.assert(
        fc.asyncProperty(
          range.octets,
          spelling,
          async (octets, { partCount, radixes, trailingDot }) => {
            const host = spellIpv4(octets, partCount, radixes) + (trailingDot ? '.' : '');
            const url = `http://${host}/`;

            const underPublic = await evaluateDestination(url, 'public', resolver);
            const underCore = await evaluateDestination(url, 'core', resolver);

            expect(underPublic.verdict, url).toBe(range.verdict);
            expect(underCore.verdict, url).toBe(range.core);
            expect(underPublic.address, url).toBe(octets.join('.'));
          },
        ),
        { numRuns: 300 },
      );
    },
  );

  it('refuses the metadata address in every spelling under both policies', async () => {
    await fc.assert(
      fc.asyncProperty(spelling, async ({ partCount, radixes }) => {
        const url = `http://${spellIpv4([169, 254, 169, 254], partCount, radixes)}/`;

        for (const policy of ['core', 'public'] as EgressPolicy[]) {
          expect((await evaluateDestination(url, policy, resolver)).verdict, url).toBe(
            'deny:metadata',
          );
        }
      }),
      { numRuns: 200 },
    );
  });

  it('judges IPv4-mapped IPv6 like the IPv4 address', async () => {
    await fc.assert(
      fc.asyncProperty(RANGE_PROPERTIES[1]!.octets, async (octets) => {
        const url = `http://[::ffff:${octets.join('.')}]/`;

        expect((await evaluateDestination(url, 'public', resolver)).verdict, url).toBe(
          'deny:private',
        );
      }),
      { numRuns: 100 },
    );
  });
});
