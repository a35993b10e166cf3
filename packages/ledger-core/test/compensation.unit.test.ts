/**
 * What undoes a workflow step that was done when a later step of the same phase is refused (DESIGN §4 rule 10:
 * "a process that is refused part-way compensates every earlier step before it answers"). Each compensation
 * is a valid command of its own, aimed at exactly what the step made; a step that reserves nothing has none.
 */
import { describe, expect, it } from 'vitest';
import { parseCommand } from '../src/commands.js';
import { type StepCommand, compensationOf, memberStepTypes, rewardStepTypes } from '../src/steps.js';

const at = { communityId: 'c1', memberId: 'm1' };
const valid = (command: StepCommand | null) => {
  expect(command).not.toBeNull();
  const parsed = parseCommand(command);
  expect(parsed.ok, parsed.ok ? '' : parsed.error.message).toBe(true);
  return command;
};

describe('compensationOf', () => {
  it('releases the stock a reservation took', () => {
    expect(valid(compensationOf({ type: 'ReserveStock', communityId: 'c1', itemId: 'rice', redemptionId: 'r1', memberId: 'm1', quantity: 1 } as StepCommand))).toEqual({
      type: 'ReleaseStock',
      communityId: 'c1',
      itemId: 'rice',
      redemptionId: 'r1',
    });
  });

  it("releases a redemption's hold as a redemption's, and another purpose's hold under that purpose", () => {
    const hold = { type: 'PlaceHold', ...at, holdId: 'h1', redemptionId: 'r1', points: '5.00', expiresAt: '2026-03-04T00:00:00.000Z' } as const;
    const forRedemption = valid(compensationOf(hold));
    expect(forRedemption).toEqual({ type: 'ReleaseHold', ...at, holdId: 'h1', reason: 'cancelled' });
    expect(forRedemption).not.toHaveProperty('purpose');
    expect(valid(compensationOf({ ...hold, purpose: 'service-request' } as StepCommand))).toEqual({ type: 'ReleaseHold', ...at, holdId: 'h1', reason: 'cancelled', purpose: 'service-request' });
  });

  it('withdraws the service record a step made for a redemption or for a request, naming why', () => {
    const given = valid(compensationOf({ type: 'RecordServiceGiven', ...at, recordId: 'rec1', redemptionId: 'r1', category: 'elder-care', serviceDate: '2026-03-01', hours: '1.00' } as StepCommand));
    expect(given).toMatchObject({ type: 'WithdrawServiceGiven', ...at, recordId: 'rec1' });
    expect((given as { reason: string }).reason).toMatch(/redemption/);
    const served = valid(compensationOf({ type: 'RecordRequestService', ...at, recordId: 'rec2', requestId: 'q1', category: 'elder-care', serviceDate: '2026-03-01', hours: '1.00' } as StepCommand));
    expect(served).toMatchObject({ type: 'WithdrawServiceGiven', ...at, recordId: 'rec2' });
    expect((served as { reason: string }).reason).toMatch(/request/);
  });

  it('has none for a step that reserves nothing', () => {
    const compensated = new Set(['ReserveStock', 'PlaceHold', 'RecordServiceGiven', 'RecordRequestService']);
    for (const type of [...memberStepTypes, ...rewardStepTypes].filter((t) => !compensated.has(t))) {
      expect(compensationOf({ type, ...at } as unknown as StepCommand), type).toBeNull();
    }
  });
});
