/**
 * The exact byte strings that get signed. Every line ends in `\n`, the last one too, so a GET
 * (empty body) request message ends `NONCE\n\n`.
 */

/** `METHOD\nCANONICAL_URL\nTIMESTAMP\nNONCE\nBODY\n`; the URL is path plus `?query`, no host. */
export function requestMessage(method: string, canonicalUrl: string, timestamp: string | number, nonce: string, body: string): string {
  return `${method.toUpperCase()}\n${canonicalUrl}\n${timestamp}\n${nonce}\n${body}\n`;
}

/** `TIMESTAMP\nNONCE\nBODY\n`, for responses and callbacks. */
export function responseMessage(timestamp: string | number, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

/** Path plus query of a URL as it goes on the wire (what the request message signs). */
export function canonicalUrl(url: string | URL): string {
  const u = typeof url === 'string' ? new URL(url, 'http://canonical.invalid') : url;
  return `${u.pathname}${u.search}`;
}
