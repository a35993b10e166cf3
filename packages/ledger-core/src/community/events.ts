import { z } from 'zod';
import { defineEvent, type EventOf } from '../events.js';
import { categoryIdSchema, policySchema } from '../policy.js';
import { communityIdSchema, memberIdSchema } from '../ids.js';

export const CommunityRegistered = defineEvent(
  'CommunityRegistered',
  z.object({ communityId: communityIdSchema, name: z.string(), timeZone: z.string() }),
);
/** A new policy version; version 1 comes with registration. */
export const PolicyPublished = defineEvent(
  'PolicyPublished',
  z.object({ version: z.number().int().positive(), policy: policySchema }),
);
export const CategoryAdded = defineEvent('CategoryAdded', z.object({ categoryId: categoryIdSchema, name: z.string() }));
export const CategoryRetired = defineEvent('CategoryRetired', z.object({ categoryId: categoryIdSchema }));
export const OrganiserAppointed = defineEvent('OrganiserAppointed', z.object({ memberId: memberIdSchema }));
export const OrganiserDismissed = defineEvent('OrganiserDismissed', z.object({ memberId: memberIdSchema }));

export const communityEventDefinitions = [
  CommunityRegistered,
  PolicyPublished,
  CategoryAdded,
  CategoryRetired,
  OrganiserAppointed,
  OrganiserDismissed,
] as const;

export type CommunityEvent = EventOf<typeof communityEventDefinitions>;
