/** mysqlreader (DataX, FlinkX): see lib/rdbms/reader.ts. */
import { makeReader } from '../../rdbms/reader.js';
import { mysqlDialect } from '../../rdbms/mysql/dialect.js';

export default makeReader('mysqlreader', mysqlDialect);
