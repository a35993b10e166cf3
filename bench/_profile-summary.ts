/**
 * Sums a V8 CPU profile (.cpuprofile, from PROF=<file> in bench/_http-cpu.ts or node --cpu-prof) by function
 * name and file: under tsx the line numbers do not match the sources, so functions are told apart by name and
 * file only. Prints the top functions by self time and by inclusive time (a sample counts once per function on
 * its stack), as percentages of all samples.
 * Run: `tsx bench/_profile-summary.ts <file.cpuprofile> [top=40] [filter]` — a filter keeps the inclusive list
 * to functions whose key contains it (`=run`: exactly that key), and adds where the self time of those functions was spent from (the
 * nearest callers, two frames up).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

const [file, topText, filter] = process.argv.slice(2);
if (!file) throw new Error('usage: tsx bench/_profile-summary.ts <file.cpuprofile> [top] [filter]');
const top = Number(topText ?? 40);
/** `=name` matches that key exactly (a native function such as `run`), otherwise any key containing the filter. */
const matches = (key: string) => (filter === undefined ? true : filter.startsWith('=') ? key === filter.slice(1) : key.includes(filter));
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const keyOf = (n: ProfileNode) => {
  const where = n.callFrame.url ? basename(n.callFrame.url.replace(/\?.*$/, '')) : '';
  return `${n.callFrame.functionName || '(anonymous)'} ${where}`.trim();
};

/**
 * What a POST costs by part. A sample belongs to the nearest enclosing "container" (a function whose whole
 * work is one part: the route's body validator, the core's command parse, the group commit, the fold...);
 * failing that, to the part of the nearest frame whose file is known. Async continuations lose their
 * callers (a resumed `execute` sits under `runMicrotasks`), hence the file-level fallback.
 */
const containers: ReadonlyArray<readonly [part: string, marks: RegExp]> = [
  ['route: path parameters + body (json + zod)', /^((\(anonymous\)|validJsonBody) lean-validation\.ts|\(anonymous\) validator\.js|safeParseAsync schemas\.js)$/],
  ['core: command parse (zod)', /^parseCommand commands\.ts$/],
  ['core: idempotency fingerprint', /^commandFingerprint repeats\.ts$/],
  ['core: stream snapshot', /^snapshotIfDue streams\.ts$/],
  ['store: group commit (rows + fsync)', /^flush sqlite-store\.ts$/],
  ['read models: fold + projection commit', /^(applyUnlocked read-models\.ts|events subscription\.ts)$/],
  ['auth', /^authenticate auth\.ts$/],
  ['metrics', /^(requestFinished|requestStarted|command) metrics\.ts$/],
  ['response: JSON + headers + write', /^(json context\.js|responseViaResponseObject index\.mjs|responseViaCache index\.mjs|end node:_http_outgoing|writeHead node:_http_server|outcomeView shared\.ts)$/],
];
const files: ReadonlyArray<readonly [part: string, marks: RegExp]> = [
  ['gc / program / idle', /^\((garbage collector|program|idle)\)$/],
  ['core: ledger decide + append', / (ledger|command-table|decide|streams|stream-queue|state|values|accounting|money|policy|time|steps|outcome|repeats|hash|ids|authorization|workflow|event-registry|events|limits|result|errors)\.ts$/],
  ['zod (other)', / (schemas|parse|core|util|checks|memoizer)\.js$/],
  ['server: routes + middleware (own code)', / (app|shared|lean-validation|router|read-side|idempotency|problems)\.ts$/],
  ['hono: dispatch', / (hono-base|compose|request|context|url|route)\.js$/],
  ['node: HTTP parse + request objects', / (node:_http_server|node:_http_common|node:_http_incoming|index\.mjs)$/],
  ['node: socket, events, ticks', / (node:net|stream_base_commons|node:events|task_queues|timers|writable|readable)$/],
];
const partOf = (id: number): string => {
  const chain: string[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) chain.push(keyOf(byId.get(at)!));
  for (const key of chain) for (const [part, marks] of containers) if (marks.test(key)) return part;
  for (const key of chain) for (const [part, marks] of files) if (marks.test(key)) return part;
  return 'other';
};
const byPart = new Map<string, number>();

const hits = new Map<number, number>();
for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1);
const self = new Map<string, number>();
const callers = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, count] of hits) {
  const leaf = byId.get(id)!;
  byPart.set(partOf(id), (byPart.get(partOf(id)) ?? 0) + count);
  self.set(keyOf(leaf), (self.get(keyOf(leaf)) ?? 0) + count);
  if (filter && matches(keyOf(leaf))) {
    const up: string[] = [];
    for (let at = parent.get(id); at !== undefined && up.length < 3; at = parent.get(at)) up.push(keyOf(byId.get(at)!));
    const key = `${keyOf(leaf)} <- ${up.join(' <- ')}`;
    callers.set(key, (callers.get(key) ?? 0) + count);
  }
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const key = keyOf(byId.get(at)!);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + count);
  }
}
const total = profile.samples.length;
const print = (title: string, table: Map<string, number>, keep: (key: string) => boolean) => {
  console.log(`\n${title} (${total} samples)`);
  for (const [key, count] of [...table].filter(([k]) => keep(k)).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${((100 * count) / total).toFixed(1).padStart(6)}%  ${key}`);
  }
};
print('by part', byPart, () => true);
print('self', self, () => true);
print('inclusive', inclusive, matches);
if (filter) print(`self time of "${filter}" by caller`, callers, () => true);
