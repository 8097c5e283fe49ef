/**
 * Country lookup benchmark (`npm run bench:country -w @rastro/collector`): what the `putCountry`
 * ingest step costs. Measures loading the bundled country database (time, and RSS grown by it),
 * then µs per lookup, median of 5 rounds over 200k random IPv4 and 50k IPv6 addresses, for:
 * `mmdb-lib`'s bare `Reader.get` (the floor), the collector's `getCountry` (special-purpose check,
 * decoder cache, IPv4-mapped form), the same IP again (a request's events share it), and the
 * special-purpose check against `net.BlockList`, which it replaced.
 */
import { readFileSync } from 'node:fs'
import { BlockList, isIPv4 } from 'node:net'
import { cpus, loadavg, release, type as osType } from 'node:os'
import { Reader, type Response } from 'mmdb-lib'
import { getDefaultCountryDbPath, loadCountryDb } from '../src/ingest/country-db.js'
import { isSpecialPurposeIPv4, isSpecialPurposeIPv6 } from '../src/util/is-special-purpose-ip.js'

const ROUNDS = 5

/** Deterministic addresses: a linear congruential generator, so every run looks up the same ones. */
function makeAddresses(): string[] {
  let x = 20_261_205
  const next = () => (x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0)
  const addresses: string[] = []
  for (let i = 0; i < 200_000; i++) {
    const n = next()
    addresses.push(`${((n >>> 24) % 223) + 1}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`)
  }
  // Global unicast blocks the RIRs hand out (2400::/12 APNIC, 2600::/12 ARIN, 2800::/12 LACNIC,
  // 2a00::/12 RIPE NCC, 2c00::/12 AFRINIC).
  const blocks = ['240', '260', '280', '2a0', '2c0']
  for (let i = 0; i < 50_000; i++) {
    const n = next()
    const group2 = ((n >>> 8) & 0xffff).toString(16)
    addresses.push(`${blocks[n % 5]}${((n >>> 4) & 15).toString(16)}:${group2}::${(n & 0xfff).toString(16)}`)
  }
  return addresses
}

/** Median µs per call of `run` over `inputs`. */
function measure(inputs: readonly string[], run: (input: string) => unknown): number {
  const times: number[] = []
  let sink = 0
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now()
    for (const input of inputs) if (run(input)) sink++
    times.push(((performance.now() - started) * 1000) / inputs.length)
  }
  if (sink < 0) console.log(sink)
  return times.sort((a, b) => a - b)[ROUNDS >> 1]!
}

/** RSS after a full garbage collection when `--expose-gc` allows one (bytes). */
function getRss(): number {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage().rss
}

const rssBefore = getRss()
const loadStarted = performance.now()
const countries = loadCountryDb()
const loadMs = performance.now() - loadStarted
const rssLoaded = getRss()

const addresses = makeAddresses()
const reader = new Reader<Response>(readFileSync(getDefaultCountryDbPath()))
const blockList = new BlockList()
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
] as const)
  blockList.addSubnet(net, prefix, 'ipv4')
for (const [net, prefix] of [
  ['::', 16],
  ['100::', 16],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['3fff::', 20],
  ['fc00::', 6],
] as const)
  blockList.addSubnet(net, prefix, 'ipv6')

const v4 = addresses.filter((ip) => isIPv4(ip))
const v6 = addresses.filter((ip) => !isIPv4(ip))
const results = {
  'mmdb-lib Reader.get (no cache), IPv4': measure(v4, (ip) => reader.get(ip)),
  'mmdb-lib Reader.get (no cache), IPv6': measure(v6, (ip) => reader.get(ip)),
  'getCountry, distinct IPv4': measure(v4, (ip) => countries.getCountry(ip)),
  'getCountry, distinct IPv6': measure(v6, (ip) => countries.getCountry(ip)),
  'getCountry, same IP again': measure(addresses, () => countries.getCountry('193.0.0.1')),
  'special-purpose check (ours)': measure(addresses, (ip) =>
    isIPv4(ip) ? isSpecialPurposeIPv4(ip) : isSpecialPurposeIPv6(ip),
  ),
  'special-purpose check (net.BlockList)': measure(addresses, (ip) =>
    blockList.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6'),
  ),
}
const found = addresses.filter((ip) => countries.getCountry(ip) !== '').length

console.log(
  `${osType()} ${release()}, ${cpus()[0]?.model ?? 'cpu'} x${cpus().length}, Node ${process.version}, load ${loadavg()[0]!.toFixed(2)}`,
)
console.log(
  `database: ${countries.path.replace(/.*node_modules\//, '')} (${(countries.sizeBytes / 1e6).toFixed(1)} MB, built ${new Date(countries.builtAtMs).toISOString().slice(0, 10)})`,
)
console.log(`load: ${loadMs.toFixed(1)} ms, RSS +${((rssLoaded - rssBefore) / 1e6).toFixed(1)} MB`)
console.log(`addresses with a country: ${found} of ${addresses.length}`)
console.log('| lookup | µs per call (median of 5 rounds) |\n| --- | ---: |')
for (const [name, us] of Object.entries(results)) console.log(`| ${name} | ${us.toFixed(2)} |`)
