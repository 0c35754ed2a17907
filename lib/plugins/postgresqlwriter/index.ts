/** postgresqlwriter (DataX, FlinkX): see lib/rdbms/writer.ts. */
import { makeWriter } from '../../rdbms/writer.js';

export default makeWriter('postgresqlwriter', 'postgresql');
