/**
 * Static files compressed once, not per request: the first request for a file reads it,
 * makes its gzip copy (fast, ~70 ms for Converse's 1.3 MB script) and starts its brotli copy
 * (quality 11: ~4 s, 20 % smaller than gzip) in the background; later requests get the best
 * copy that is ready. Both copies are kept in `<data_dir>/cache/assets/`, named by a hash of
 * the content, so a restart or a second server on the same data_dir compresses nothing again.
 * Files that never get asked for are never compressed (most of Converse's locales).
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Logger } from '../log.js';

export type Encoding = 'br' | 'gzip' | 'identity';

/** One file as it is served: its bytes in each encoding ready so far. */
export interface CompressedFile {
  /** A hash of the content, for the ETag. */
  readonly hash: string;
  readonly identity: Buffer;
  gzip?: Buffer;
  br?: Buffer;
}

/** Types worth compressing; images, sounds and woff2 fonts are compressed already. */
const COMPRESSIBLE = new Set(['.js', '.mjs', '.css', '.json', '.svg', '.ttf', '.wasm', '.map', '.txt']);
/** Smaller files gain less than a header's worth. */
const MIN_COMPRESSIBLE_BYTES = 512;

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

export class PrecompressedFiles {
  private readonly files = new Map<string, Promise<CompressedFile>>();

  constructor(private readonly cacheDir: string, private readonly log: Logger) {}

  /** The file at this absolute path (which the caller has checked), compressed once. */
  get(file: string): Promise<CompressedFile> {
    let entry = this.files.get(file);
    if (entry === undefined) {
      entry = this.load(file);
      this.files.set(file, entry);
      // A file that could not be read is tried again next time, not remembered as missing.
      entry.catch(() => this.files.delete(file));
    }
    return entry;
  }

  private async load(file: string): Promise<CompressedFile> {
    const identity = await fs.readFile(file);
    const hash = crypto.createHash('sha256').update(identity).digest('base64url').slice(0, 22);
    const entry: CompressedFile = { hash, identity };
    if (!COMPRESSIBLE.has(path.extname(file)) || identity.length < MIN_COMPRESSIBLE_BYTES) return entry;
    [entry.gzip, entry.br] = await Promise.all([this.readCached(hash, 'gz'), this.readCached(hash, 'br')]);
    entry.gzip ??= await this.compressAndKeep(hash, 'gz', () => gzip(identity, { level: 9 }));
    if (entry.br === undefined) {
      this.compressAndKeep(hash, 'br', () => brotli(identity, {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: identity.length },
      })).then((br) => { entry.br = br; }, (error: Error) => {
        this.log.warn({ file: path.basename(file), err: error.message }, 'could not compress a page asset with brotli');
      });
    }
    return entry;
  }

  /** A copy made by an earlier start, if the cache folder has it. */
  private async readCached(hash: string, suffix: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(path.join(this.cacheDir, `${hash}.${suffix}`));
    } catch {
      return undefined;
    }
  }

  /** Compresses, and writes the copy to the cache folder for the next start. */
  private async compressAndKeep(hash: string, suffix: string, compress: () => Promise<Buffer>): Promise<Buffer> {
    const name = path.join(this.cacheDir, `${hash}.${suffix}`);
    const bytes = await compress();
    const temporary = `${name}.${crypto.randomBytes(6).toString('hex')}.tmp`;
    try {
      await fs.mkdir(this.cacheDir, { recursive: true });
      await fs.writeFile(temporary, bytes);
      await fs.rename(temporary, name);
    } catch (error) {
      // Serving still works from memory; only the next start compresses again.
      this.log.warn({ err: (error as Error).message }, 'could not keep a compressed page asset in the cache folder');
      await fs.rm(temporary, { force: true });
    }
    return bytes;
  }
}

/**
 * The encoding to send for an Accept-Encoding header, among those this file has ready:
 * brotli, then gzip, then the file as it is. A coding with q=0 is refused; `*` stands for any
 * coding the header does not name.
 */
export function chooseEncoding(header: string | undefined, file: CompressedFile): Encoding {
  const accepted = acceptedCodings(header ?? '');
  const acceptable = (coding: string) => (accepted.get(coding) ?? accepted.get('*') ?? 0) > 0;
  if (file.br && acceptable('br')) return 'br';
  if (file.gzip && acceptable('gzip')) return 'gzip';
  return 'identity';
}

/** Coding name → q value. Headers past a sane length are read as accepting nothing special. */
function acceptedCodings(header: string): Map<string, number> {
  const codings = new Map<string, number>();
  if (header.length > 1024) return codings;
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = q === undefined ? 1 : Number(q.slice(2));
    codings.set(name, Number.isFinite(value) ? value : 0);
  }
  return codings;
}
