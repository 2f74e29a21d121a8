/**
 * The gateway's composition root: config → engine, audit, metrics, alerts → HTTP server.
 * @packageDocumentation
 */
export { auditRecordFor } from './audit-events.js';
export { breakerStateName, type ConfigSource, EngineBackend } from './engine-backend.js';
export { createGatewayLogger, type GatewayLoggerOptions, type LogFormat } from './logger.js';
export { RoundBoard } from './round-board.js';
export {
  DEFAULT_CONFIG_PATH,
  type RunningGateway,
  readConfig,
  type StartGatewayOptions,
  startGateway,
} from './start-gateway.js';
