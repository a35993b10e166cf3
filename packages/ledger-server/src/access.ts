/**
 * Read rules (DESIGN §8). Commands are authorized by the core inside `ledger.execute`; reads never reach
 * it, so the edge enforces the same rules for them: nobody reads another community; a member reads only
 * their own account; an organiser must be appointed in the community they read.
 */
import type { Actor, Ledger } from '@volunteer-ledger/core';
import { Problem } from './problems.js';

function sameCommunity(actor: Actor, communityId: string): void {
  if (actor.communityId !== '*' && actor.communityId !== communityId) {
    throw new Problem('not-allowed', `${actor.id} belongs to community ${actor.communityId} and cannot read ${communityId}`);
  }
}

/** Anyone of the community: its set-up, policy, categories and catalogue. */
export function canReadCommunity(actor: Actor, communityId: string): void {
  sameCommunity(actor, communityId);
}

async function appointed(ledger: Ledger, actor: Actor, communityId: string): Promise<boolean> {
  return (await ledger.community(communityId)).state.organisers.has(actor.id);
}

/** Admins and appointed organisers: reports, pending queues, every account of the community. */
export async function canReadAsStaff(ledger: Ledger, actor: Actor, communityId: string): Promise<void> {
  sameCommunity(actor, communityId);
  if (actor.role === 'admin' || actor.role === 'system') return;
  if (actor.role === 'organiser' && (await appointed(ledger, actor, communityId))) return;
  throw new Problem('not-allowed', `a ${actor.role} may not read community-wide data of ${communityId}; ask an organiser or admin`);
}

/** The member themself, or staff of the community. */
export async function canReadAccount(ledger: Ledger, actor: Actor, communityId: string, memberId: string): Promise<void> {
  sameCommunity(actor, communityId);
  if (actor.role === 'member') {
    if (actor.id === memberId) return;
    throw new Problem('not-allowed', `${actor.id} may read only their own account, not ${memberId}`);
  }
  await canReadAsStaff(ledger, actor, communityId);
}
