/**
 * Who may do what and read what (DESIGN §8), decided in one place so an embedding app and the HTTP service
 * enforce the same rules: every actor is bound to one community; a member acts on and reads only their own
 * account; organisers must be appointed; process steps are the ledger's own. Authorisation is the first
 * thing a command meets after parsing: a refused actor changes nothing anywhere (rule 10).
 */
import type { CommandType } from './commands.js';
import type { CommunityState } from './community/decider.js';
import { type DomainError, notAllowed } from './errors.js';
import type { Actor, Role } from './events.js';

/** A role, or 'self': a member acting on their own account. */
export type Who = Role | 'self';

const admin: readonly Who[] = ['admin'];
const staff: readonly Who[] = ['admin', 'organiser'];
const staffOrSelf: readonly Who[] = ['admin', 'organiser', 'self'];
/** Process steps: issued by the ledger itself (actor role 'system') and nobody else. */
const ledgerOnly: readonly Who[] = [];

/** For each command, who may issue it. Admins may do everything that names anyone; the system, everything. */
export const permissions = {
  RegisterCommunity: admin,
  PublishPolicy: admin,
  AddCategory: admin,
  RetireCategory: admin,
  AppointOrganiser: admin,
  DismissOrganiser: admin,
  RegisterMember: staffOrSelf,
  RecordProfile: staffOrSelf,
  ErasePersonalData: ['admin', 'self'],
  RecordCheckedInHours: staff,
  ReportHours: staffOrSelf,
  ApproveService: staff,
  RejectService: staff,
  ReverseService: staff,
  GrantPoints: admin,
  ExpirePoints: staff,
  ListItem: staff,
  RepriceItem: staff,
  RestockItem: staff,
  DelistItem: staff,
  RequestRedemption: staffOrSelf,
  FulfilRedemption: staff,
  CancelRedemption: staffOrSelf,
  ExpireRedemption: staff,
  RequestTransfer: ['admin', 'self'],
  PlaceHold: ledgerOnly,
  ReleaseHold: ledgerOnly,
  SpendHold: ledgerOnly,
  SendPoints: ledgerOnly,
  ReceivePoints: ledgerOnly,
  RefundTransfer: ledgerOnly,
  RecordServiceGiven: ledgerOnly,
  WithdrawServiceGiven: ledgerOnly,
  ReserveStock: ledgerOnly,
  ReleaseStock: ledgerOnly,
  IssueStock: ledgerOnly,
  BeginPresence: ledgerOnly,
  EndPresence: ledgerOnly,
  RecordAttendance: ledgerOnly,
  ApproveRecord: ledgerOnly,
  RecordRequestService: ledgerOnly,
  PayHold: ledgerOnly,
  ReceivePayment: ledgerOnly,
  ReturnPayment: ledgerOnly,

  // Activities: organisers run them; members sign themselves up, and check in and out with the kiosk's code.
  PublishActivity: staff,
  ChangeActivity: staff,
  CancelActivity: staff,
  SignUpForActivity: staffOrSelf,
  WithdrawFromActivity: staffOrSelf,
  CheckInAttendee: staff,
  CheckOutAttendee: staff,
  /** The member presenting the code is the member checked in: organisers mark members with CheckInAttendee instead. */
  CheckInWithKioskCode: ['admin', 'self'],
  CheckOutWithKioskCode: ['admin', 'self'],
  CloseActivity: staff,
  ApproveActivityAttendance: staff,
  ResumeActivity: ledgerOnly,

  // Service requests: the requester posts, confirms or cancels their own; a volunteer takes, hands back or marks
  // done the one assigned to them; organisers dispatch, refuse and lapse them.
  PostServiceRequest: staffOrSelf,
  DispatchServiceRequest: staff,
  TakeServiceRequest: staffOrSelf,
  DeclineServiceRequest: staffOrSelf,
  MarkServiceRequestDone: staffOrSelf,
  ConfirmServiceRequest: staffOrSelf,
  CancelServiceRequest: staffOrSelf,
  RefuseServiceRequest: staff,
  ExpireServiceRequest: staff,
  ResumeServiceRequest: ledgerOnly,

  // Micro-wishes: organisers post them for residents and confirm them; a member claims one to fulfil it themselves.
  PostWish: staff,
  ClaimWish: staffOrSelf,
  FulfilWish: staff,
  CancelWish: staff,
  ResumeWish: ledgerOnly,
} as const satisfies Record<CommandType, readonly Who[]>;

function outsider(actor: Actor, communityId: string): DomainError | null {
  if (actor.communityId === '*' || actor.communityId === communityId) return null;
  return notAllowed(`${actor.id} belongs to community ${actor.communityId} and cannot act in ${communityId}`, {
    actorCommunity: actor.communityId,
    community: communityId,
  });
}

const unappointed = (actor: Actor, communityId: string): DomainError =>
  notAllowed(`${actor.id} is not an appointed organiser of ${communityId}`, { actor: actor.id });

/**
 * Whether `actor` may issue a command of `type` in `communityId`; `memberId` is the member whose account it
 * acts on (for 'self'). `community` is the community's set-up, or null when it does not exist yet.
 */
export function authorize(
  command: { type: string; communityId: string; memberId?: string | undefined },
  actor: Actor,
  community: CommunityState | null,
  allowed: readonly Who[] = (permissions as Record<string, readonly Who[]>)[command.type] ?? ledgerOnly,
): DomainError | null {
  if (actor.role === 'system') return null;
  const refused = outsider(actor, command.communityId);
  if (refused) return refused;
  if (actor.role === 'admin' && allowed.length > 0) return null;
  if (actor.role === 'organiser' && allowed.includes('organiser')) {
    return community?.organisers.has(actor.id) ? null : unappointed(actor, command.communityId);
  }
  if (actor.role === 'member' && allowed.includes('self') && command.memberId === actor.id) return null;
  return notAllowed(`a ${actor.role} may not ${command.type}${command.memberId ? ` for ${command.memberId}` : ''}`, {
    actor: actor.id,
    role: actor.role,
    command: command.type,
  });
}

/** What a read asks to see. */
export type ReadTarget =
  /** The community's set-up, policy, categories and catalogue: anyone of the community. */
  | { readonly kind: 'community'; readonly communityId: string }
  /** Reports, queues and every account of the community: admins and appointed organisers. */
  | { readonly kind: 'community-wide'; readonly communityId: string }
  /** One member's account, statement, records, redemptions, transfers, profile, certificate. */
  | { readonly kind: 'account'; readonly communityId: string; readonly memberId: string };

/** Whether `actor` may read `target`; `community` is the community's set-up, or null when it does not exist. */
export function authorizeRead(target: ReadTarget, actor: Actor, community: CommunityState | null): DomainError | null {
  if (actor.role === 'system') return null;
  const refused = outsider(actor, target.communityId);
  if (refused) return refused;
  if (target.kind === 'community') return null;
  if (target.kind === 'account' && actor.role === 'member') {
    return actor.id === target.memberId ? null : notAllowed(`${actor.id} may read only their own account, not ${target.memberId}`, { actor: actor.id });
  }
  if (actor.role === 'admin') return null;
  if (actor.role === 'organiser') return community?.organisers.has(actor.id) ? null : unappointed(actor, target.communityId);
  return notAllowed(`a ${actor.role} may not read community-wide data of ${target.communityId}; ask an organiser or admin`, { actor: actor.id });
}
