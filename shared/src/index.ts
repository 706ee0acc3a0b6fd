export type { AppErrorOptions, FieldError } from "./app-error.js";
export { AppError, ErrorCode, isAppError } from "./app-error.js";
export type { BackoffOptions } from "./backoff.js";
export { Backoff } from "./backoff.js";
export * from "./gen/so/v1/agent.js";
export type {
  InlineKubeconfig,
  InlineKubeconfigOptions,
  KubeconfigIssue,
} from "./inline-kubeconfig.js";
export {
  inlineKubeconfigIssues,
  isLinkLocalOrMetadataHost,
  toInlineKubeconfig,
} from "./inline-kubeconfig.js";
export { maxLinkMessageBytes } from "./link-limits.js";
export type { Logger, LoggerOptions, LogLevel } from "./logger.js";
export { createLogger, logLevels } from "./logger.js";
export type {
  ManagedCommand,
  ManagedEvent,
  ManagedStart,
  ManagedState,
  ManagedStop,
} from "./managed-protocol.js";
export {
  lineSplitter,
  managedEventFd,
  maxManagedLineBytes,
  parseManagedEvent,
} from "./managed-protocol.js";
export type { ListType, PatchStrategy } from "./patch-strategies.js";
export { listTypeOf, patchStrategyOf } from "./patch-strategies.js";
export type { ContainerLike, PodLike, PodSpecLike, Requests } from "./pod-requests.js";
export { add as addRequests, holdsResources, noRequests, podSpecRequests } from "./pod-requests.js";
export type { Quantity, QuantityFormat } from "./quantity.js";
export {
  addQuantities,
  canonicalQuantity,
  compareQuantities,
  formatQuantity,
  isQuantity,
  parseBytes,
  parseMillis,
  parseQuantity,
  toBytes,
  toInteger,
  toMillis,
  toSafeNumber,
  toScaled,
} from "./quantity.js";
export type { RawSetting, SettingSpec } from "./settings.js";
export {
  invalidSetting,
  parseBoolSetting,
  parseLogLevelSetting,
  readSettings,
  settingsHelp,
} from "./settings.js";
export { spkiHash } from "./spki-hash.js";
export type { SystemTimersOptions, Timer, Timers } from "./timers.js";
export { FakeTimers, systemTimers } from "./timers.js";
export { compatibleApiVersion, version } from "./version.js";
