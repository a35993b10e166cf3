/**
 * Short builders for member commands and events, so a spec says what matters (who, which record, how
 * many hours) and nothing else. Defaults: community `c1`, category `elder-care`, policy version 1.
 */
import type { MemberCommandInput } from '../member/commands.js';
import type { MemberEvent, NewLot } from '../member/events.js';
import { specCommunityId, specNow, specOrganiser } from './spec.js';

type EventOfType<T extends MemberEvent['type']> = Extract<MemberEvent, { type: T }>;
type CommandOfType<T extends MemberCommandInput['type']> = Extract<MemberCommandInput, { type: T }>;

const target = (memberId: string) => ({ communityId: specCommunityId, memberId });

// ── Commands ────────────────────────────────────────────────────────────────────────────────────────

export const registerMember = (memberId: string, extra: Partial<CommandOfType<'RegisterMember'>> = {}): CommandOfType<'RegisterMember'> => ({
  type: 'RegisterMember',
  ...target(memberId),
  ...extra,
});

export const checkIn = (
  memberId: string,
  recordId: string,
  checkedInAt: string,
  checkedOutAt: string,
  category = 'elder-care',
): CommandOfType<'RecordCheckedInHours'> => ({ type: 'RecordCheckedInHours', ...target(memberId), recordId, category, checkedInAt, checkedOutAt });

export const reportHours = (
  memberId: string,
  recordId: string,
  serviceDate: string,
  hours: string,
  activityHours = '24.00',
  category = 'elder-care',
): CommandOfType<'ReportHours'> => ({ type: 'ReportHours', ...target(memberId), recordId, category, serviceDate, hours, activityHours });

export const approveService = (memberId: string, recordId: string): CommandOfType<'ApproveService'> => ({ type: 'ApproveService', ...target(memberId), recordId });

export const rejectService = (memberId: string, recordId: string, reason = 'not on the rota'): CommandOfType<'RejectService'> => ({
  type: 'RejectService',
  ...target(memberId),
  recordId,
  reason,
});

export const reverseService = (memberId: string, recordId: string, reason = 'recorded in error'): CommandOfType<'ReverseService'> => ({
  type: 'ReverseService',
  ...target(memberId),
  recordId,
  reason,
});

export const grantPoints = (memberId: string, grantId: string, points: string, reason = 'award'): CommandOfType<'GrantPoints'> => ({
  type: 'GrantPoints',
  ...target(memberId),
  grantId,
  points,
  reason,
});

// ── Events ──────────────────────────────────────────────────────────────────────────────────────────

export const registered = (memberId: string): EventOfType<'MemberRegistered'> => ({
  type: 'MemberRegistered',
  data: { ...target(memberId), householdId: null, compound: null, building: null },
});

export const reported = (
  recordId: string,
  serviceDate: string,
  hours: string,
  options: { activityHours?: string; category?: string; recordedBy?: string } = {},
): EventOfType<'ServiceRecorded'> => ({
  type: 'ServiceRecorded',
  data: {
    recordId,
    kind: 'reported',
    category: options.category ?? 'elder-care',
    activityId: null,
    serviceDate,
    hours,
    checkedInAt: null,
    checkedOutAt: null,
    activityHours: options.activityHours ?? '24.00',
    recordedBy: options.recordedBy ?? specOrganiser.id,
  },
});

export const checkedIn = (
  recordId: string,
  serviceDate: string,
  hours: string,
  checkedInAt: string,
  checkedOutAt: string,
  options: { category?: string; recordedBy?: string } = {},
): EventOfType<'ServiceRecorded'> => ({
  type: 'ServiceRecorded',
  data: {
    recordId,
    kind: 'checked-in',
    category: options.category ?? 'elder-care',
    activityId: null,
    serviceDate,
    hours,
    checkedInAt,
    checkedOutAt,
    activityHours: null,
    recordedBy: options.recordedBy ?? specOrganiser.id,
  },
});

export const approved = (
  recordId: string,
  serviceDate: string,
  hoursRecorded: string,
  options: { hoursApproved?: string; approvedBy?: string; automatic?: boolean; policyVersion?: number; hoursKind?: 'credit' | 'honour' } = {},
): EventOfType<'ServiceApproved'> => ({
  type: 'ServiceApproved',
  data: {
    recordId,
    // Automatic approvals are of checked-in (credit) hours; an organiser's, in these specs, of reported (honour) ones.
    hoursKind: options.hoursKind ?? (options.automatic ? 'credit' : 'honour'),
    approvedBy: options.approvedBy ?? specOrganiser.id,
    automatic: options.automatic ?? false,
    serviceDate,
    hoursRecorded,
    hoursApproved: options.hoursApproved ?? hoursRecorded,
    policyVersion: options.policyVersion ?? 1,
  },
});

/** A lot as the decider creates it at `at` under a policy with no expiry and no lock. */
export const lot = (lotId: string, points: string, at: Date = specNow): NewLot => ({
  lotId,
  points,
  accruedAt: at.toISOString(),
  expiresAt: null,
  unlocksAt: null,
});

export const accruedForService = (
  recordId: string,
  points: string,
  hours: string,
  options: { deficitSettled?: string; lotPoints?: string | null; at?: Date; category?: string; pointsPerHour?: string; multiplier?: string; policyVersion?: number } = {},
): EventOfType<'PointsAccrued'> => {
  const lotPoints = options.lotPoints === undefined ? points : options.lotPoints;
  return {
    type: 'PointsAccrued',
    data: {
      points,
      deficitSettled: options.deficitSettled ?? '0.00',
      lot: lotPoints === null ? null : lot(`lot:${recordId}`, lotPoints, options.at),
      policyVersion: options.policyVersion ?? 1,
      source: {
        kind: 'service',
        recordId,
        category: options.category ?? 'elder-care',
        hours,
        pointsPerHour: options.pointsPerHour ?? '10',
        multiplier: options.multiplier ?? '1',
      },
    },
  };
};

export const accruedForGrant = (
  grantId: string,
  points: string,
  options: { reason?: string; grantedBy?: string; deficitSettled?: string; lotPoints?: string | null; at?: Date } = {},
): EventOfType<'PointsAccrued'> => {
  const lotPoints = options.lotPoints === undefined ? points : options.lotPoints;
  return {
    type: 'PointsAccrued',
    data: {
      points,
      deficitSettled: options.deficitSettled ?? '0.00',
      lot: lotPoints === null ? null : lot(`lot:grant:${grantId}`, lotPoints, options.at),
      policyVersion: 1,
      source: { kind: 'grant', grantId, reason: options.reason ?? 'award', grantedBy: options.grantedBy ?? 'admin' },
    },
  };
};

/** The three events of a reported record approved by an organiser (10 points an hour, ×1). */
export function approvedService(recordId: string, serviceDate: string, hours: string, points: string, options: { at?: Date } = {}): MemberEvent[] {
  return [reported(recordId, serviceDate, hours), approved(recordId, serviceDate, hours), accruedForService(recordId, points, hours, options)];
}

export const reversed = (recordId: string, serviceDate: string, hoursReversed: string, reversedBy = specOrganiser.id, reason = 'recorded in error'): EventOfType<'ServiceReversed'> => ({
  type: 'ServiceReversed',
  data: { recordId, reversedBy, reason, serviceDate, hoursReversed },
});

export const clawedBack = (recordId: string, points: string, fromLots: Array<{ lotId: string; points: string }>, deficitAdded: string): EventOfType<'PointsClawedBack'> => ({
  type: 'PointsClawedBack',
  data: { recordId, points, fromLots, deficitAdded },
});

export const levelReached = (level: number, thresholdHours: string, totalHours: string): EventOfType<'LevelReached'> => ({
  type: 'LevelReached',
  data: { level, thresholdHours, totalHours },
});
