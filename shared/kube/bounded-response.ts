import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import zlib from 'node:zlib';
import type { RequestContext } from '@kubernetes/client-node';
import { formatBytes, ReadLimitExceeded, type ReadLimits } from './read-limits.ts';

export interface BoundedResponse {
  status: number;
  headers: Readonly<Record<string, string>>;
  text: string;
}

/**
 * Sends a request client-node has prepared (URL, headers with credentials, agent with TLS material) over
 * node:http(s) and reads the body as a stream, counting bytes as received and after decoding. The moment
 * a limit is passed the response is destroyed, which closes the connection: the rest of a 2 GB body or
 * an endless one is never read. client-node's own HTTP library (node-fetch) can only hand over a whole
 * body, inflated without limit, so it is not used for sending.
 */
export async function sendBounded(
  ctx: RequestContext,
  signal: AbortSignal,
  limits: Readonly<ReadLimits>,
  onHeaders: (headers: Readonly<Record<string, string>>) => void,
  connectTimeoutMs?: number,
): Promise<BoundedResponse> {
  const res = await send(ctx, signal, connectTimeoutMs);
  const headers = flatHeaders(res.headers);
  onHeaders(headers);
  const announced = Number(headers['content-length']);
  if (announced > limits.maxResponseBytes) {
    res.destroy();
    throw responseTooLarge(limits, `Content-Length ${announced}`);
  }
  const body = await readBody(res, headers['content-encoding'], limits, signal);
  return { status: res.statusCode ?? 0, headers, text: decodeUtf8(body, limits) };
}

/**
 * A new connection (DNS, TCP and, for https, the TLS handshake) that did not complete in time. A black-holed
 * endpoint (a VPN that is down, a private EKS endpoint seen from outside) never refuses: without this the
 * attempt would wait for the whole request timeout.
 */
export class ConnectTimeoutError extends Error {
  readonly code = 'ECONNECT_TIMEOUT';
  constructor(readonly timeoutMs: number) {
    super(`no connection within ${timeoutMs / 1000} s (connect timeout)`);
    this.name = 'ConnectTimeoutError';
  }
}

/**
 * Bounds the setting up of a fresh connection. A kept-alive socket, or one a proxy agent hands over
 * already connected, is left alone; a request queued for a free socket starts its clock when it gets one.
 */
function boundConnect(req: http.ClientRequest, timeoutMs: number): void {
  req.once('socket', (socket) => {
    if (req.reusedSocket || !socket.connecting) return;
    const timer = setTimeout(() => req.destroy(new ConnectTimeoutError(timeoutMs)), timeoutMs);
    const connected = () => clearTimeout(timer);
    socket.once(socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect', connected);
    socket.once('close', connected);
  });
}

function send(
  ctx: RequestContext,
  signal: AbortSignal,
  connectTimeoutMs: number | undefined,
): Promise<http.IncomingMessage> {
  const url = new URL(ctx.getUrl());
  const body = ctx.getBody();
  const headers: Record<string, string> = { 'Accept-Encoding': 'gzip, deflate, br', ...ctx.getHeaders() };
  if (typeof body === 'string') headers['Content-Length'] = String(Buffer.byteLength(body));
  else if (body !== undefined) throw new TypeError('KubeClient sends JSON text bodies only');
  const request = url.protocol === 'http:' ? http.request : https.request;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: ctx.getHttpMethod(), headers, agent: ctx.getAgent(), signal },
      resolve,
    );
    if (connectTimeoutMs !== undefined) boundConnect(req, connectTimeoutMs);
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Reads a body, counting bytes as received (`maxResponseBytes`) and, when it is encoded, after decoding
 * (`maxDecodedBytes`). Plain 'data' handlers rather than a stream pipeline: a 1 MB page arrives in dozens
 * of chunks, and async iteration through a pipeline costs a few promises per chunk. Any failure, a limit
 * passed or the signal aborting destroys the response, which closes the connection: the server stops
 * sending and the rest of the body is never read.
 */
function readBody(
  res: http.IncomingMessage,
  encoding: string | undefined,
  limits: Readonly<ReadLimits>,
  signal: AbortSignal,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let decoded = 0;
    let settled = false;
    const decoder = decoderFor(encoding);
    const settle = (err: Error | undefined) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      if (err) {
        res.destroy();
        decoder?.destroy();
        chunks.length = 0;
        reject(err);
        return;
      }
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, decoded);
      chunks.length = 0;
      resolve(body);
    };
    const onAbort = () => settle(abortError(signal));
    const take = (chunk: Buffer) => {
      decoded += chunk.length;
      if (decoder && decoded > limits.maxDecodedBytes) {
        settle(
          new ReadLimitExceeded(
            'maxDecodedBytes',
            `response inflated beyond ${formatBytes(limits.maxDecodedBytes)} (limit maxDecodedBytes; ${formatBytes(received)} received)`,
          ),
        );
        return;
      }
      chunks.push(chunk);
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    let ended = false;
    res.on('data', (chunk: Buffer) => {
      if (settled) return;
      received += chunk.length;
      if (received > limits.maxResponseBytes) {
        settle(responseTooLarge(limits));
        return;
      }
      if (!decoder) {
        take(chunk);
        return;
      }
      // Backpressure: the socket waits while the decoder catches up.
      if (!decoder.write(chunk)) {
        res.pause();
        decoder.once('drain', () => res.resume());
      }
    });
    res.once('end', () => {
      ended = true;
      if (decoder) decoder.end();
      else settle(undefined);
    });
    res.once('error', (err) => settle(err));
    res.once('close', () => {
      if (!ended) settle(prematureClose());
    });
    if (decoder) {
      decoder.on('data', (chunk: Buffer) => {
        if (!settled) take(chunk);
      });
      decoder.once('end', () => settle(undefined));
      decoder.once('error', (err) => settle(err));
    }
  });
}

/** What a stream pipeline rejects with when its signal aborts (the signal's reason as the cause). */
function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted', { cause: signal.reason }), {
    name: 'AbortError',
    code: 'ABORT_ERR',
  });
}

/** The connection closed before the body ended: what a stream pipeline reports for it. */
function prematureClose(): Error {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/** The decoders node-fetch applied (gzip, deflate, br); any other coding is passed through as sent. */
function decoderFor(
  encoding: string | undefined,
): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  // A truncated stream decodes as far as it goes (as node-fetch does); parsing then reports it.
  const lenient = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip(lenient);
    case 'deflate':
      return zlib.createInflate(lenient);
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

function decodeUtf8(body: Buffer, limits: Readonly<ReadLimits>): string {
  try {
    return body.toString('utf8');
  } catch (err) {
    // V8's string length limit (~512 MiB): only reachable when a byte limit is configured above it.
    if ((err as { code?: unknown }).code === 'ERR_STRING_TOO_LONG') {
      throw new ReadLimitExceeded(
        'maxDecodedBytes',
        `response of ${formatBytes(body.length)} is longer than a JavaScript string can be (limit maxDecodedBytes is ${formatBytes(limits.maxDecodedBytes)})`,
      );
    }
    throw err;
  }
}

function responseTooLarge(limits: Readonly<ReadLimits>, detail?: string): ReadLimitExceeded {
  const suffix = detail ? `; ${detail}` : '';
  return new ReadLimitExceeded(
    'maxResponseBytes',
    `response exceeded ${formatBytes(limits.maxResponseBytes)} (limit maxResponseBytes${suffix})`,
  );
}

/** Header values as one string each, repeated headers joined with ", " (as fetch does). */
function flatHeaders(raw: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}
