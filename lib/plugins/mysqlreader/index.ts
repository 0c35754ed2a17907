/** mysqlreader (DataX, FlinkX): see lib/rdbms/reader.ts. */
import { makeReader } from '../../rdbms/reader.js';

export default makeReader('mysqlreader', 'mysql');
