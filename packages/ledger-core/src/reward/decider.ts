/**
 * A catalogue item: listed, repriced, restocked, delisted; its stock reserved for a redemption, then
 * issued or released. Rule 5: reserved + issued ≤ stocked, and neither is ever negative.
 */
import type { Actor } from '../events.js';
import { type DomainError, alreadyExists, domainError, invalidState, invariant, notFound } from '../errors.js';
import { Points } from '../money.js';
import { err, ok, type Result } from '../result.js';
import { calendarDateIn } from '../time.js';
import type { RewardCommand } from './commands.js';
import type { RewardEvent } from './events.js';

export interface Reservation {
  readonly memberId: string;
  readonly quantity: number;
  readonly day: string;
  status: 'reserved' | 'issued' | 'released';
}

export interface RewardState {
  exists: boolean;
  itemId: string;
  name: string;
  kind: 'goods' | 'service';
  active: boolean;
  pointsCost: Points;
  /** Units ever put on the shelf; null for services, which have no stock. */
  stocked: number | null;
  reserved: number;
  issued: number;
  limitPerMember: { count: number; period: 'day' | 'week' | 'month' | 'year' | 'ever' } | null;
  serviceHours: string | null;
  serviceCategory: string | null;
  readonly reservations: Map<string, Reservation>;
}

export const initialRewardState = (): RewardState => ({
  exists: false,
  itemId: '',
  name: '',
  kind: 'goods',
  active: false,
  pointsCost: Points.zero,
  stocked: null,
  reserved: 0,
  issued: 0,
  limitPerMember: null,
  serviceHours: null,
  serviceCategory: null,
  reservations: new Map(),
});

export const availableStock = (state: RewardState): number | null =>
  state.stocked === null ? null : state.stocked - state.reserved - state.issued;

/** The period a day falls in, for per-member limits: "2026-03-04" → "2026-03" by month, an ISO week by week. */
export function periodOf(day: string, period: 'day' | 'week' | 'month' | 'year' | 'ever'): string {
  switch (period) {
    case 'day':
      return day;
    case 'month':
      return day.slice(0, 7);
    case 'year':
      return day.slice(0, 4);
    case 'ever':
      return 'ever';
    case 'week': {
      // ISO week: the Monday that starts it identifies it.
      const date = new Date(`${day}T00:00:00Z`);
      const mondayOffset = (date.getUTCDay() + 6) % 7;
      return new Date(date.getTime() - mondayOffset * 86_400_000).toISOString().slice(0, 10);
    }
  }
}

export interface RewardDecisionContext {
  readonly now: Date;
  readonly actor: Actor;
  readonly timeZone: string;
}

export function decideReward(command: RewardCommand, state: RewardState, context: RewardDecisionContext): Result<RewardEvent[], DomainError> {
  if (command.type === 'ListItem') {
    if (state.exists) return err(alreadyExists('catalogue item', command.itemId));
    if (command.kind === 'goods' && command.stock === undefined) {
      return err(domainError('validation', 'goods need a stock (how many units are on the shelf)'));
    }
    if (command.kind === 'service' && command.stock !== undefined) return err(domainError('validation', 'a service has no stock; omit it'));
    return ok([
      {
        type: 'ItemListed',
        data: {
          itemId: command.itemId,
          name: command.name,
          kind: command.kind,
          pointsCost: command.pointsCost,
          initialStock: command.kind === 'goods' ? command.stock! : null,
          limitPerMember: command.limitPerMember ?? null,
          serviceHours: command.serviceHours ?? null,
          serviceCategory: command.serviceCategory ?? null,
        },
      },
    ]);
  }
  if (!state.exists) return err(notFound('catalogue item', command.itemId));
  switch (command.type) {
    case 'RepriceItem':
      if (!state.active) return err(invalidState(`item ${state.itemId} is delisted`));
      return ok([{ type: 'ItemRepriced', data: { pointsCost: command.pointsCost } }]);
    case 'RestockItem':
      if (state.kind === 'service') return err(domainError('validation', `item ${state.itemId} is a service and has no stock`));
      return ok([{ type: 'ItemRestocked', data: { quantity: command.quantity } }]);
    case 'DelistItem':
      if (!state.active) return err(invalidState(`item ${state.itemId} is already delisted`));
      return ok([{ type: 'ItemDelisted', data: { reason: command.reason } }]);
    case 'ReserveStock':
      return reserveStock(command, state, context);
    case 'ReleaseStock': {
      const reservation = state.reservations.get(command.redemptionId);
      if (!reservation || reservation.status === 'released') return ok([]);
      if (reservation.status === 'issued') return err(invalidState(`stock for redemption ${command.redemptionId} was already issued`));
      return ok([{ type: 'StockReleased', data: { redemptionId: command.redemptionId, quantity: reservation.quantity } }]);
    }
    case 'IssueStock': {
      const reservation = state.reservations.get(command.redemptionId);
      if (!reservation) return err(notFound('stock reservation', command.redemptionId));
      if (reservation.status === 'issued') return ok([]);
      if (reservation.status === 'released') return err(invalidState(`stock for redemption ${command.redemptionId} was released`));
      return ok([{ type: 'StockIssued', data: { redemptionId: command.redemptionId, quantity: reservation.quantity } }]);
    }
  }
}

function reserveStock(command: Extract<RewardCommand, { type: 'ReserveStock' }>, state: RewardState, context: RewardDecisionContext): Result<RewardEvent[], DomainError> {
  // Reserved for this redemption already: a repeat. Released, while its redemption is still being requested: the
  // hold after it was refused and the unit given back, and a crash kept the rejection from being recorded — the
  // request is being decided afresh, so the unit is reserved afresh (or refused), never taken as still reserved.
  const existing = state.reservations.get(command.redemptionId);
  if (existing && existing.status !== 'released') return ok([]);
  if (!state.active) return err(invalidState(`item ${state.itemId} is delisted and cannot be redeemed`));
  const left = availableStock(state);
  if (left !== null && left < command.quantity) {
    return err(domainError('stock-exhausted', `item ${state.itemId} has ${left} left; ${command.quantity} requested`, { available: left, requested: command.quantity }));
  }
  const day = calendarDateIn(context.now, context.timeZone);
  const limit = state.limitPerMember;
  if (limit) {
    const period = periodOf(day, limit.period);
    let taken = 0;
    for (const r of state.reservations.values()) {
      if (r.memberId === command.memberId && r.status !== 'released' && periodOf(r.day, limit.period) === period) taken += r.quantity;
    }
    if (taken + command.quantity > limit.count) {
      return err(
        domainError('limit-reached', `${command.memberId} has redeemed ${taken} of item ${state.itemId} this ${limit.period}; the limit is ${limit.count}`, {
          taken,
          limit: limit.count,
          period: limit.period,
        }),
      );
    }
  }
  return ok([{ type: 'StockReserved', data: { redemptionId: command.redemptionId, memberId: command.memberId, quantity: command.quantity, day } }]);
}

/** Folds one event; mutates and returns `state` (see Ledger on ownership). */
export function evolveReward(state: RewardState, event: RewardEvent): RewardState {
  switch (event.type) {
    case 'ItemListed': {
      const d = event.data;
      Object.assign(state, {
        exists: true,
        active: true,
        itemId: d.itemId,
        name: d.name,
        kind: d.kind,
        pointsCost: Points.of(d.pointsCost),
        stocked: d.initialStock,
        limitPerMember: d.limitPerMember,
        serviceHours: d.serviceHours,
        serviceCategory: d.serviceCategory,
      });
      break;
    }
    case 'ItemRepriced':
      state.pointsCost = Points.of(event.data.pointsCost);
      break;
    case 'ItemRestocked':
      state.stocked = (state.stocked ?? 0) + event.data.quantity;
      break;
    case 'ItemDelisted':
      state.active = false;
      break;
    case 'StockReserved':
      state.reservations.set(event.data.redemptionId, { memberId: event.data.memberId, quantity: event.data.quantity, day: event.data.day, status: 'reserved' });
      state.reserved += event.data.quantity;
      break;
    case 'StockReleased':
      state.reservations.get(event.data.redemptionId)!.status = 'released';
      state.reserved -= event.data.quantity;
      break;
    case 'StockIssued':
      state.reservations.get(event.data.redemptionId)!.status = 'issued';
      state.reserved -= event.data.quantity;
      state.issued += event.data.quantity;
      break;
  }
  invariant(
    state.reserved >= 0 && state.issued >= 0 && (state.stocked === null || state.reserved + state.issued <= state.stocked),
    () => `item ${state.itemId}: stock out of bounds (stocked ${state.stocked}, reserved ${state.reserved}, issued ${state.issued})`,
  );
  return state;
}
