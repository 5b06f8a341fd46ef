// AssemblyScript, compiled to WebAssembly by `npm run wasm` (src/wasm/build.mjs), which writes the module into
// src/cli/fleet/fleet-fold-wasm.ts; `npm test` compiles again and fails when the two differ.
//
// A fleet's `inspect` (issue 15), the per-entry part: the governor lists of one bincode NodeSnapshot scanned
// straight from its bytes, each entry's peer bytes looked up in one table for the whole fleet, and the node's
// entries folded into per-peer counts (and, for `--by-node`, each peer's state bits on each node). It is the
// JavaScript scan and aggregate (snapshot/node-scan.ts,
// cli/fleet/aggregate.ts) once more, for their hot loops only: those cost ~90 ns an entry in JavaScript,
// ~30 here. Everything else stays in JavaScript (cli/fleet/wasm-fold.ts): walking the other sections,
// parsing a new peer's bytes and making its text, and every file this module declines. It declines (and
// changes nothing) where restore does more than keep each entry: an entry whose peer does not parse (restore
// skips it, with a warning), a peer listed twice in one list (the last wins), a threshold of 0 (a warning);
// and it refuses every file the JavaScript scan refuses, with the same bounds checks (and a file naming a
// peer string longer than any peer id), so that the caller can hand any file it did not fold to the
// JavaScript scan unchanged.
//
// Memory is laid out by hand (the stub runtime: a bump allocator, no garbage collector); every table grows
// by doubling, and growing the memory detaches the caller's views of it.

const KNOWN: u8 = 1;
const COOLING: u8 = 2;
const DOWN: u8 = 4;
const BLOCKED: u8 = 8;

// A distinct byte string, 16 bytes: hash u32 @0, length u32 @4, its bytes' place u32 @8, peer i32 @12
// (the number JavaScript gave it; -1: does not parse; PENDING: not yet given).
const STRING: usize = 16;
const PENDING: i32 = -2;
// A peer (one per 48 bytes): nodes i32 @0, blocked @4, down @8, cooling @12, worst failures u32 @16,
// last node counted (1 + index) @20, latest event u64 @24, this node's state bits u8 @32, has a latest event
// u8 @33, kept by the PEER arguments u8 @34, last file with a health entry @36, with a backoff entry @40.
const PEER: usize = 48;
// Per-file columns, 24 bytes an entry. Health: string u32 @0, failures u32 @4, last event u64 @8, down u8 @16.
// Backoff: string u32 @0, attempts u32 @4, last attempt u64 @8, next retry u64 @16.
const ENTRY: usize = 24;

// The NH hash (as in UMAC): per 8-byte word w, with that word's two random 32-bit keys k1, k2,
// (lo(w) + k1 mod 2^32) x (hi(w) + k2 mod 2^32), summed mod 2^64; then one multiply whose top 32 bits are the
// hash. Two strings of one length collide with probability about 2^-32 over the keys, which JavaScript draws
// from a random source for each run: a file cannot be made to collide. Strings longer than LONGEST (no peer
// id is) make the module refuse the file, so that every word has a key of its own.
const LONGEST: usize = 128;
// The most room a file may take: what the stub allocator can give in one block, rounded down.
const FILE_ROOM: usize = (1 << 30) - (1 << 16);
const HASH_KEYS: u32 = <u32>(LONGEST >> 3) + 2;
let hashKeys: usize = 0;

let slots: usize = 0; // u64 a slot: hash << 32 | (1 + string index); 0: empty
let slotCount: u32 = 0;
let slotShift: u32 = 0; // 32 - log2(slotCount): a slot is its hash's top bits, the best mixed
let strings: usize = 0;
let stringCap: u32 = 0;
let stringCount: u32 = 0;
let keys: usize = 0;
let keysCap: usize = 0;
let keysUsed: usize = 0;
let pending: usize = 0; // u32 a string index: strings added since JavaScript last numbered them
let pendingCap: u32 = 0;
let pendingCount: u32 = 0;
let peers: usize = 0;
let peerCap: u32 = 0;
// `--by-node`: per peer, its state bits on each node (nodeCount bytes a peer); nodeCount 0: not kept.
let nodeCount: u32 = 0;
let states: usize = 0;

let file: usize = 0;
let fileCap: usize = 0;
let fileLength: u64 = 0;

let blocked: usize = 0; // u32 a string index
let blockedCap: u32 = 0;
let blockedCount: u32 = 0;
let allowed: usize = 0;
let allowedCap: u32 = 0;
let allowedCount: u32 = 0;
let allowlistSome: u32 = 0; // the allowlist's Option tag
let health: usize = 0;
let healthCap: u32 = 0;
let healthCount: u32 = 0;
let backoff: usize = 0;
let backoffCap: u32 = 0;
let backoffCount: u32 = 0;
let threshold: u32 = 0;
let fileStamp: u32 = 0;
let fileClock: u64 = 0;

/** `bytes` fresh zeroed bytes holding the `oldBytes` of `old` (which is given back). */
function grow(old: usize, oldBytes: usize, bytes: usize): usize {
  const fresh = heap.alloc(bytes);
  if (oldBytes > 0) memory.copy(fresh, old, oldBytes);
  memory.fill(fresh + oldBytes, 0, bytes - oldBytes);
  if (old != 0) heap.free(old);
  return fresh;
}

/** Sets up the tables; `setHashKey` must then be given every key. */
export function init(): void {
  hashKeys = grow(0, 0, <usize>HASH_KEYS << 3);
  slotCount = 4096;
  slotShift = 20;
  slots = grow(0, 0, <usize>slotCount << 3);
  stringCap = 2048;
  strings = grow(0, 0, <usize>stringCap * STRING);
  keysCap = 1 << 16;
  keys = grow(0, 0, keysCap);
  pendingCap = 1024;
  pending = grow(0, 0, <usize>pendingCap << 2);
  peerCap = 1024;
  peers = grow(0, 0, <usize>peerCap * PEER);
}

/** How many 64-bit hash keys `setHashKey` must be given. */
export function hashKeyCount(): u32 {
  return HASH_KEYS;
}

/** Keeps each peer's state bits per node (`--by-node`), for a fleet of `nodes` files. */
export function keepStates(nodes: u32): void {
  states = grow(0, 0, <usize>peerCap * <usize>nodes);
  nodeCount = nodes;
}

/** Where the per-node states are (`nodeCount` bytes a peer), valid until the memory grows. */
export function peerStates(): usize {
  return states;
}

/** Hash key `index`: key 0 multiplies the sum (made odd), key 1 is the last word's, key 2 on the other words'. */
export function setHashKey(index: u32, key: u64): void {
  store<u64>(hashKeys + (<usize>index << 3), index == 0 ? key | 1 : key);
}

/** Room for a file of `length` bytes: where JavaScript reads it to. */
export function fileBuffer(length: u32): usize {
  if (<usize>length > fileCap) {
    if (file != 0) heap.free(file);
    // Room noted only once it is had: an allocation that traps (no memory left) leaves no room at all.
    // At least doubled, within the allocator's largest block (2^30 less its header); JavaScript reads nothing larger.
    const cap = min(max(<usize>length + 64, fileCap << 1), FILE_ROOM);
    file = 0;
    fileCap = 0;
    file = heap.alloc(cap);
    fileCap = cap;
  }
  fileLength = 0;
  return file;
}

/** The file read into `fileBuffer` is `length` bytes long. */
export function fileRead(length: u32): void {
  fileLength = <u64>length;
}

@inline function hashOf(at: usize, length: usize): u32 {
  let h: u64 = <u64>length;
  if (length >= 8) {
    // Whole words, then the last word read as the 8 bytes ending the string.
    let key = hashKeys + 16;
    for (let i: usize = 0; i + 8 < length; i += 8, key += 8) h += nh(load<u64>(at + i), load<u64>(key));
    h += nh(load<u64>(at + length - 8), load<u64>(hashKeys, 8));
  } else {
    let word: u64 = 0;
    for (let i: usize = 0; i < length; i++) word = (word << 8) | <u64>load<u8>(at + i);
    h += nh(word, load<u64>(hashKeys, 8));
  }
  return <u32>((h * load<u64>(hashKeys)) >> 32);
}

/** One word's NH term. */
@inline function nh(word: u64, key: u64): u64 {
  return <u64>(<u32>word + <u32>key) * <u64>(<u32>(word >> 32) + <u32>(key >> 32));
}

@inline function same(a: usize, b: usize, length: usize): bool {
  if (length >= 8) {
    for (let i: usize = 0; i + 8 < length; i += 8) if (load<u64>(a + i) != load<u64>(b + i)) return false;
    return load<u64>(a + length - 8) == load<u64>(b + length - 8);
  }
  for (let i: usize = 0; i < length; i++) if (load<u8>(a + i) != load<u8>(b + i)) return false;
  return true;
}

function growSlots(): void {
  const count = slotCount << 1;
  const fresh = grow(0, 0, <usize>count << 3);
  slotShift--;
  const mask = count - 1;
  for (let index: u32 = 0; index < stringCount; index++) {
    const hash = load<u32>(strings + <usize>index * STRING);
    let slot = hash >>> slotShift;
    while (load<u64>(fresh + (<usize>slot << 3)) != 0) slot = (slot + 1) & mask;
    store<u64>(fresh + (<usize>slot << 3), (<u64>hash << 32) | <u64>(index + 1));
  }
  heap.free(slots);
  slots = fresh;
  slotCount = count;
}

/** The string index of the file's bytes [at, at + length), added (pending) when new; `length` is at most LONGEST. */
function lookup(at: usize, length: usize): u32 {
  const hash = hashOf(at, length);
  const mask = slotCount - 1;
  let slot = hash >>> slotShift;
  for (;;) {
    const entry = load<u64>(slots + (<usize>slot << 3));
    if (entry == 0) break;
    if (<u32>(entry >> 32) == hash) {
      const index = <u32>entry - 1;
      const string = strings + <usize>index * STRING;
      if (<usize>load<u32>(string, 4) == length && same(<usize>load<u32>(string, 8), at, length)) return index;
    }
    slot = (slot + 1) & mask;
  }
  const index = stringCount++;
  if (index == stringCap) {
    strings = grow(strings, <usize>stringCap * STRING, <usize>stringCap * 2 * STRING);
    stringCap <<= 1;
  }
  if (keysUsed + length > keysCap) {
    const cap = max(keysCap << 1, keysUsed + length);
    const moved = grow(keys, keysUsed, cap);
    for (let i: u32 = 0; i < index; i++) {
      const string = strings + <usize>i * STRING;
      store<u32>(string, <u32>(moved + (<usize>load<u32>(string, 8) - keys)), 8);
    }
    keys = moved;
    keysCap = cap;
  }
  const place = keys + keysUsed;
  memory.copy(place, at, length);
  keysUsed += length;
  const string = strings + <usize>index * STRING;
  store<u32>(string, hash);
  store<u32>(string, <u32>length, 4);
  store<u32>(string, <u32>place, 8);
  store<i32>(string, PENDING, 12);
  store<u64>(slots + (<usize>slot << 3), (<u64>hash << 32) | <u64>(index + 1));
  if (pendingCount == pendingCap) {
    pending = grow(pending, <usize>pendingCap << 2, <usize>pendingCap << 3);
    pendingCap <<= 1;
  }
  store<u32>(pending + (<usize>pendingCount << 2), index);
  pendingCount++;
  if (stringCount << 1 > slotCount) growSlots();
  return index;
}

/** How many strings wait for JavaScript to number them. */
export function pendingStrings(): u32 {
  return pendingCount;
}

/** The string index of pending string `i`. */
export function pendingString(i: u32): u32 {
  return load<u32>(pending + (<usize>i << 2));
}

/** Where string `index`'s bytes are. */
export function stringAt(index: u32): u32 {
  return load<u32>(strings + <usize>index * STRING, 8);
}

/** How long string `index` is. */
export function stringLength(index: u32): u32 {
  return load<u32>(strings + <usize>index * STRING, 4);
}

/** Numbers string `index` as `peer` (-1: its bytes do not parse), kept by the PEER arguments or not. */
export function setPeer(index: u32, peer: i32, kept: bool): void {
  store<i32>(strings + <usize>index * STRING, peer, 12);
  if (peer < 0) return;
  if (<u32>peer >= peerCap) {
    let cap = peerCap << 1;
    while (<u32>peer >= cap) cap <<= 1;
    if (nodeCount != 0) states = grow(states, <usize>peerCap * <usize>nodeCount, <usize>cap * <usize>nodeCount);
    peers = grow(peers, <usize>peerCap * PEER, <usize>cap * PEER);
    peerCap = cap;
  }
  store<u8>(peers + <usize>peer * PEER, kept ? 1 : 0, 34);
}

/** Every pending string numbered. */
export function pendingDone(): void {
  pendingCount = 0;
}

/** Where the per-peer counts are (48 bytes a peer), valid until the memory grows. */
export function peerCounts(): usize {
  return peers;
}

/** The failure threshold of the file scanned last, as the file holds it. */
export function failureThreshold(): u32 {
  return threshold;
}

// ---- The scan: the same checks, in the same order, as snapshot/node-scan.ts ----

/** A u64 count at `at` of elements of at least `minSize` bytes each, or -1 when the bytes left cannot hold them. */
@inline function countAt(at: u64, minSize: u64): i64 {
  if (at + 8 > fileLength) return -1;
  const count = load<u64>(file + <usize>at);
  if (count > fileLength || count * minSize > fileLength - at - 8) return -1;
  return <i64>count;
}

/** A column's room for `count` entries of `size` bytes, at least doubled when it grows. */
@inline function roomFor(cap: u32, count: u32): u32 {
  return max(count, cap << 1);
}

/** A list of peers (`Vec<Vec<u8>>`) at `at` into `into`; returns its end, or -1. */
function scanPeers(at: u64, into: usize): i64 {
  let offset = at + 8;
  const count = <u32>countAt(at, 8);
  for (let i: u32 = 0; i < count; i++) {
    const length = countAt(offset, 1);
    if (length < 0 || <u64>length > <u64>LONGEST) return -1;
    store<u32>(into + (<usize>i << 2), lookup(file + <usize>(offset + 8), <usize>length));
    offset += 8 + <u64>length;
  }
  return <i64>offset;
}

/** `PeerGovernorSnapshot` at `at`: returns where it ends, or -1 when the scan refuses the file. */
export function scanGovernor(at: u64): i64 {
  blockedCount = 0;
  allowedCount = 0;
  allowlistSome = 0;
  healthCount = 0;
  let count = countAt(at, 8);
  if (count < 0) return -1;
  if (<u32>count > blockedCap) {
    const cap = roomFor(blockedCap, <u32>count);
    blocked = grow(blocked, <usize>blockedCap << 2, <usize>cap << 2);
    blockedCap = cap;
  }
  let end = scanPeers(at, blocked);
  if (end < 0) return -1;
  blockedCount = <u32>count;
  let offset = <u64>end;
  if (offset >= fileLength) return -1;
  const tag = load<u8>(file + <usize>offset);
  offset++;
  if (tag > 1) return -1;
  if (tag == 1) {
    allowlistSome = 1;
    count = countAt(offset, 8);
    if (count < 0) return -1;
    if (<u32>count > allowedCap) {
      const cap = roomFor(allowedCap, <u32>count);
      allowed = grow(allowed, <usize>allowedCap << 2, <usize>cap << 2);
      allowedCap = cap;
    }
    end = scanPeers(offset, allowed);
    if (end < 0) return -1;
    allowedCount = <u32>count;
    offset = <u64>end;
  }
  count = countAt(offset, 8 + 4 + 8 + 1);
  if (count < 0) return -1;
  offset += 8;
  const entries = <u32>count;
  if (entries > healthCap) {
    const cap = roomFor(healthCap, entries);
    health = grow(health, <usize>healthCap * ENTRY, <usize>cap * ENTRY);
    healthCap = cap;
  }
  const length = fileLength;
  for (let i: u32 = 0; i < entries; i++) {
    if (offset + 8 > length || load<u32>(file + <usize>offset, 4) != 0) return -1;
    const from = offset + 8;
    const peerEnd = from + <u64>load<u32>(file + <usize>offset);
    if (peerEnd + 13 > length) return -1;
    const at = file + <usize>peerEnd;
    const down = load<u8>(at, 12);
    if (down > 1 || peerEnd - from > <u64>LONGEST) return -1;
    const entry = health + <usize>i * ENTRY;
    store<u32>(entry, lookup(file + <usize>from, <usize>(peerEnd - from)));
    store<u32>(entry, load<u32>(at), 4);
    store<u64>(entry, load<u64>(at, 4), 8);
    store<u8>(entry, down, 16);
    offset = peerEnd + 13;
  }
  healthCount = entries;
  if (offset + 4 > length) return -1;
  threshold = load<u32>(file + <usize>offset);
  return <i64>(offset + 4);
}

/** `Vec<BackoffEntry>` at `at`: returns where it ends, or -1 when the scan refuses the file. */
export function scanBackoff(at: u64): i64 {
  backoffCount = 0;
  const count = countAt(at, 8 + 4 + 8 + 8);
  if (count < 0) return -1;
  let offset = at + 8;
  const entries = <u32>count;
  if (entries > backoffCap) {
    const cap = roomFor(backoffCap, entries);
    backoff = grow(backoff, <usize>backoffCap * ENTRY, <usize>cap * ENTRY);
    backoffCap = cap;
  }
  const length = fileLength;
  for (let i: u32 = 0; i < entries; i++) {
    if (offset + 8 > length || load<u32>(file + <usize>offset, 4) != 0) return -1;
    const from = offset + 8;
    const peerEnd = from + <u64>load<u32>(file + <usize>offset);
    if (peerEnd + 20 > length || peerEnd - from > <u64>LONGEST) return -1;
    const at = file + <usize>peerEnd;
    const entry = backoff + <usize>i * ENTRY;
    store<u32>(entry, lookup(file + <usize>from, <usize>(peerEnd - from)));
    store<u32>(entry, load<u32>(at), 4);
    store<u64>(entry, load<u64>(at, 4), 8);
    store<u64>(entry, load<u64>(at, 12), 16);
    offset = peerEnd + 20;
  }
  backoffCount = entries;
  return <i64>offset;
}

// ---- The fold: aggregate.ts's addScan, for a file whose every entry restore keeps ----

@inline function peerOf(string: u32): i32 {
  return load<i32>(strings + <usize>string * STRING, 12);
}

/** The peer's counts, or 0 when the PEER arguments leave it out; counts node `node` for it once. */
@inline function touch(peer: i32, node: u32): usize {
  const p = peers + <usize>peer * PEER;
  if (load<u8>(p, 34) == 0) return 0;
  if (load<u32>(p, 20) != node + 1) {
    store<u32>(p, node + 1, 20);
    store<u8>(p, KNOWN, 32);
    store<i32>(p, load<i32>(p) + 1);
    if (nodeCount != 0) store<u8>(states + <usize>peer * <usize>nodeCount + node, KNOWN);
  }
  return p;
}

/** Sets `bit` for peer `peer` (its counts at `p`) on node `node`, counting the node once per bit (the count at `at`). */
@inline function mark(p: usize, bit: u8, at: usize, peer: i32, node: u32): void {
  const bits = load<u8>(p, 32);
  if ((bits & bit) != 0) return;
  store<u8>(p, bits | bit, 32);
  store<i32>(p + at, load<i32>(p + at) + 1);
  if (nodeCount != 0) store<u8>(states + <usize>peer * <usize>nodeCount + node, bits | bit);
}

/**
 * Adds the file scanned last as node `node`. Returns 0 when it did; 1 when restore would do more than keep
 * every entry (a peer whose bytes do not parse, a peer twice in one list, a threshold of 0), and nothing was
 * added: the JavaScript scan takes such a file.
 */
/**
 * Whether restore keeps every entry of the file scanned last (no peer whose bytes do not parse, no peer twice in
 * one list, a threshold other than 0), and if so its clock (`fileClock`: the latest event or attempt, as the node
 * reader gives it).
 */
function taken(): bool {
  if (threshold == 0) return false;
  fileStamp++;
  const stamp = fileStamp;
  let clock: u64 = 0;
  for (let i: u32 = 0; i < healthCount; i++) {
    const entry = health + <usize>i * ENTRY;
    const peer = peerOf(load<u32>(entry));
    if (peer < 0) return false;
    const p = peers + <usize>peer * PEER;
    if (load<u32>(p, 36) == stamp) return false;
    store<u32>(p, stamp, 36);
    const event = load<u64>(entry, 8);
    if (event > clock) clock = event;
  }
  for (let i: u32 = 0; i < backoffCount; i++) {
    const entry = backoff + <usize>i * ENTRY;
    const peer = peerOf(load<u32>(entry));
    if (peer < 0) return false;
    const p = peers + <usize>peer * PEER;
    if (load<u32>(p, 40) == stamp) return false;
    store<u32>(p, stamp, 40);
    const attempt = load<u64>(entry, 8);
    if (attempt > clock) clock = attempt;
  }
  for (let i: u32 = 0; i < blockedCount; i++) if (peerOf(load<u32>(blocked + (<usize>i << 2))) < 0) return false;
  for (let i: u32 = 0; i < allowedCount; i++) if (peerOf(load<u32>(allowed + (<usize>i << 2))) < 0) return false;
  fileClock = clock;
  return true;
}

export function fold(node: u32): i32 {
  if (!taken()) return 1;
  const clock = fileClock;
  // Then the counts.
  for (let i: u32 = 0; i < healthCount; i++) {
    const entry = health + <usize>i * ENTRY;
    const peer = peerOf(load<u32>(entry));
    const p = touch(peer, node);
    if (p == 0) continue;
    if (load<u8>(entry, 16) == 1) mark(p, DOWN, 8, peer, node);
    const failures = load<u32>(entry, 4);
    if (failures > load<u32>(p, 16)) store<u32>(p, failures, 16);
    const event = load<u64>(entry, 8);
    if (load<u8>(p, 33) == 0 || event > load<u64>(p, 24)) {
      store<u8>(p, 1, 33);
      store<u64>(p, event, 24);
    }
  }
  for (let i: u32 = 0; i < backoffCount; i++) {
    const entry = backoff + <usize>i * ENTRY;
    const peer = peerOf(load<u32>(entry));
    const p = touch(peer, node);
    if (p != 0 && load<u64>(entry, 16) > clock) mark(p, COOLING, 12, peer, node);
  }
  for (let i: u32 = 0; i < blockedCount; i++) {
    const peer = peerOf(load<u32>(blocked + (<usize>i << 2)));
    const p = touch(peer, node);
    if (p != 0) mark(p, BLOCKED, 4, peer, node);
  }
  for (let i: u32 = 0; i < allowedCount; i++) touch(peerOf(load<u32>(allowed + (<usize>i << 2))), node);
  return 0;
}

// ---- check's and the rows' cut-down: the entries of the peers the PEER arguments keep ----

let out: usize = 0;
let outCap: usize = 0;

/**
 * The entries of the file scanned last whose peers are kept, when restore keeps every entry (else 1, and nothing
 * written), as u32 words at `collected()`: the counts of health, backoff, blocked and allowed entries, the
 * allowlist's Option tag, the threshold, the clock (low, high); then per health entry its peer, failures, last
 * event (low, high) and down; per backoff entry its peer, attempts, last attempt and next retry (low, high each);
 * then the blocked and the allowed peers.
 */
export function collect(): i32 {
  if (!taken()) return 1;
  const words: usize = 8 + 5 * <usize>healthCount + 6 * <usize>backoffCount + <usize>blockedCount + <usize>allowedCount;
  if (words << 2 > outCap) {
    const cap = max(words << 2, outCap << 1);
    out = grow(out, 0, cap);
    outCap = cap;
  }
  let at = out + 32;
  let kept: u32 = 0;
  for (let i: u32 = 0; i < healthCount; i++) {
    const entry = health + <usize>i * ENTRY;
    const peer = peerOf(load<u32>(entry));
    if (load<u8>(peers + <usize>peer * PEER, 34) == 0) continue;
    store<i32>(at, peer);
    store<u32>(at, load<u32>(entry, 4), 4);
    store<u64>(at, load<u64>(entry, 8), 8);
    store<u32>(at, <u32>load<u8>(entry, 16), 16);
    at += 20;
    kept++;
  }
  store<u32>(out, kept);
  kept = 0;
  for (let i: u32 = 0; i < backoffCount; i++) {
    const entry = backoff + <usize>i * ENTRY;
    const peer = peerOf(load<u32>(entry));
    if (load<u8>(peers + <usize>peer * PEER, 34) == 0) continue;
    store<i32>(at, peer);
    store<u32>(at, load<u32>(entry, 4), 4);
    store<u64>(at, load<u64>(entry, 8), 8);
    store<u64>(at, load<u64>(entry, 16), 16);
    at += 24;
    kept++;
  }
  store<u32>(out, kept, 4);
  kept = 0;
  for (let i: u32 = 0; i < blockedCount; i++) {
    const peer = peerOf(load<u32>(blocked + (<usize>i << 2)));
    if (load<u8>(peers + <usize>peer * PEER, 34) == 0) continue;
    store<i32>(at, peer);
    at += 4;
    kept++;
  }
  store<u32>(out, kept, 8);
  kept = 0;
  for (let i: u32 = 0; i < allowedCount; i++) {
    const peer = peerOf(load<u32>(allowed + (<usize>i << 2)));
    if (load<u8>(peers + <usize>peer * PEER, 34) == 0) continue;
    store<i32>(at, peer);
    at += 4;
    kept++;
  }
  store<u32>(out, kept, 12);
  store<u32>(out, allowlistSome, 16);
  store<u32>(out, threshold, 20);
  store<u64>(out, fileClock, 24);
  return 0;
}

/** Where `collect` wrote. */
export function collected(): usize {
  return out;
}
