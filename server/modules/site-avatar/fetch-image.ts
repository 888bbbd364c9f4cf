/**
 * Fetching one avatar image from a site, once, with every cap: the URL is already on an
 * allowed origin (auth/claims.ts); no redirect is followed (it could leave that origin), the
 * answer must come within the timeout, at most maxBytes are read, and the bytes must be a
 * PNG, JPEG, GIF or WebP image, whatever the Content-Type says.
 */
export interface AvatarImage {
  type: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';
  data: Buffer;
}

export interface FetchLimits {
  maxBytes: number;
  timeoutMs: number;
}

export async function fetchAvatarImage(url: string, limits: FetchLimits): Promise<AvatarImage | null> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  try {
    const response = await fetch(url, { redirect: 'error', signal, headers: { accept: 'image/png, image/jpeg, image/gif, image/webp' } });
    if (!response.ok || !response.body) return null;
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > limits.maxBytes) {
      await response.body.cancel();
      return null;
    }
    const data = await readCapped(response.body, limits.maxBytes);
    if (data === null) return null;
    const type = imageType(data);
    return type === null ? null : { type, data };
  } catch {
    return null; // refused, unreachable, too slow, redirected: no avatar
  }
}

async function readCapped(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Buffer | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks);
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
}

/** The image format by its first bytes (magic numbers), or null for anything else. */
export function imageType(data: Buffer): AvatarImage['type'] | null {
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'image/jpeg';
  if (data.length >= 6 && /^GIF8[79]a$/.test(data.subarray(0, 6).toString('latin1'))) return 'image/gif';
  if (data.length >= 12 && data.subarray(0, 4).toString('latin1') === 'RIFF' && data.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  return null;
}
