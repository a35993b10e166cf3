/**
 * What a statement line says. Residents read Chinese, so `zh` is the description they see, with the
 * community's category names and the shop's item names ("助老服务 2.00 小时，审核通过"); `en` is the same
 * line for English readers and logs, with ids. Both are written when the line is folded, from the event
 * and the rows it touches, so a rebuild writes the same words.
 */
import type { CommunityState } from '../community/decider.js';
import { donationPoolId } from '../ids.js';
import type { MemberEvent } from '../member/events.js';
import type { Lot } from '../member/lots.js';
import { Points } from '../money.js';
import { calendarDateIn } from '../time.js';
import type { RecordEntry, RedemptionEntry, TransferEntry } from './rows.js';

export interface LineContext {
  readonly community: CommunityState;
  /** The service record an accrual or clawback names. */
  readonly record?: RecordEntry | undefined;
  /** The redemption a hold, release or spend belongs to. */
  readonly redemption?: RedemptionEntry | undefined;
  /** The transfer points leave or arrive with. */
  readonly transfer?: TransferEntry | undefined;
  /** The lot an expiry empties, as it was before. */
  readonly lot?: Lot | undefined;
}

export interface LineDescription {
  readonly zh: string;
  readonly en: string;
}

const categoryName = (community: CommunityState, categoryId: string): string => community.categories.get(categoryId)?.name ?? categoryId;
const accountName = (id: string): string => (id === donationPoolId ? '爱心积分池' : id);
const localDate = (community: CommunityState, instant: string): string => calendarDateIn(new Date(instant), community.timeZone);
const isPositive = (amount: string): boolean => Points.of(amount).isPositive();
/** A policy factor ("1", "1.0", "1.5000") that multiplies by one. */
const isOne = (factor: string): boolean => /^1(\.0*)?$/.test(factor);

/** "兑换「大米 5kg」×2", or the redemption id when the item is unknown. */
function redemptionLabel(redemptionId: string, redemption: RedemptionEntry | undefined): string {
  if (!redemption?.itemName) return `兑换单 ${redemptionId}`;
  const quantity = redemption.state.quantity > 1 ? ` ×${redemption.state.quantity}` : '';
  return `${redemption.itemKind === 'service' ? '兑换服务' : '兑换'}「${redemption.itemName}」${quantity}`;
}

/** What a hold is for: a redemption's label, or a service request's offer (悬赏) or a micro-wish by id. */
function holdLabel(data: { readonly redemptionId: string; readonly purpose?: string | undefined }, redemption: RedemptionEntry | undefined): string {
  if (data.purpose === 'service-request') return `邻里互助需求 ${data.redemptionId} 的悬赏`;
  if (data.purpose === 'wish') return `微心愿 ${data.redemptionId}`;
  return redemptionLabel(data.redemptionId, redemption);
}

function describeZh(event: MemberEvent, context: LineContext): string {
  const { community } = context;
  switch (event.type) {
    case 'PointsAccrued': {
      const source = event.data.source;
      const settled = isPositive(event.data.deficitSettled) ? `；其中 ${event.data.deficitSettled} 积分抵扣欠分` : '';
      if (source.kind === 'grant') return `积分奖励：${source.reason}${settled}`;
      const how = context.record?.automatic ? '签到时长自动确认' : '审核通过';
      const rate = isOne(source.multiplier) ? `每小时 ${source.pointsPerHour} 积分` : `每小时 ${source.pointsPerHour} 积分 × ${source.multiplier}`;
      // 信用时长 were measured at an activity; 荣誉时长 were typed in (they earn points only where the policy says so).
      const kind = context.record === undefined ? '' : context.record.state.kind === 'checked-in' ? '信用时长 ' : '荣誉时长 ';
      return `${categoryName(community, source.category)} ${kind}${source.hours} 小时，${how}（${rate}）${settled}`;
    }
    case 'PointsClawedBack': {
      const record = context.record;
      const what = record ? `${categoryName(community, record.state.category)} ${record.state.hoursApproved.toString()} 小时（${record.state.serviceDate}）` : `服务记录 ${event.data.recordId}`;
      const why = record?.reason ? `，原因：${record.reason}` : '';
      const deficit = isPositive(event.data.deficitAdded) ? `；余额不足，${event.data.deficitAdded} 积分计为欠分` : '';
      return `${what}撤销，追回积分${why}${deficit}`;
    }
    case 'PointsHeld':
      return `${holdLabel(event.data, context.redemption)}，冻结 ${event.data.points} 积分`;
    case 'HoldReleased': {
      const label = holdLabel(event.data, context.redemption);
      const settled = event.data.deficitSettledFromLots.length > 0 ? '；解冻的积分先抵扣欠分' : '';
      return event.data.reason === 'expired'
        ? `${label}逾期未领取，解冻 ${event.data.points} 积分${settled}`
        : `${label}已取消，解冻 ${event.data.points} 积分${settled}`;
    }
    case 'HeldPointsSpent':
      if (event.data.purpose === 'wish') return `${holdLabel(event.data, context.redemption)}已实现，冻结的积分已支出`;
      return `${redemptionLabel(event.data.redemptionId, context.redemption)}，${context.redemption?.itemKind === 'service' ? '服务已完成' : '已领取'}`;
    case 'HeldPointsPaid':
      return `邻里互助需求 ${event.data.requestId} 已确认，悬赏的积分付给 ${event.data.to}`;
    case 'ServicePaymentReceived': {
      const settled = isPositive(event.data.deficitSettled) ? `；其中 ${event.data.deficitSettled} 积分抵扣欠分` : '';
      return `邻里互助需求 ${event.data.requestId}：收到 ${event.data.from} 的悬赏积分${settled}`;
    }
    case 'ServicePaymentReturned':
      return `邻里互助需求 ${event.data.requestId} 的悬赏未能到账，积分已退回`;
    case 'PointsTransferredOut':
      if (event.data.reason === 'overflow') return '超出积分上限，超出部分转入爱心积分池';
      if (event.data.to === donationPoolId || event.data.reason === 'donation') return `捐赠给${accountName(event.data.to)}`;
      return `转赠给 ${event.data.to}`;
    case 'PointsTransferredIn': {
      const reason = context.transfer?.state.reason;
      const settled = isPositive(event.data.deficitSettled) ? `；其中 ${event.data.deficitSettled} 积分抵扣欠分` : '';
      if (reason === 'overflow') return `${accountName(event.data.from)} 超出积分上限转入${settled}`;
      if (reason === 'donation') return `收到 ${accountName(event.data.from)} 的捐赠${settled}`;
      return `收到 ${accountName(event.data.from)} 的转赠${settled}`;
    }
    case 'TransferRefunded': {
      const to = context.transfer?.state.to;
      return `${to === undefined ? '转赠' : `转赠给 ${accountName(to)}`}未能到账，积分已退回`;
    }
    case 'PointsExpired': {
      const accrued = context.lot ? `${localDate(community, context.lot.accruedAt)} 获得的` : '';
      return `${accrued}积分到期（到期日 ${localDate(community, event.data.expiresAt)}）`;
    }
    default:
      return event.type;
  }
}

function describeEn(event: MemberEvent, context: LineContext): string {
  switch (event.type) {
    case 'PointsAccrued': {
      const kind = context.record === undefined ? '' : context.record.state.kind === 'checked-in' ? 'credit hours, ' : 'honour hours, ';
      return event.data.source.kind === 'service'
        ? `${event.data.source.hours} h of ${event.data.source.category} (${kind}record ${event.data.source.recordId}, policy v${event.data.policyVersion})`
        : `grant: ${event.data.source.reason}`;
    }
    case 'PointsClawedBack':
      return `clawback of record ${event.data.recordId}`;
    case 'PointsHeld':
      return `${event.data.points} held for ${event.data.purpose === 'service-request' ? 'the offer of request' : event.data.purpose === 'wish' ? 'wish' : 'redemption'} ${event.data.redemptionId}`;
    case 'HoldReleased':
      return `hold for ${event.data.purpose === 'service-request' ? 'the offer of request' : event.data.purpose === 'wish' ? 'wish' : 'redemption'} ${event.data.redemptionId} ${event.data.reason}`;
    case 'HeldPointsSpent':
      return event.data.purpose === 'wish' ? `wish ${event.data.redemptionId} fulfilled` : `redemption ${event.data.redemptionId}`;
    case 'HeldPointsPaid':
      return `offer of request ${event.data.requestId} paid to ${event.data.to}`;
    case 'ServicePaymentReceived':
      return `offer of request ${event.data.requestId} from ${event.data.from}`;
    case 'ServicePaymentReturned':
      return `offer of request ${event.data.requestId} returned: ${event.data.reason}`;
    case 'PointsTransferredOut':
      return `${event.data.reason} to ${event.data.to} (transfer ${event.data.transferId})`;
    case 'PointsTransferredIn':
      return `from ${event.data.from} (transfer ${event.data.transferId})`;
    case 'TransferRefunded':
      return `transfer ${event.data.transferId} returned: ${event.data.reason}`;
    case 'PointsExpired':
      return `lot ${event.data.lotId} expired ${event.data.expiresAt}`;
    default:
      return event.type;
  }
}

export function describeLine(event: MemberEvent, context: LineContext): LineDescription {
  return { zh: describeZh(event, context), en: describeEn(event, context) };
}
