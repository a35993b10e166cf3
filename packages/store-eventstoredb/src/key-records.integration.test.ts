/**
 * Key records on EventStoreDB, through the real client: over the in-process stand-in always, and over a
 * real node too when EVENTSTOREDB_URL is set (e.g. esdb://localhost:2113?tls=false).
 */
import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, StreamDeletedError } from '@eventstore/db-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventStoreDbEventStore } from './event-store.js';
import { EventStoreDbKeyRecords } from './key-records.js';
import { drain } from './server-streams.js';
import { EventStoreStandIn } from './testing/stand-in-server.js';

const bytes = (text: string) => new Uint8Array(Buffer.from(text));
const text = (value: Uint8Array | null) => (value === null ? null : Buffer.from(value).toString());

function keyRecordSuite(name: string, connectionString: () => string) {
  describe(name, () => {
    const opened: Array<{ close(): Promise<void> }> = [];
    const open = (namespace: string) => {
      const records = new EventStoreDbKeyRecords({ connectionString: connectionString(), namespace });
      opened.push(records);
      return records;
    };
    afterAll(async () => {
      for (const closable of opened) await closable.close();
    });

    it('shares records between two clients: of racing putIfAbsent calls one wins and every caller gets its value', async () => {
      const namespace = `keys-${randomUUID().slice(0, 8)}-`;
      const a = open(namespace);
      const b = open(namespace);
      const results = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).putIfAbsent('member-key', 'c1/m1', bytes(`key-${i}`))));
      expect(new Set(results.map(text)).size).toBe(1);
      expect(text(await a.get('member-key', 'c1/m1'))).toBe(text(results[0]!));
      expect(text(await b.get('member-key', 'c1/m1'))).toBe(text(results[0]!));
      expect(await a.get('member-key', 'c1/other')).toBeNull();
      expect(await a.get('api-key', 'c1/m1')).toBeNull();
    });

    it('replaces an existing record, not a missing one', async () => {
      const records = open(`keys-${randomUUID().slice(0, 8)}-`);
      expect(await records.replace('api-key', 'k1', bytes('v2'))).toBe(false);
      await records.putIfAbsent('api-key', 'k1', bytes('v1'));
      expect(await records.replace('api-key', 'k1', bytes('v2'))).toBe(true);
      expect(text(await records.get('api-key', 'k1'))).toBe('v2');
      expect((await records.list('api-key')).map((r) => [r.id, text(r.value)])).toEqual([['k1', 'v2']]);
    });

    it('deletes by tombstone: the record is gone for every client, cannot be created again, and leaves the list', async () => {
      const namespace = `keys-${randomUUID().slice(0, 8)}-`;
      const a = open(namespace);
      const b = open(namespace);
      await a.putIfAbsent('member-key', 'c1/m1', bytes('secret'));
      await a.putIfAbsent('member-key', 'c1/m2', bytes('other'));
      await b.delete('member-key', 'c1/m1');
      await b.delete('member-key', 'c1/m1');
      expect(await a.get('member-key', 'c1/m1')).toBeNull();
      await expect(a.putIfAbsent('member-key', 'c1/m1', bytes('again'))).rejects.toThrow(/was erased .* cannot be created again/);
      expect(await a.replace('member-key', 'c1/m1', bytes('again'))).toBe(false);
      expect((await a.list('member-key')).map((r) => r.id)).toEqual(['c1/m2']);
      // On the server the stream itself reads as deleted.
      const client = EventStoreDBClient.connectionString(connectionString());
      await expect(drain(client.readStream(a.streamOf('member-key', 'c1/m1')))).rejects.toBeInstanceOf(StreamDeletedError);
      await client.dispose();
    });

    it("stays out of the ledger's global order", async () => {
      const namespace = `keys-${randomUUID().slice(0, 8)}-`;
      const records = open(namespace);
      const store = new EventStoreDbEventStore({ connectionString: connectionString(), namespace });
      opened.push(store);
      await records.putIfAbsent('member-key', 'c1/m1', bytes('secret'));
      await records.delete('member-key', 'c1/m1');
      await records.putIfAbsent('api-key', 'k1', bytes('{}'));
      expect(await store.readAll({ maxCount: 100 })).toEqual([]);
    });
  });
}

let standIn: EventStoreStandIn | undefined;
beforeAll(async () => {
  standIn = await EventStoreStandIn.start();
});
afterAll(async () => {
  await standIn?.close();
});

keyRecordSuite('key records over the in-process stand-in', () => standIn!.connectionString);

const realServer = process.env['EVENTSTOREDB_URL'];
if (realServer) keyRecordSuite(`key records on the real server at EVENTSTOREDB_URL (${realServer})`, () => realServer);
else {
  describe('key records on a real server', () => {
    it.skip('not run: EVENTSTOREDB_URL is not set; only the stand-in was tested', () => {});
  });
}
