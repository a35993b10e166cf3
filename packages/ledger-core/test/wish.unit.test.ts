/** Micro-wishes (微心愿): claimed by a member (in kind) or by the donation pool, whose points are held, then spent once. */
import { describe, it } from 'vitest';
import { type StepCommand, type WishEvent, type WishInput, domainError, donationPoolId, wishWorkflow } from '../src/index.js';
import { givenWorkflow, phaseDone, phaseRefused } from '../src/testing/index.js';

const c = 'c1';
const w = 'schoolbag';
const given = givenWorkflow(wishWorkflow);
const holdUntil = '2026-04-09T12:00:00.000Z';

const postInput: WishInput = { type: 'PostWish', communityId: c, wishId: w, beneficiaryId: 'xiaoming', title: '一个新书包', description: null, points: '40.00', postedBy: 'org-1' };
const posted: WishEvent = { type: 'WishPosted', data: { wishId: w, beneficiaryId: 'xiaoming', title: '一个新书包', description: null, points: '40.00', postedBy: 'org-1' } };
const claimInput = (claimantId: string): WishInput => ({ type: 'ClaimWish', communityId: c, wishId: w, claimantId, by: 'org-1', holdExpiresAt: holdUntil });
const claimedBy = (claimantId: string): WishEvent => ({ type: 'WishClaimed', data: { claimantId, by: 'org-1', holdExpiresAt: claimantId === donationPoolId ? holdUntil : null } });
const hold: StepCommand = { type: 'PlaceHold', communityId: c, memberId: donationPoolId, holdId: w, redemptionId: w, points: '40.00', expiresAt: holdUntil, purpose: 'wish' };
const spend: StepCommand = { type: 'SpendHold', communityId: c, memberId: donationPoolId, holdId: w, purpose: 'wish' };
const release: StepCommand = { type: 'ReleaseHold', communityId: c, memberId: donationPoolId, holdId: w, reason: 'cancelled', purpose: 'wish' };
const heldByPool: WishEvent[] = [posted, claimedBy(donationPoolId), { type: 'WishPointsHeld', data: {} }];

describe('posting and claiming', () => {
  it('an organiser posts a wish for a resident, once', () => {
    given([]).when(postInput).then({ record: [posted] });
    given([posted]).when(postInput).thenNothing();
    given([posted]).when({ ...postInput, points: '50.00' } as WishInput).thenError('already-exists');
  });

  it('a member claims it to fulfil it in kind: no points move', () => {
    given([posted]).when(claimInput('zhang')).then({ record: [claimedBy('zhang')] });
  });

  it('the pool claims it: its points are held (no overdraft: refused if the pool holds too little)', () => {
    given([posted]).when(claimInput(donationPoolId)).then({ record: [claimedBy(donationPoolId)], send: [hold] });
    given([posted, claimedBy(donationPoolId)]).when(phaseDone(hold)).then({ record: [{ type: 'WishPointsHeld', data: {} }] });
    const error = domainError('insufficient-points', 'insufficient points: available 10.00, needed 40.00');
    given([posted, claimedBy(donationPoolId)]).when(phaseRefused(hold, error)).then({ record: [{ type: 'WishClaimRejected', data: { code: error.code, message: error.message } }], refusal: 'insufficient-points' });
  });

  it('claimed once; never by the resident who wished it', () => {
    given([posted, claimedBy('zhang')]).when(claimInput('li')).thenError('invalid-state');
    given([posted]).when(claimInput('xiaoming')).thenError('validation');
  });
});

describe('fulfilling and cancelling', () => {
  it('a member\'s claim is fulfilled when the organiser confirms it', () => {
    given([posted, claimedBy('zhang')]).when({ type: 'FulfilWish', communityId: c, wishId: w, by: 'org-1' }).then({ record: [{ type: 'WishFulfilled', data: { claimantId: 'zhang', by: 'org-1', pointsSpent: '0.00' } }] });
  });

  it('the pool\'s claim spends its held points once (pool → redeemed)', () => {
    given(heldByPool).when({ type: 'FulfilWish', communityId: c, wishId: w, by: 'org-1' }).then({ record: [{ type: 'WishFulfilling', data: { by: 'org-1' } }], send: [spend] });
    const fulfilling = [...heldByPool, { type: 'WishFulfilling', data: { by: 'org-1' } } as WishEvent];
    given(fulfilling).when(phaseDone(spend)).then({ record: [{ type: 'WishFulfilled', data: { claimantId: donationPoolId, by: 'org-1', pointsSpent: '40.00' } }] });
    given([...fulfilling, { type: 'WishFulfilled', data: { claimantId: donationPoolId, by: 'org-1', pointsSpent: '40.00' } }]).when({ type: 'FulfilWish', communityId: c, wishId: w, by: 'org-1' }).thenNothing();
    given(fulfilling).when({ type: 'ResumeWish', communityId: c, wishId: w }).then({ record: [], send: [spend] });
  });

  it('cancelling releases the pool\'s hold; an unclaimed wish is cancelled at once; a fulfilled one cannot be', () => {
    given(heldByPool).when({ type: 'CancelWish', communityId: c, wishId: w, by: 'org-1', reason: '已由家人完成' }).then({ record: [{ type: 'WishCancelling', data: { by: 'org-1', reason: '已由家人完成' } }], send: [release] });
    given([posted]).when({ type: 'CancelWish', communityId: c, wishId: w, by: 'org-1', reason: 'x' }).then({ record: [{ type: 'WishCancelled', data: { by: 'org-1', reason: 'x' } }] });
    given([posted, claimedBy('zhang'), { type: 'WishFulfilled', data: { claimantId: 'zhang', by: 'org-1', pointsSpent: '0.00' } }]).when({ type: 'CancelWish', communityId: c, wishId: w, by: 'org-1', reason: 'x' }).thenError('invalid-state');
  });
});
