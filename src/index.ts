/** The package's main entry: the TypeScript client (also `kvstore/client`). */
export * from './client/index.js';
