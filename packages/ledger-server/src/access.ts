/**
 * Read rules (DESIGN §8) at the edge. The rules themselves live in the core beside the write rules
 * (`authorizeRead`), so an embedding app gets the same protection; here they become problem documents:
 * nobody reads another community; a member reads only their own account; an organiser must be appointed.
 */
import type { Actor, Ledger, ReadTarget } from '@volunteer-ledger/core';
import { Problem } from './problems.js';

async function allow(ledger: Ledger, actor: Actor, target: ReadTarget): Promise<void> {
  const refused = await ledger.authorizeRead(actor, target);
  if (refused) throw Problem.fromDomain(refused);
}

/** Anyone of the community: its set-up, policy, categories and catalogue. */
export function canReadCommunity(ledger: Ledger, actor: Actor, communityId: string): Promise<void> {
  return allow(ledger, actor, { kind: 'community', communityId });
}

/** Admins and appointed organisers: reports, pending queues, every account of the community. */
export function canReadAsStaff(ledger: Ledger, actor: Actor, communityId: string): Promise<void> {
  return allow(ledger, actor, { kind: 'community-wide', communityId });
}

/** The member themself, or staff of the community. */
export function canReadAccount(ledger: Ledger, actor: Actor, communityId: string, memberId: string): Promise<void> {
  return allow(ledger, actor, { kind: 'account', communityId, memberId });
}
