export type { AppErrorOptions, FieldError } from "./app-error.js";
export { AppError, ErrorCode, isAppError } from "./app-error.js";
export type { Logger, LoggerOptions, LogLevel } from "./logger.js";
export { createLogger, logLevels } from "./logger.js";
export { compatibleApiVersion, version } from "./version.js";
