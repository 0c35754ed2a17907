/** mysqlwriter (DataX, FlinkX): see lib/rdbms/writer.ts. */
import { makeWriter } from '../../rdbms/writer.js';
import { mysqlDialect } from '../../rdbms/mysql/dialect.js';

export default makeWriter('mysqlwriter', mysqlDialect);
