/** postgresqlreader (DataX, FlinkX): see lib/rdbms/reader.ts. */
import { makeReader } from '../../rdbms/reader.js';
import { postgresqlDialect } from '../../rdbms/postgresql/dialect.js';

export default makeReader('postgresqlreader', postgresqlDialect);
