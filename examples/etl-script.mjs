// ferry from a plain ETL script: run a job file with variables, follow its progress, and act
// on the typed result. Run it from the repo root: node examples/etl-script.mjs
import { runJob, JobConfigError, JobFailedError } from 'ferry';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());

try {
  const summary = await runJob('examples/variables.json', {
    params: { rows: '1000', label: 'nightly' },
    bizdate: '20240131',
    signal: controller.signal,
    onProgress: (p) => console.error(`… ${p.recordsWritten} records`),
  });
  console.log(`done: ${summary.recordsWritten} records in ${summary.elapsedMs} ms`);
} catch (err) {
  if (err instanceof JobConfigError) {
    // The job file is wrong and nothing ran: one issue per line, each with its JSON path.
    for (const issue of err.issues) console.error(`${issue.path}: ${issue.message}`);
    process.exitCode = 2;
  } else if (err instanceof JobFailedError) {
    // It ran and failed; the summary says how far it got.
    console.error(`failed (${err.code}): ${err.message}; ${err.summary?.recordsWritten ?? 0} records written`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}
