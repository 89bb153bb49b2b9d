/** What a load source asks the client to send, and how its outcome comes back. */
import type { Dispatcher } from 'undici';

export type HttpMethod = Dispatcher.HttpMethod;

export interface PlannedRequest {
  /** `http://host:port`, no path. */
  readonly origin: string;
  readonly method: HttpMethod;
  readonly path: string;
  /** Flat [name, value, name, value, ...] list. */
  readonly headers: readonly string[];
  readonly body?: string | Buffer;
  /** The operation this request belongs to in the report, e.g. `POST /api/orders`. */
  readonly operation: string;
  /** Called with the response body when the source needs it (e.g. to learn a new order's id). */
  readonly onResponse?: (status: number, body: Buffer) => void;
}

/** Produces the next request to send; the payment scenario keeps state between calls. */
export interface RequestSource {
  /** One line for the report header, e.g. `GET http://127.0.0.1:8080/`. */
  readonly description: string;
  next(): PlannedRequest;
  /** Releases whatever the source holds (e.g. the payment scenario's payer connections). */
  close?(): Promise<void>;
}

export type Outcome =
  | { readonly status: number; readonly error?: undefined }
  | { readonly status?: undefined; readonly error: string };
