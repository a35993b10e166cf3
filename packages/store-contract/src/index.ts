export {
  describeEventStoreContract,
  type ContractFactory,
  type ContractOptions,
  type ContractSubject,
} from './suite.js';
export { asNewEvent, contractEvent, contractEventId, contractEvents, contractMetadata } from './events.js';
