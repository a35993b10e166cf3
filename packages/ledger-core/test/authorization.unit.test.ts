/** Who may do what (DESIGN §8): one community per actor, appointed organisers, members on their own account. */
import { describe, expect, it } from 'vitest';
import { type Actor, authorize } from '../src/index.js';
import { approveService, communityState, grantPoints, reportHours, specAdmin, specOrganiser } from '../src/testing/index.js';

const community = communityState({ organisers: ['org-1'] });
const code = (command: { type: string; communityId: string; memberId?: string }, actor: Actor) => authorize(command, actor, community)?.code ?? 'allowed';

describe('authorization', () => {
  it('an appointed organiser may approve', () => {
    expect(code(approveService('alice', 'r1'), specOrganiser)).toBe('allowed');
  });

  it('an organiser who is not appointed is refused', () => {
    expect(code(approveService('alice', 'r1'), { id: 'org-9', role: 'organiser', communityId: 'c1' })).toBe('not-allowed');
  });

  it('a dismissed organiser is refused', () => {
    const dismissed = communityState({ organisers: ['org-1'] });
    dismissed.organisers.delete('org-1');
    expect(authorize(approveService('alice', 'r1'), specOrganiser, dismissed)?.code).toBe('not-allowed');
  });

  it('an organiser of another community is refused, even one appointed here under the same id', () => {
    expect(code(approveService('alice', 'r1'), { id: 'org-1', role: 'organiser', communityId: 'c2' })).toBe('not-allowed');
  });

  it('an admin of another community is refused', () => {
    expect(code(grantPoints('alice', 'g1', '1.00'), { id: 'admin-c2', role: 'admin', communityId: 'c2' })).toBe('not-allowed');
  });

  it('the platform admin may act in any community', () => {
    expect(code(grantPoints('alice', 'g1', '1.00'), specAdmin)).toBe('allowed');
  });

  it('only an admin may grant points', () => {
    expect(code(grantPoints('alice', 'g1', '1.00'), specOrganiser)).toBe('not-allowed');
  });

  it('a member may report their own hours, not anyone else’s, and may not approve', () => {
    const alice: Actor = { id: 'alice', role: 'member', communityId: 'c1' };
    expect(code(reportHours('alice', 'r1', '2026-03-01', '1.00'), alice)).toBe('allowed');
    expect(code(reportHours('bob', 'r1', '2026-03-01', '1.00'), alice)).toBe('not-allowed');
    expect(code(approveService('bob', 'r1'), alice)).toBe('not-allowed');
  });
});
