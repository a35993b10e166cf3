/** Every event type the ledger writes, with its schema and version: what decoding a stored event checks against. */
import { communityEventDefinitions } from './community/events.js';
import { EventRegistry } from './events.js';
import { memberEventDefinitions } from './member/events.js';
import { redemptionEventDefinitions } from './redemption/events.js';
import { rewardEventDefinitions } from './reward/events.js';
import { transferEventDefinitions } from './transfer/events.js';
import { activityEventDefinitions } from './activity/events.js';
import { serviceRequestEventDefinitions } from './service-request/events.js';
import { wishEventDefinitions } from './wish/events.js';

export const eventRegistry = new EventRegistry([
  ...communityEventDefinitions,
  ...memberEventDefinitions,
  ...rewardEventDefinitions,
  ...redemptionEventDefinitions,
  ...transferEventDefinitions,
  ...activityEventDefinitions,
  ...serviceRequestEventDefinitions,
  ...wishEventDefinitions,
]);
