/**
 * Order API:
 *   POST /api/orders                          create (Idempotency-Key honoured) → 201
 *   GET  /api/orders/:out_trade_no            local state, refreshed by / falling back to the platform
 *   POST /api/orders/:out_trade_no/refund     {"amount"?, "reason"?} (Idempotency-Key honoured) → 202
 *   POST /api/orders/:out_trade_no/close
 */
import type { FastifyInstance } from 'fastify';
import { orderView, type CreateOrderInput, type OrderService, type RefundInput } from '../orders';
import { outboundTraceHeaders } from '../trace-forward';
import { createOrderSchema, idempotencyKey, parseBody, refundSchema } from './validate';

type ByNo = { Params: { out_trade_no: string } };

export function orderRoutes(app: FastifyInstance, orders: OrderService): void {
  app.post('/api/orders', async (request, reply) => {
    const input = parseBody<CreateOrderInput>(createOrderSchema, request.body);
    const key = idempotencyKey(request.headers['idempotency-key']);
    const { order, replayed } = await orders.create(input, key, outboundTraceHeaders(request));
    if (replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(201).send(orderView(order));
  });

  app.get<ByNo>('/api/orders/:out_trade_no', async (request) => orders.get(request.params.out_trade_no, outboundTraceHeaders(request)));

  app.post<ByNo>('/api/orders/:out_trade_no/refund', async (request, reply) => {
    const input = parseBody<RefundInput>(refundSchema, request.body, true);
    const key = idempotencyKey(request.headers['idempotency-key']);
    const { order, refund, replayed } = await orders.refund(request.params.out_trade_no, input, key, outboundTraceHeaders(request));
    if (replayed) reply.header('idempotent-replayed', 'true');
    const { idempotency_key: _k, request_fingerprint: _f, ...view } = refund;
    return reply.code(202).send({ out_trade_no: order.out_trade_no, trade_state: order.trade_state, refund: view });
  });

  app.post<ByNo>('/api/orders/:out_trade_no/close', async (request) => orderView(await orders.close(request.params.out_trade_no, outboundTraceHeaders(request))));
}
