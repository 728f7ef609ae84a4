import { isHttpDate } from './retry-policy.ts';

/**
 * The API server's clock as seen from its responses' `Date` headers. Lease times are written by the
 * cluster's clock, so judging them against a skewed local clock would call healthy nodes stale (or hide
 * stale ones). `Date` has one-second resolution; the estimate adds half a second, leaving ±0.5 s that the
 * audit's skew margin covers.
 */
export interface ServerClockReading {
  /** Server time minus local time, in ms, from the latest response. */
  skewMs: number;
  /** The latest `Date` header, parsed. */
  serverDateMs: number;
  /** Local time when that response arrived. */
  localMs: number;
}

export class ServerClock {
  private reading: ServerClockReading | undefined;

  observe(dateHeader: string | undefined, localMs: number): void {
    if (!dateHeader || !isHttpDate(dateHeader.trim())) return;
    const serverDateMs = Date.parse(dateHeader);
    this.reading = { serverDateMs, localMs, skewMs: serverDateMs + 500 - localMs };
  }

  /** The latest reading, or undefined when no response carried a usable Date header. */
  get latest(): ServerClockReading | undefined {
    return this.reading;
  }

  /** The server's current time estimated from the local clock, or undefined without a reading. */
  now(localNowMs: number): number | undefined {
    return this.reading ? localNowMs + this.reading.skewMs : undefined;
  }
}
