/**
 * Accounts:
 *   GET  /api/accounts/:id            {id, balance, version} (an unseen account shows its opening balance)
 *   POST /api/accounts/:id/deduct     {"amount": fen} → 200, or 409 PAYSIDECAR_GATEWAY_INSUFFICIENT_BALANCE
 */
import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context';
import { GatewayError } from '../http-errors';
import { InsufficientBalanceError } from '../state/accounts';
import { ACCOUNT_ID_RE, deductSchema, parseBody } from './validate';

type ById = { Params: { id: string } };

function accountId(id: string): string {
  if (!ACCOUNT_ID_RE.test(id)) throw new GatewayError('PAYSIDECAR_GATEWAY_BAD_REQUEST', `account id: expected 1-64 characters of [A-Za-z0-9_.@-], got ${JSON.stringify(id.slice(0, 80))}`);
  return id;
}

export function accountRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.get<ById>('/api/accounts/:id', async (request) => ctx.accounts.view(accountId(request.params.id)));

  app.post<ById>('/api/accounts/:id/deduct', async (request) => {
    const id = accountId(request.params.id);
    const { amount } = parseBody<{ amount: number }>(deductSchema, request.body);
    try {
      return await ctx.accounts.deduct(id, amount);
    } catch (err) {
      if (err instanceof InsufficientBalanceError) {
        throw new GatewayError('PAYSIDECAR_GATEWAY_INSUFFICIENT_BALANCE', err.message, { account: id, balance: err.balance, amount });
      }
      throw err;
    }
  });
}
