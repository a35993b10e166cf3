/**
 * The transfer workflow (转赠 / 爱心积分池), one spec per transition: given the events on the transfer's stream,
 * when a caller's input or the result of a phase, then what it records, which steps it sends next, and whether
 * it ends in a refusal. The diagram these follow is in src/transfer/workflow.ts:
 *
 *   requested ──[SendPoints]──▶ debited ──[ReceivePoints]──▶ completed
 *       (refused: failed)            (refused: [RefundTransfer] ──▶ returned)
 */
import { describe, expect, it } from 'vitest';
import { domainError } from '../src/errors.js';
import type { DebitFacts, StepCommand } from '../src/steps.js';
import type { TransferEvent } from '../src/transfer/events.js';
import { type TransferStatus, isTerminalTransfer } from '../src/transfer/state.js';
import { type DeliverOverflowInput, type RequestTransferInput, transferWorkflow } from '../src/transfer/workflow.js';
import { debitReceipt, phaseDone, phaseRefused, workflowSpecFor } from '../src/testing/index.js';

const given = workflowSpecFor(transferWorkflow);

// ── The transfer of these specs: alice gives bob 25 points, from two lots with their own expiry ─────

const c = 'c1';
const transferId = 't1';
const debit: DebitFacts = {
  points: '25.00',
  portions: [
    { lotId: 'lot:r1', points: '20.00', accruedAt: '2026-01-05T02:00:00.000Z', expiresAt: '2027-01-05T02:00:00.000Z' },
    { lotId: 'lot:r2', points: '5.00', accruedAt: '2026-02-01T02:00:00.000Z', expiresAt: null },
  ],
  refunded: false,
};

const request = (extra: Partial<RequestTransferInput> = {}): RequestTransferInput => ({
  type: 'RequestTransfer',
  communityId: c,
  transferId,
  from: 'alice',
  to: 'bob',
  points: '25.00',
  reason: 'gift',
  requestedBy: 'alice',
  recipientHouseholdId: 'h-bob',
  ...extra,
});
const resume = (recipientHouseholdId: string | null = 'h-bob') => ({ type: 'ResumeTransfer', communityId: c, transferId, recipientHouseholdId }) as const;

// Events
const requested: TransferEvent = { type: 'TransferRequested', data: { transferId, from: 'alice', to: 'bob', points: '25.00', reason: 'gift', requestedBy: 'alice' } };
const debited: TransferEvent = { type: 'TransferDebited', data: {} };
const completed: TransferEvent = { type: 'TransferCompleted', data: {} };
const failed = (code: string, message: string): TransferEvent => ({ type: 'TransferFailed', data: { code, message } });
const returned = (code: string, message: string): TransferEvent => ({ type: 'TransferReturned', data: { code, message } });

// Steps
const sendPoints = (recipientHouseholdId: string | null = 'h-bob'): Extract<StepCommand, { type: 'SendPoints' }> => ({
  type: 'SendPoints',
  communityId: c,
  memberId: 'alice',
  transferId,
  to: 'bob',
  points: '25.00',
  reason: 'gift',
  recipientHouseholdId,
});
const receivePoints: StepCommand = { type: 'ReceivePoints', communityId: c, memberId: 'bob', transferId, from: 'alice', points: '25.00', portions: [...debit.portions] };
const refund = (code: string, reason: string): StepCommand => ({ type: 'RefundTransfer', communityId: c, memberId: 'alice', transferId, reason, code });

// Errors
const overCap = domainError('max-balance-exceeded', 'bob holds 490.00; receiving 25.00 would pass the maximum balance of 500.00');
const notAllowed = domainError('transfer-not-allowed', 'the policy allows donations to the community pool only');
const insufficient = domainError('insufficient-points', 'insufficient points: available 10.00, needed 25.00');

// Histories, one per state
const history: Record<Exclude<TransferStatus, 'none'>, TransferEvent[]> = {
  requested: [requested],
  failed: [requested, failed(notAllowed.code, notAllowed.message)],
  debited: [requested, debited],
  completed: [requested, debited, completed],
  returned: [requested, debited, returned(overCap.code, overCap.message)],
};
const statuses = Object.keys(history) as Array<keyof typeof history>;

it('the histories of these specs fold to the states they are named after', () => {
  for (const status of statuses) expect(given(history[status]).state().status).toBe(status);
  expect(given([]).state().status).toBe('none');
});

// ── Requesting and the debit ────────────────────────────────────────────────────────────────────────

describe('a member gives points', () => {
  it('records the request, then debits the sender (with the recipient’s household, for family-only policies)', () => {
    given([]).when(request()).then({ record: [requested], send: [sendPoints()] });
  });

  it('a donation to the pool is recorded as a donation', () => {
    const donation: TransferEvent = { type: 'TransferRequested', data: { ...requested.data, to: '_pool', reason: 'donation' } };
    given([])
      .when(request({ to: '_pool', reason: 'donation', recipientHouseholdId: null }))
      .then({ record: [donation], send: [{ ...sendPoints(null), to: '_pool', reason: 'donation' }] });
  });

  it('the sender refuses (policy, points): failed with the sender’s answer, and the caller hears it', () => {
    given(history.requested).when(phaseRefused(sendPoints(), notAllowed)).then({ record: [failed(notAllowed.code, notAllowed.message)], refusal: 'transfer-not-allowed' });
    given(history.requested).when(phaseRefused(sendPoints(), insufficient)).then({ record: [failed(insufficient.code, insufficient.message)], refusal: 'insufficient-points' });
  });

  it('debited → records it and delivers the debit as the sender’s stream holds it (the lot portions keep their expiry)', () => {
    given(history.requested).when(phaseDone(debitReceipt(sendPoints(), debit))).then({ record: [debited], send: [receivePoints] });
  });

  it('delivers the points the debit holds, which are what the sender’s stream recorded', () => {
    const smaller: DebitFacts = { points: '20.00', portions: [debit.portions[0]!], refunded: false };
    given(history.requested)
      .when(phaseDone(debitReceipt(sendPoints(), smaller)))
      .then({ record: [debited], send: [{ ...receivePoints, points: '20.00', portions: [debit.portions[0]!] } as StepCommand] });
  });

  it('delivered → completed', () => {
    given(history.debited).when(phaseDone(receivePoints)).then({ record: [completed] });
  });

  it('the phase result is read from its last step', () => {
    given(history.debited).when(phaseDone(debitReceipt(sendPoints(), debit), receivePoints)).then({ record: [completed] });
  });
});

describe('the recipient cannot take the points: they go back to the sender', () => {
  it('the delivery refused (over the recipient’s cap): refunds the sender with the recipient’s answer, recording nothing yet', () => {
    given(history.debited).when(phaseRefused(receivePoints, overCap)).then({ send: [refund(overCap.code, overCap.message)] });
  });

  it('refunded → returned with the recipient’s answer, and the caller hears it', () => {
    const then = given(history.debited).when(phaseDone(refund(overCap.code, overCap.message)));
    then.then({ record: [returned(overCap.code, overCap.message)], refusal: 'max-balance-exceeded' });
    expect(then.decision().refusal).toEqual({ code: overCap.code, message: overCap.message, details: { transfer: 'returned' } });
  });

  it('a refund that names no code, or one no domain error has, is returned as invalid-state', () => {
    const uncoded: StepCommand = { type: 'RefundTransfer', communityId: c, memberId: 'alice', transferId, reason: 'recipient left the community' };
    given(history.debited).when(phaseDone(uncoded)).then({ record: [returned('invalid-state', 'recipient left the community')], refusal: 'invalid-state' });
    given(history.debited).when(phaseDone({ ...uncoded, code: 'gone' })).then({ record: [returned('invalid-state', 'recipient left the community')], refusal: 'invalid-state' });
  });

  // Was a bug (found by these specs and workflow-crashes.unit.test.ts): a transfer refunded just before a crash
  // was recorded as returned with the code 'returned', which is no domain error code, and the retry that
  // recorded it answered as if the transfer had gone through; the next retry got the unknown code (a 500 at
  // the HTTP edge). Now it ends like any return: a known code, and the caller is told.
  const lost = 'transfer t1 could not be delivered to bob and was refunded to alice';

  it('refunded before a crash (the sender’s stream says so): resumed, it ends returned, and the caller hears it', () => {
    const refunded = { ...debit, refunded: true };
    given(history.debited).when(phaseDone(debitReceipt(sendPoints(), refunded))).then({ record: [returned('invalid-state', lost)], refusal: 'invalid-state' });
  });

  it('refunded before the debit was even recorded here: records the debit and the return together', () => {
    const refunded = { ...debit, refunded: true };
    given(history.requested).when(phaseDone(debitReceipt(sendPoints(), refunded))).then({ record: [debited, returned('invalid-state', lost)], refusal: 'invalid-state' });
  });

  it('a return recorded with the old unknown code answers a repeat with invalid-state', () => {
    given([requested, debited, returned('returned', 'refunded to the sender')]).when(request()).thenError('invalid-state');
  });
});

// ── The same request again, and resuming ────────────────────────────────────────────────────────────

describe('the same transfer asked for again (same id)', () => {
  it('when requested (interrupted before the debit was recorded): debits again — the sender’s stream makes it once', () => {
    given(history.requested).when(request()).then({ send: [sendPoints()] });
  });

  it('when debited (interrupted before the delivery): reads the debit back to deliver it', () => {
    given(history.debited).when(request()).then({ send: [sendPoints()] });
  });

  it('with the recipient’s household as it is now', () => {
    given(history.debited).when(request({ recipientHouseholdId: 'h-new' })).then({ send: [sendPoints('h-new')] });
  });

  it('when completed: nothing to do', () => {
    given(history.completed).when(request()).thenNothing();
  });

  it('when failed: the same refusal again', () => {
    const error = given(history.failed).when(request()).thenError('transfer-not-allowed');
    expect(error).toEqual({ code: notAllowed.code, message: notAllowed.message, details: { transfer: 'failed' } });
  });

  it('when returned: the recipient’s refusal again', () => {
    const error = given(history.returned).when(request()).thenError('max-balance-exceeded');
    expect(error.details).toEqual({ transfer: 'returned' });
  });

  it('a repeat asked as a donation instead of a gift is the same transfer', () => {
    given(history.debited).when(request({ reason: 'donation' })).then({ send: [sendPoints()] });
  });

  it.each(statuses)('when %s, from another sender: refused, the id is taken', (status) => {
    given(history[status]).when(request({ from: 'carol' })).thenError('already-exists');
  });

  it.each(statuses)('when %s, to another recipient: refused, the id is taken', (status) => {
    given(history[status]).when(request({ to: 'carol' })).thenError('already-exists');
  });

  it.each(statuses)('when %s, for another amount: refused, the id is taken', (status) => {
    given(history[status]).when(request({ points: '25.01' })).thenError('already-exists');
  });
});

describe('resuming an interrupted transfer', () => {
  it('requested: debits (once) and delivers', () => {
    given(history.requested).when(resume()).then({ send: [sendPoints()] });
  });

  it('debited: reads the debit back and delivers it', () => {
    given(history.debited).when(resume(null)).then({ send: [sendPoints(null)] });
  });

  it('completed, or never requested: nothing to do', () => {
    given(history.completed).when(resume()).thenNothing();
    given([]).when(resume()).thenNothing();
  });

  it('failed or returned: answers with how it ended', () => {
    given(history.failed).when(resume()).thenError('transfer-not-allowed');
    given(history.returned).when(resume()).thenError('max-balance-exceeded');
  });
});

// ── Points above a 'donate' maximum balance, on their way to the pool ───────────────────────────────

describe('overflow to the donation pool (debited by the accrual itself)', () => {
  const overflowDebit: DebitFacts = { points: '12.00', portions: [{ lotId: 'lot:r9', points: '12.00', accruedAt: '2026-03-10T12:00:00.000Z', expiresAt: null }], refunded: false };
  const deliver = (extra: Partial<DeliverOverflowInput> = {}): DeliverOverflowInput => ({
    type: 'DeliverOverflow',
    communityId: c,
    transferId: 'overflow-r9',
    from: 'alice',
    to: '_pool',
    debit: overflowDebit,
    requestedBy: 'system:overflow',
    ...extra,
  });
  const overflowRequested: TransferEvent = {
    type: 'TransferRequested',
    data: { transferId: 'overflow-r9', from: 'alice', to: '_pool', points: '12.00', reason: 'overflow', requestedBy: 'system:overflow' },
  };
  const toPool: StepCommand = { type: 'ReceivePoints', communityId: c, memberId: '_pool', transferId: 'overflow-r9', from: 'alice', points: '12.00', portions: [...overflowDebit.portions] };
  const sendAgain: StepCommand = { type: 'SendPoints', communityId: c, memberId: 'alice', transferId: 'overflow-r9', to: '_pool', points: '12.00', reason: 'overflow', recipientHouseholdId: null };

  it('records the transfer as requested and debited at once, then delivers the debit to the pool', () => {
    given([]).when(deliver()).then({ record: [overflowRequested, debited], send: [toPool] });
  });

  it('delivered → completed', () => {
    given([overflowRequested, debited]).when(phaseDone(toPool)).then({ record: [completed] });
  });

  it('delivered again after a crash: reads the debit back and delivers (the pool takes it once)', () => {
    given([overflowRequested, debited]).when(deliver()).then({ send: [sendAgain] });
  });

  it('delivered again when completed: nothing to do', () => {
    given([overflowRequested, debited, completed]).when(deliver()).thenNothing();
  });

  it('delivered again when it was returned: answers with how it ended', () => {
    given([overflowRequested, debited, returned('validation', 'no pool')]).when(deliver()).thenError('validation');
  });
});

// ── Results the workflow cannot have caused: corruption, thrown ─────────────────────────────────────

describe('results that break the workflow’s invariants are thrown', () => {
  it('a phase done with no step', () => {
    given(history.debited).when({ type: 'PhaseDone', receipts: [] }).thenThrows(/a phase ended with no step/);
  });

  it('a debit the sender’s stream does not hold after SendPoints went through', () => {
    given(history.requested).when(phaseDone(debitReceipt(sendPoints(), null))).thenThrows(/holds no debit after SendPoints/);
    given(history.requested).when(phaseDone(sendPoints())).thenThrows(/holds no debit after SendPoints/);
  });

  it('a step a transfer never sends, done or refused', () => {
    const spend: StepCommand = { type: 'SpendHold', communityId: c, memberId: 'alice', holdId: 'h1' };
    given(history.debited).when(phaseDone(spend)).thenThrows(/unexpected step SpendHold/);
    given(history.debited).when(phaseRefused(spend, insufficient)).thenThrows(/SpendHold was refused/);
  });

  it('a refund refused (the sender’s stream has no such debit)', () => {
    given(history.debited).when(phaseRefused(refund(overCap.code, overCap.message), domainError('not-found', 'transfer t1 does not exist'))).thenThrows(/RefundTransfer was refused: transfer t1/);
  });
});

describe('terminal states', () => {
  it.each(['none', ...statuses] as TransferStatus[])('%s', (status) => {
    expect(isTerminalTransfer(status)).toBe(['failed', 'completed', 'returned'].includes(status));
  });

  it('a refusal or a return keeps its reason', () => {
    expect(given(history.failed).state().problem).toEqual({ code: notAllowed.code, message: notAllowed.message });
    expect(given(history.returned).state().problem).toEqual({ code: overCap.code, message: overCap.message });
  });
});
