/** What the SQLite crash test's parent and child agree on for the ledger workload. */
import type { Actor, LedgerCommandInput } from '../../packages/ledger-core/src/index.js';
import type { ShopItem } from '../integration/ledger-workload.js';

export const crashCommunityId = 'c1';
export const crashMemberIds: readonly string[] = Array.from({ length: 24 }, (_, i) => `m${i}`);
/** Three items, so concurrent redemptions spread over three reward streams. */
export const crashItems: readonly ShopItem[] = [
  { itemId: 'rice', pointsCost: 50, stock: 1_000_000 },
  { itemId: 'oil', pointsCost: 45, stock: 1_000_000 },
  { itemId: 'haircut', pointsCost: 15, stock: null },
];
/** Enough that no redemption or transfer in any round is refused for want of points. */
export const crashOpeningPoints = 100_000;
/** Where the child keeps its read models, beside the ledger's file, as a service keeps its own. */
export const crashProjectionFile = (ledgerFilename: string): string => `${ledgerFilename}.projections`;
/** Each round's check-ins use their own range of days (at most this many per member per round). */
export const daysPerRound = 1_000;

/** A ledger operation the child saw resolve ok: the events it reported, and for keyed commands how to repeat it. */
export interface LedgerAck {
  readonly op: 'accrue' | 'grant' | 'redeem' | 'transfer' | 'attend' | 'serve' | 'wish';
  readonly events: ReadonlyArray<{ eventId: string; streamName: string }>;
  readonly key?: string;
  readonly actor?: Actor;
  readonly command?: LedgerCommandInput;
}
