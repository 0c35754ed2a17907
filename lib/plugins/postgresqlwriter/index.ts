/** postgresqlwriter (DataX, FlinkX): see lib/rdbms/writer.ts. */
import { makeWriter } from '../../rdbms/writer.js';
import { postgresqlDialect } from '../../rdbms/postgresql/dialect.js';

export default makeWriter('postgresqlwriter', postgresqlDialect);
