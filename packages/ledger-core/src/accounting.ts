/**
 * Double entry (DESIGN §4 rule 1): every movement of points takes them out of one account and into
 * another, so the sum over all accounts, system accounts included, is zero after every event.
 *
 * issuance → member on accrual; member → issuance on clawback; member → redeemed on a spend;
 * member → expired on expiry; member → in-transit → member on a transfer (and back on a refund), and on a
 * service request's payment (requester → in-transit → volunteer, or back to the requester).
 * Holds move nothing: held points are still the member's.
 */
import { Points } from './money.js';
import type { DomainEvent } from './events.js';

export type SystemAccount = 'issuance' | 'redeemed' | 'expired' | 'in-transit';
export const systemAccounts: readonly SystemAccount[] = ['issuance', 'redeemed', 'expired', 'in-transit'];
/** `member:<id>`; the donation pool is `member:_pool`. */
export type Account = SystemAccount | `member:${string}`;

export interface Posting {
  readonly account: Account;
  /** Positive: points in; negative: points out. */
  readonly amount: Points;
}

const move = (from: Account, to: Account, points: string): Posting[] => {
  const amount = Points.of(points);
  return [
    { account: from, amount: amount.negated() },
    { account: to, amount },
  ];
};

/** The postings of one member-stream event (`memberId` owns the stream); other events post nothing. */
export function postingsOf(event: DomainEvent<string, unknown>, memberId: string): Posting[] {
  const member: Account = `member:${memberId}`;
  const data = event.data as { points: string };
  switch (event.type) {
    case 'PointsAccrued':
      return move('issuance', member, data.points);
    case 'PointsClawedBack':
      return move(member, 'issuance', data.points);
    case 'HeldPointsSpent':
      return move(member, 'redeemed', data.points);
    case 'PointsExpired':
      return move(member, 'expired', data.points);
    case 'PointsTransferredOut':
    case 'HeldPointsPaid':
      return move(member, 'in-transit', data.points);
    case 'PointsTransferredIn':
    case 'TransferRefunded':
    case 'ServicePaymentReceived':
    case 'ServicePaymentReturned':
      return move('in-transit', member, data.points);
    default:
      return [];
  }
}
