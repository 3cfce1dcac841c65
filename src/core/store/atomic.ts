/** File primitives: atomic replace, append, and a cross-process lock. Node only, no editor. */
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';

/** Writes to a temporary file beside the target, flushes its data to disk, then renames it over the target. */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'wx');
  try {
    await handle.writeFile(content, 'utf8');
    await handle.datasync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Appends lines to a JSON-lines file. If the file does not end in a newline (a line torn by a crash),
 * a newline goes first so the torn fragment stays alone on its line and the new lines stay whole.
 */
export async function appendLines(file: string, lines: readonly string[]): Promise<void> {
  if (lines.length === 0) return;
  let prefix = '';
  const handle = await fs.open(file, 'a+');
  try {
    const { size } = await handle.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    await handle.appendFile(prefix + lines.join('\n') + '\n', 'utf8');
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

export interface LockOptions {
  /** How long to wait for another holder before giving up. */
  readonly timeoutMs?: number;
  /** A lock older than this is taken to be left by a crashed process and broken. */
  readonly staleMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Holds `lockFile` (created exclusively) while `fn` runs. Works across processes (two windows),
 * which is what keeps two writers of the same incident from losing each other's changes.
 */
export async function withFileLock<T>(lockFile: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const staleMs = options.staleMs ?? 15_000;
  const started = Date.now();
  let delay = 1;
  for (;;) {
    try {
      const handle = await fs.open(lockFile, 'wx');
      await handle.writeFile(`${process.pid} ${new Date().toISOString()}\n`);
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        const { mtimeMs } = await fs.stat(lockFile);
        if (Date.now() - mtimeMs > staleMs) {
          await fs.rm(lockFile, { force: true });
          continue;
        }
      } catch {
        continue; // released between our open and stat
      }
      if (Date.now() - started > timeoutMs) {
        throw new Error(`Timed out after ${timeoutMs} ms waiting for ${lockFile}; another window may be stuck writing. Remove the file if no window is.`);
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 50);
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lockFile, { force: true });
  }
}
