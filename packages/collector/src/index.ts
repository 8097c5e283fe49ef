/**
 * `@rastro/collector` as a library: build the server yourself (tests, embedding, a custom CLI).
 */
export { createServer, version, type CreateServerOptions } from './server.js'
export { loadConfig, hashKey, type ResolvedConfig, type LoadConfigOptions } from './config/load-config.js'
export { configSchema, getConfigJsonSchema, type ConfigFile, type Role } from './config/config-schema.js'
export { createStore, type Store, type StoreOptions } from './store/create-store-client.js'
export { RastroError, createError, allErrorCodes, type RastroErrorCode } from './errors.js'
