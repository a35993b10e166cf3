/** The community decider (DESIGN §3 `community-{id}`, §5): set-up, policy versions, categories, organisers. */
import { describe, expect, it } from 'vitest';
import { type CommunityCommand, decideCommunity, defaultCategories, defaultPolicy, evolveCommunity, initialCommunityState, parseCommand } from '../src/index.js';
import { communityEvents, givenCommunity, specFor } from '../src/testing/index.js';

const registeredC1 = communityEvents({ organisers: [] });

describe('community set-up', () => {
  it('registration publishes policy version 1 (the defaults) and the eight default categories', () => {
    givenCommunity([])
      .when({ type: 'RegisterCommunity', communityId: 'c1', name: 'Community c1', timeZone: 'Asia/Shanghai' })
      .then([
        { type: 'CommunityRegistered', data: { communityId: 'c1', name: 'Community c1', timeZone: 'Asia/Shanghai' } },
        { type: 'PolicyPublished', data: { version: 1, policy: defaultPolicy } },
        ...defaultCategories.map((c) => ({ type: 'CategoryAdded' as const, data: c })),
      ]);
  });

  it('a community is registered once', () => {
    givenCommunity(registeredC1).when({ type: 'RegisterCommunity', communityId: 'c1', name: 'Again' }).thenError('already-exists');
  });

  it('the time zone defaults to Asia/Shanghai and must be an IANA zone', () => {
    const events = givenCommunity([]).when({ type: 'RegisterCommunity', communityId: 'c1', name: 'x' }).events();
    expect(events[0]).toMatchObject({ data: { timeZone: 'Asia/Shanghai' } });
    const refused = parseCommand({ type: 'RegisterCommunity', communityId: 'c1', name: 'x', timeZone: 'Mars/Olympus' });
    expect(refused.ok ? null : refused.error.code).toBe('validation');
  });

  it('nothing else can happen in a community that is not registered', () => {
    givenCommunity([]).when({ type: 'AppointOrganiser', communityId: 'c1', memberId: 'o1' }).thenError('not-found');
  });
});

describe('policy versions', () => {
  it('publishing a policy makes the next version', () => {
    const events = givenCommunity(registeredC1).when({ type: 'PublishPolicy', communityId: 'c1', policy: { basePointsPerHour: '12' } }).events();
    expect(events).toMatchObject([{ type: 'PolicyPublished', data: { version: 2, policy: { basePointsPerHour: '12', dailyHoursCap: '8.00' } } }]);
  });

  it.each([
    [{ dailyHoursCap: '0' }, 'dailyHoursCap'],
    [{ dailyHoursCap: '24.01' }, 'dailyHoursCap'],
    [{ dailyHoursCap: '2', minimumServiceHours: '3' }, 'minimumServiceHours'],
    [{ levelThresholdsHours: ['10', '5'] }, 'levelThresholdsHours'],
    [{ basePointsPerHour: '-1' }, 'basePointsPerHour'],
    [{ basePointsPerHour: 10 }, 'basePointsPerHour'],
  ])('an invalid policy %j is refused, naming %s', (policy, field) => {
    const parsed = parseCommand({ type: 'PublishPolicy', communityId: 'c1', policy });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message).toContain(field);
  });
});

describe('category multipliers name known categories', () => {
  it('a policy may weight an active category', () => {
    givenCommunity(registeredC1)
      .when({ type: 'PublishPolicy', communityId: 'c1', policy: { categoryMultipliers: { 'elder-care': '1.5' } } })
      .then([{ type: 'PolicyPublished', data: { version: 2, policy: { ...defaultPolicy, categoryMultipliers: { 'elder-care': '1.5' } } } }]);
  });

  it('a multiplier for a category the community does not have is refused, naming it and the known ones', () => {
    const error = givenCommunity(registeredC1)
      .when({ type: 'PublishPolicy', communityId: 'c1', policy: { categoryMultipliers: { eldercare: '2' } } })
      .thenError('validation');
    expect(error.message).toContain('"eldercare"');
    expect(error.message).toContain('elder-care');
    expect(error.details).toMatchObject({ unknownCategories: ['eldercare'] });
  });

  it('a retired category can no longer be weighted', () => {
    givenCommunity([...registeredC1, { type: 'CategoryRetired', data: { categoryId: 'safety' } }])
      .when({ type: 'PublishPolicy', communityId: 'c1', policy: { categoryMultipliers: { safety: '1.2' } } })
      .thenError('validation');
  });

  it('at registration, the policy is checked against the categories registered with it', () => {
    givenCommunity([])
      .when({ type: 'RegisterCommunity', communityId: 'c1', name: 'x', categories: [{ categoryId: 'tutoring', name: '课业辅导' }], policy: { categoryMultipliers: { 'elder-care': '2' } } })
      .thenError('validation');
    givenCommunity([])
      .when({ type: 'RegisterCommunity', communityId: 'c1', name: 'x', policy: { categoryMultipliers: { 'elder-care': '2' } } })
      .events();
  });
});

describe('categories', () => {
  it('an active category cannot be added twice', () => {
    givenCommunity(registeredC1).when({ type: 'AddCategory', communityId: 'c1', categoryId: 'elder-care', name: '助老' }).thenError('already-exists');
  });

  it('a retired category can be added back', () => {
    givenCommunity([...registeredC1, { type: 'CategoryRetired', data: { categoryId: 'safety' } }])
      .when({ type: 'AddCategory', communityId: 'c1', categoryId: 'safety', name: '平安巡逻' })
      .then([{ type: 'CategoryAdded', data: { categoryId: 'safety', name: '平安巡逻' } }]);
  });

  it('only an active category can be retired', () => {
    givenCommunity(registeredC1).when({ type: 'RetireCategory', communityId: 'c1', categoryId: 'knitting' }).thenError('not-found');
  });
});

describe('organisers', () => {
  it('are appointed once', () => {
    givenCommunity(registeredC1).when({ type: 'AppointOrganiser', communityId: 'c1', memberId: 'o1' }).then([{ type: 'OrganiserAppointed', data: { memberId: 'o1' } }]);
    givenCommunity([...registeredC1, { type: 'OrganiserAppointed', data: { memberId: 'o1' } }]).when({ type: 'AppointOrganiser', communityId: 'c1', memberId: 'o1' }).thenError('invalid-state');
  });

  it('only an organiser can be dismissed', () => {
    givenCommunity(registeredC1).when({ type: 'DismissOrganiser', communityId: 'c1', memberId: 'o1' }).thenError('not-found');
  });
});

describe('specFor: the same spec helper for any decider', () => {
  const given = specFor({ decide: (c: CommunityCommand, s) => decideCommunity(c, s), evolve: evolveCommunity, initialState: initialCommunityState });

  it('reports events and refusals like the member spec', () => {
    given(registeredC1).when({ type: 'RetireCategory', communityId: 'c1', categoryId: 'safety' }).then([{ type: 'CategoryRetired', data: { categoryId: 'safety' } }]);
    given([]).when({ type: 'RetireCategory', communityId: 'c1', categoryId: 'safety' }).thenError('not-found');
    expect(given(registeredC1).state().categories.size).toBe(8);
  });

  it('fails a spec whose expected events differ, showing both', () => {
    expect(() => given(registeredC1).when({ type: 'RetireCategory', communityId: 'c1', categoryId: 'safety' }).then([])).toThrow(/differ/);
    expect(() => given(registeredC1).when({ type: 'RetireCategory', communityId: 'c1', categoryId: 'safety' }).thenError('not-found')).toThrow(/accepted/);
  });
});

describe('stream names', () => {
  it('keep two communities apart whatever dashes their ids and member ids hold', async () => {
    const { streamNames } = await import('../src/index.js');
    expect(streamNames.member('a-b', 'c')).not.toBe(streamNames.member('a', 'b-c'));
    expect(streamNames.reward('a-b', 'c')).not.toBe(streamNames.reward('a', 'b-c'));
    expect(streamNames.redemption('a-b', 'c')).not.toBe(streamNames.redemption('a', 'b-c'));
    expect(streamNames.transfer('a-b', 'c')).not.toBe(streamNames.transfer('a', 'b-c'));
    // Ids without dashes keep the names DESIGN §3 gives them.
    expect(streamNames.member('sunshine', 'zhang-wei')).toBe('member-sunshine-zhang-wei');
  });

  it('two accounts that would once have shared a stream keep their own balances', async () => {
    const { createTestLedger, mustOk } = await import('../src/testing/index.js');
    const t = await createTestLedger({ communityId: 'a', members: ['b-c'] });
    mustOk(await t.execute({ type: 'RegisterCommunity', communityId: 'a-b', name: 'a-b' }, t.admin));
    mustOk(await t.execute({ type: 'RegisterMember', communityId: 'a-b', memberId: 'c' }, t.admin));
    mustOk(await t.execute({ type: 'GrantPoints', communityId: 'a', memberId: 'b-c', grantId: 'g', points: '10', reason: 'x' }, t.admin));
    expect((await t.ledger.account('a-b', 'c')).balance.toString()).toBe('0.00');
    expect((await t.ledger.account('a', 'b-c')).balance.toString()).toBe('10.00');
  });
});
