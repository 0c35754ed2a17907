/** What a plugin module imports: `import { defineReader, PluginError } from 'ferry/plugin'`. */
export * from './spi.js';
export { PluginError, FerryError, RecordError } from '../errors.js';
export { Decimal, columnType, valueToString, type Value, type Row, type ColumnType } from '../../channel/value.js';
export type { Schema } from '../job/schema.js';
export { defineTransformer, type RecordTransform } from '../transformer/spi.js';
