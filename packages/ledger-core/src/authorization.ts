/**
 * Who may do what (DESIGN §8), decided in one place so an embedding app and the HTTP service enforce the
 * same rules: every actor is bound to one community; a member acts only on their own account; organisers
 * must be appointed; process steps are the ledger's own.
 */
import type { Actor, Role } from './events.js';
import type { CommunityState } from './community/decider.js';
import { type DomainError, notAllowed } from './errors.js';

type Who = Role | 'self';

/** For each command, the roles allowed ('self': a member acting on their own account). Admins may do everything below. */
export const permissions: Readonly<Record<string, readonly Who[]>> = {
  RegisterCommunity: ['admin'],
  PublishPolicy: ['admin'],
  AddCategory: ['admin'],
  RetireCategory: ['admin'],
  AppointOrganiser: ['admin'],
  DismissOrganiser: ['admin'],
  RegisterMember: ['admin', 'organiser', 'self'],
  RecordProfile: ['admin', 'organiser', 'self'],
  ErasePersonalData: ['admin', 'self'],
  RecordCheckedInHours: ['admin', 'organiser'],
  ReportHours: ['admin', 'organiser', 'self'],
  ApproveService: ['admin', 'organiser'],
  RejectService: ['admin', 'organiser'],
  ReverseService: ['admin', 'organiser'],
  GrantPoints: ['admin'],
  ExpirePoints: ['admin', 'organiser'],
  ListItem: ['admin', 'organiser'],
  RepriceItem: ['admin', 'organiser'],
  RestockItem: ['admin', 'organiser'],
  DelistItem: ['admin', 'organiser'],
  RequestRedemption: ['admin', 'organiser', 'self'],
  FulfilRedemption: ['admin', 'organiser'],
  CancelRedemption: ['admin', 'organiser', 'self'],
  ExpireRedemption: ['admin', 'organiser'],
  RequestTransfer: ['admin', 'self'],
  // Process steps are issued by the ledger itself (actor role 'system') and nobody else.
};

export function authorize(
  command: { type: string; communityId: string; memberId?: string },
  actor: Actor,
  community: CommunityState | null,
): DomainError | null {
  if (actor.role === 'system') return null;
  if (actor.communityId !== '*' && actor.communityId !== command.communityId) {
    return notAllowed(`${actor.id} belongs to community ${actor.communityId} and cannot act in ${command.communityId}`, {
      actorCommunity: actor.communityId,
      community: command.communityId,
    });
  }
  const allowed = permissions[command.type] ?? [];
  if (actor.role === 'admin' && allowed.length > 0) return null;
  if (actor.role === 'organiser' && allowed.includes('organiser')) {
    return community?.organisers.has(actor.id)
      ? null
      : notAllowed(`${actor.id} is not an appointed organiser of ${command.communityId}`, { actor: actor.id });
  }
  if (actor.role === 'member' && allowed.includes('self') && command.memberId === actor.id) return null;
  return notAllowed(`a ${actor.role} may not ${command.type}${command.memberId ? ` for ${command.memberId}` : ''}`, {
    actor: actor.id,
    role: actor.role,
    command: command.type,
  });
}
