/**
 * Traffic colouring for `--stress SCENARIO --stress-secret S`: every request carries X-Test-Env
 * and a fresh-enough X-Stress-Token. Tokens are accepted within ±TOKEN_WINDOW_SECONDS of the
 * sidecar's clock, so a long run re-signs well before its token ages out.
 */
import { H_STRESS_TOKEN, H_TEST_ENV } from '../context/headers';
import { signStressToken, TOKEN_WINDOW_SECONDS } from '../context/stress-token';

/** Re-sign at a fifth of the window: leaves room for clock skew between bench and sidecar. */
export const TOKEN_REFRESH_SECONDS = Math.floor(TOKEN_WINDOW_SECONDS / 5);

export class StressColour {
  readonly scenario: string;
  readonly #secret: string;
  readonly #nowSeconds: () => number;
  #signedAt = -Infinity;
  #headers: string[] = [];

  constructor(scenario: string, secret: string, nowSeconds: () => number = () => Math.floor(Date.now() / 1000)) {
    this.scenario = scenario;
    this.#secret = secret;
    this.#nowSeconds = nowSeconds;
  }

  /** Flat [name, value, ...] header list for this moment; re-signed when the token has aged. */
  headers(): readonly string[] {
    const now = this.#nowSeconds();
    if (now - this.#signedAt >= TOKEN_REFRESH_SECONDS || now < this.#signedAt) {
      this.#signedAt = now;
      this.#headers = [H_TEST_ENV, this.scenario, H_STRESS_TOKEN, signStressToken(this.#secret, this.scenario, now)];
    }
    return this.#headers;
  }

  /** Never print the secret: this is what JSON/inspect show. */
  toJSON(): { scenario: string } {
    return { scenario: this.scenario };
  }
}
