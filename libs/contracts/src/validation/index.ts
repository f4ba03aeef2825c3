export * from './api';
export { validateCameraEvent } from './camera-event';
export { peekCameraEventPayload, type CameraEventPayloadCase } from './camera-event-payload';
export {
  CONTRACT_RULES,
  formatFieldErrors,
  type ContractRule,
  type FieldError,
  type Validated,
} from './errors';
export { CONTRACT_LIMITS, contractLimits, type ContractLimits } from './limits';
export {
  MAX_NEGATIVES_PER_PERSON,
  validateWatchlistChange,
  validateWatchlistHit,
} from './watchlist';
export {
  CYRILLIC_LOOKALIKES,
  MAX_REJECTED_READS,
  plateScript,
  validateVehicleHit,
  validateVehicleListChange,
} from './vehicle';
export { VIOLATION_CODES, violationCodeName, type ViolationCodeName } from './violation-codes';
