/** One writer per stream (rule 11): work for a stream runs one at a time, in order, and a full queue says "busy" at once. */
import { describe, expect, it } from 'vitest';
import { StreamQueues, ok } from '../src/index.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('StreamQueues', () => {
  it('runs the work of one stream one at a time, in arrival order, and different streams side by side', async () => {
    const queues = new StreamQueues();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      return ok(name);
    };
    const results = await Promise.all([queues.run('a', task('a1')), queues.run('a', task('a2')), queues.run('b', task('b1')), queues.run('a', task('a3'))]);
    expect(results.map((r) => (r.ok ? r.value : r.error.code))).toEqual(['a1', 'a2', 'b1', 'a3']);
    const a = log.filter((line) => line.endsWith('a1') || line.endsWith('a2') || line.endsWith('a3'));
    expect(a).toEqual(['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3']);
    // b started before a1 ended: streams do not wait for each other.
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
    expect(queues.size).toBe(0);
  });

  it('refuses work as busy, without running it, when a stream or the ledger has as much queued as it may', async () => {
    const queues = new StreamQueues({ maxPerStream: 2, maxTotal: 3, maxWaitMs: 60_000 });
    let ran = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = async () => {
      ran += 1;
      await gate;
      return ok('done');
    };
    const first = [queues.run('a', slow), queues.run('a', slow)];
    const overStream = await queues.run('a', slow);
    expect(overStream.ok ? 'ran' : overStream.error.code).toBe('busy');
    const third = queues.run('b', slow);
    const overTotal = await queues.run('c', slow);
    expect(overTotal.ok ? 'ran' : overTotal.error.code).toBe('busy');
    if (!overTotal.ok) expect(overTotal.error.details?.['retryAfterSeconds']).toBeGreaterThan(0);
    release();
    await Promise.all([...first, third]);
    expect(ran).toBe(3);
  });

  it('refuses work that waited for its stream longer than the limit, without running it', async () => {
    const queues = new StreamQueues({ maxPerStream: 10, maxTotal: 10, maxWaitMs: 5 });
    let ran = 0;
    const long = queues.run('a', async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return ok('long');
    });
    const waited = await queues.run('a', async () => {
      ran += 1;
      return ok('late');
    });
    expect(waited.ok ? 'ran' : waited.error.code).toBe('busy');
    expect(ran).toBe(0);
    await long;
  });
});
