/**
 * `pnpm esdb:standin [--port N]`: the in-process EventStoreDB stand-in the tests use, as a process a developer
 * can start, so two `ledger serve` instances with LEDGER_STORE=eventstoredb can be tried on one laptop.
 *
 * It is a TEST DOUBLE, not a database: it speaks the server's gRPC protocol to `@eventstore/db-client`,
 * keeps everything in memory and forgets it when it stops, has no TLS, no authentication and no cluster.
 * For anything you want to keep, run EventStoreDB / KurrentDB.
 */
import { parseArgs } from 'node:util';
import { EventStoreStandIn } from './stand-in-server.js';

const { values } = parseArgs({ options: { port: { type: 'string', default: '2113' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  process.stdout.write(
    'usage: pnpm esdb:standin [--port N]   (default 2113)\n' +
      'Starts an in-memory stand-in of an EventStoreDB node (a test double: nothing is kept when it stops).\n',
  );
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  process.stderr.write(`--port must be a whole number from 0 to 65535, got ${JSON.stringify(values.port)}\n`);
  process.exit(2);
}

try {
  const standIn = await EventStoreStandIn.start({ port });
  process.stdout.write(
    `EventStoreDB stand-in (a test double: in memory, gone when it stops) listening on 127.0.0.1:${standIn.port}\n` +
      `Point services at it with:\n  LEDGER_STORE=eventstoredb LEDGER_ESDB_CONNECTION_STRING='${standIn.connectionString}'\n`,
  );
  const stop = () => {
    void standIn.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (fault) {
  const busy = (fault as { message?: string }).message?.includes('EADDRINUSE') || (fault as { code?: string }).code === 'EADDRINUSE';
  process.stderr.write(busy ? `port ${port} is taken; choose another with --port N\n` : `the stand-in did not start: ${String(fault)}\n`);
  process.exit(1);
}
