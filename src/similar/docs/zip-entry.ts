import { fromBuffer, type Entry, type ZipFile } from 'yauzl';

/** What reading one member of a zip archive gives: its bytes, or why not. */
export type ZipEntryResult = { bytes: Uint8Array } | { problem: string };

/**
 * The inflated bytes of the member named `wanted` in the zip archive `archive`, at most `maxBytes` of them. A
 * member that says it is larger, or inflates past the cap (a zip bomb that lies about its size), is refused;
 * so is an archive without the member, or one yauzl cannot read. Names are compared as raw bytes (no name
 * decoding: a name in an odd encoding cannot break the search).
 */
export async function readZipEntry(
  archive: Uint8Array,
  wanted: string,
  maxBytes: number,
): Promise<ZipEntryResult> {
  const name = Buffer.from(wanted, 'utf8');
  const buffer = Buffer.from(archive.buffer, archive.byteOffset, archive.byteLength);
  let zip: ZipFile;
  try {
    zip = await new Promise<ZipFile>((resolve, reject) => {
      fromBuffer(
        buffer,
        { lazyEntries: true, decodeStrings: false, validateEntrySizes: true },
        (error, file) => (error === null ? resolve(file) : reject(error)),
      );
    });
  } catch (error) {
    return { problem: `not a zip archive: ${message(error)}` };
  }
  try {
    const entry = await findEntry(zip, name);
    if (entry === undefined) return { problem: `the archive has no ${wanted}` };
    if (entry.uncompressedSize > maxBytes) {
      return {
        problem: `${wanted} inflates to ${entry.uncompressedSize} bytes, over the cap of ${maxBytes}`,
      };
    }
    return await inflate(zip, entry, wanted, maxBytes);
  } catch (error) {
    return { problem: `unreadable zip archive: ${message(error)}` };
  } finally {
    zip.close();
  }
}

function findEntry(zip: ZipFile, name: Buffer): Promise<Entry | undefined> {
  return new Promise((resolve, reject) => {
    const onEntry = (entry: Entry): void => {
      const fileName = entry.fileName as unknown as Buffer;
      if (name.equals(fileName)) {
        done();
        resolve(entry);
      } else zip.readEntry();
    };
    const onEnd = (): void => {
      done();
      resolve(undefined);
    };
    const onError = (error: Error): void => {
      done();
      reject(error);
    };
    const done = (): void => {
      zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
    };
    zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
    zip.readEntry();
  });
}

function inflate(zip: ZipFile, entry: Entry, wanted: string, maxBytes: number): Promise<ZipEntryResult> {
  return new Promise((resolve) => {
    zip.openReadStream(entry, (error, stream) => {
      if (error !== null) {
        resolve({ problem: `cannot inflate ${wanted}: ${error.message}` });
        return;
      }
      const chunks: Buffer[] = [];
      let total = 0;
      stream.on('data', (chunk: Buffer) => {
        total += chunk.length;
        if (total > maxBytes) {
          stream.destroy();
          resolve({ problem: `${wanted} inflates past the cap of ${maxBytes} bytes` });
          return;
        }
        chunks.push(chunk);
      });
      stream.on('error', (cause: Error) =>
        resolve({ problem: `cannot inflate ${wanted}: ${cause.message}` }),
      );
      stream.on('end', () => resolve({ bytes: new Uint8Array(Buffer.concat(chunks, total)) }));
    });
  });
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
