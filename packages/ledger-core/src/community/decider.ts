/** The community stream (`community-{id}`): programme set-up — policy versions, categories, organisers. */
import type { CommunityCommand } from './commands.js';
import type { CommunityEvent } from './events.js';
import { alreadyExists, domainError, invalidState, notFound, invariant, type DomainError } from '../errors.js';
import { defaultCategories, defaultPolicy, type Policy } from '../policy.js';
import { err, ok, type Result } from '../result.js';

export interface CommunityState {
  readonly exists: boolean;
  communityId: string;
  name: string;
  timeZone: string;
  /** policies[v - 1] is version v. */
  readonly policies: Policy[];
  readonly categories: Map<string, { name: string; active: boolean }>;
  readonly organisers: Set<string>;
}

export const initialCommunityState = (): CommunityState => ({
  exists: false,
  communityId: '',
  name: '',
  timeZone: 'Asia/Shanghai',
  policies: [],
  categories: new Map(),
  organisers: new Set(),
});

/** The policy in force and its version number. */
export function currentPolicy(state: CommunityState): { version: number; policy: Policy } {
  const policy = state.policies.at(-1);
  invariant(policy !== undefined, () => `community ${state.communityId} has no policy`);
  return { version: state.policies.length, policy };
}

/** Null when `category` is an active category of the community; else the refusal, naming the ones there are. */
export function categoryRefusal(state: CommunityState, category: string): DomainError | null {
  if (state.categories.get(category)?.active) return null;
  const known = [...state.categories].filter(([, c]) => c.active).map(([id]) => id);
  return domainError('validation', `unknown service category ${category}; expected one of: ${known.join(', ')}`, { category, known });
}

export function decideCommunity(command: CommunityCommand, state: CommunityState): Result<CommunityEvent[], DomainError> {
  if (command.type === 'RegisterCommunity') {
    if (state.exists) return err(alreadyExists('community', command.communityId));
    const categories = command.categories ?? defaultCategories;
    const policy = command.policy ?? defaultPolicy;
    const unknown = multipliersOfUnknownCategories(policy, command.communityId, categories.map((c) => c.categoryId));
    if (unknown) return err(unknown);
    return ok([
      { type: 'CommunityRegistered', data: { communityId: command.communityId, name: command.name, timeZone: command.timeZone } },
      { type: 'PolicyPublished', data: { version: 1, policy } },
      ...categories.map((c): CommunityEvent => ({ type: 'CategoryAdded', data: { categoryId: c.categoryId, name: c.name } })),
    ]);
  }
  if (!state.exists) return err(notFound('community', command.communityId));
  switch (command.type) {
    case 'PublishPolicy': {
      const active = [...state.categories].filter(([, c]) => c.active).map(([id]) => id);
      const unknown = multipliersOfUnknownCategories(command.policy, state.communityId, active);
      if (unknown) return err(unknown);
      return ok([{ type: 'PolicyPublished', data: { version: state.policies.length + 1, policy: command.policy } }]);
    }
    case 'AddCategory':
      if (state.categories.get(command.categoryId)?.active) return err(alreadyExists('category', command.categoryId));
      return ok([{ type: 'CategoryAdded', data: { categoryId: command.categoryId, name: command.name } }]);
    case 'RetireCategory':
      if (!state.categories.get(command.categoryId)?.active) return err(notFound('category', command.categoryId));
      return ok([{ type: 'CategoryRetired', data: { categoryId: command.categoryId } }]);
    case 'AppointOrganiser':
      if (state.organisers.has(command.memberId)) {
        return err(invalidState(`${command.memberId} is already an organiser of ${state.communityId}`));
      }
      return ok([{ type: 'OrganiserAppointed', data: { memberId: command.memberId } }]);
    case 'DismissOrganiser':
      if (!state.organisers.has(command.memberId)) return err(notFound('organiser', command.memberId));
      return ok([{ type: 'OrganiserDismissed', data: { memberId: command.memberId } }]);
  }
}

/**
 * A multiplier for a category the community does not have would never apply: a typo ("eldercare") would
 * quietly pay ×1. So a policy may name only the community's active categories.
 */
function multipliersOfUnknownCategories(policy: Policy, communityId: string, categoryIds: readonly string[]): DomainError | null {
  const known = new Set(categoryIds);
  const unknown = Object.keys(policy.categoryMultipliers).filter((id) => !known.has(id));
  if (unknown.length === 0) return null;
  const listed = [...known].sort();
  return domainError(
    'validation',
    `policy.categoryMultipliers names ${unknown.map((id) => `"${id}"`).join(', ')}, which ${unknown.length === 1 ? 'is not an active category' : 'are not active categories'} of ${communityId}; ` +
      `expected one of: ${listed.join(', ') || '(none)'}. Correct the id, or add the category first`,
    { field: 'policy.categoryMultipliers', unknownCategories: unknown, activeCategories: listed },
  );
}

/** Folds one event into the state. Mutates and returns `state`: the caller owns it (see Ledger). */
export function evolveCommunity(state: CommunityState, event: CommunityEvent): CommunityState {
  switch (event.type) {
    case 'CommunityRegistered':
      return Object.assign(state, { exists: true, communityId: event.data.communityId, name: event.data.name, timeZone: event.data.timeZone });
    case 'PolicyPublished':
      invariant(event.data.version === state.policies.length + 1, () => `policy version ${event.data.version} out of order`);
      state.policies.push(event.data.policy);
      return state;
    case 'CategoryAdded':
      state.categories.set(event.data.categoryId, { name: event.data.name, active: true });
      return state;
    case 'CategoryRetired': {
      const category = state.categories.get(event.data.categoryId);
      if (category) category.active = false;
      return state;
    }
    case 'OrganiserAppointed':
      state.organisers.add(event.data.memberId);
      return state;
    case 'OrganiserDismissed':
      state.organisers.delete(event.data.memberId);
      return state;
  }
}
