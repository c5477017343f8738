// The scan writer's thread: its own connection to the catalog file, writing the batches it is sent, in order.
// It loads only the driver and the SQL of the writes.
import { parentPort, workerData } from 'node:worker_threads';
import { Database } from './driver.js';
import { configure } from './pragmas.js';
import { RowWriter } from './row-writer.js';
import {
  failureOf,
  type Flushed,
  type ToWriter,
  type WriterFailure,
  type WriterSetup,
} from './scan-writer-protocol.js';

const { location, scanId } = workerData as WriterSetup;
const port = parentPort!;

let failure: WriterFailure | undefined;
let db: InstanceType<typeof Database> | undefined;
let writer: RowWriter | undefined;
try {
  db = new Database(location, { fileMustExist: true });
  db.defaultSafeIntegers(true);
  configure(db);
  // No checkpoints while a scan writes: each one copies the log into the catalog and waits for the disk (fsync),
  // and a tree of a million files made 75 of them, 36 s of a 50 s scan here. The catalog's own connection
  // checkpoints the whole log once, at its next commit (the scan's end).
  db.pragma('wal_autocheckpoint = 0');
  writer = new RowWriter(db);
} catch (error) {
  failure = failureOf(error);
}

port.on('message', (message: ToWriter) => {
  switch (message.kind) {
    case 'write':
    case 'seen':
      // After a failure the rest is dropped: the scan reports the failure, and rows already written stay true.
      if (failure !== undefined || writer === undefined) return;
      try {
        if (message.kind === 'write') writer.write(scanId, message.rows, message.at);
        else writer.seen(scanId, message.files);
      } catch (error) {
        failure = failureOf(error);
      }
      return;
    case 'flush':
      port.postMessage({ id: message.id, failure } satisfies Flushed);
      return;
    case 'close':
      db?.close();
      port.close();
      return;
    default:
      message satisfies never;
  }
});
