/** Every data file and directory the service creates is private to its user: files 0600, directories 0700. */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { client, startService } from './support.js';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** Every path under `dir` (itself included) with its permission bits and the mode it should have. */
function modes(dir: string): Array<[string, string, string]> {
  const found: Array<[string, string, string]> = [[dir, (statSync(dir).mode & 0o777).toString(8), '700']];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...modes(path));
    else found.push([path, (statSync(path).mode & 0o777).toString(8), '600']);
  }
  return found;
}

describe.skipIf(process.platform === 'win32')('file modes (POSIX only)', () => {
  it('a first start in a new data directory creates everything 0700 / 0600, WAL files included', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ledger-modes-'));
    roots.push(root);
    const dataDir = join(root, 'a', 'data');
    // The JWT secret comes from the data directory too (no LEDGER_JWT_SECRET), so its file is made as well.
    const service = await startService('sqlite', { dataDir, keepData: true, env: { LEDGER_JWT_SECRET: '' } });
    const admin = client(service.url, service.adminKey);
    expect((await admin('POST', '/v1/communities', { communityId: 'c1', name: '阳光社区' })).status).toBe(201);
    expect((await admin('POST', '/v1/communities/c1/members', { memberId: 'm1', profile: { name: '李四' } })).status).toBe(201);
    const seen = modes(join(root, 'a'));
    await service.close();
    await service.runtime.close();
    const names = seen.map(([path]) => path.slice(root.length + 1));
    expect(names).toEqual(expect.arrayContaining(['a', 'a/data', 'a/data/ledger.sqlite', 'a/data/credentials.sqlite', 'a/data/projections.sqlite', 'a/data/master-key', 'a/data/jwt-secret', 'a/data/certificate-secret']));
    expect(names.some((name) => name.endsWith('-wal'))).toBe(true);
    for (const [path, mode, wanted] of seen) expect([path, mode]).toEqual([path, wanted]);
  });

  it('tightens the SQLite files an older version left readable by others (0644)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ledger-modes-'));
    roots.push(root);
    const dataDir = join(root, 'data');
    mkdirSync(dataDir, { mode: 0o700 });
    for (const name of ['ledger.sqlite', 'credentials.sqlite', 'projections.sqlite']) {
      // An empty file is an empty SQLite database.
      writeFileSync(join(dataDir, name), '');
      chmodSync(join(dataDir, name), 0o644);
    }
    const service = await startService('sqlite', { dataDir, keepData: true });
    await service.close();
    await service.runtime.close();
    for (const name of ['ledger.sqlite', 'credentials.sqlite', 'projections.sqlite']) expect([name, statSync(join(dataDir, name)).mode & 0o777]).toEqual([name, 0o600]);
  });
});
