import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RouteTable } from '../../src/context/route';
import { parseRouteTemplate } from '../../src/context/route-template';
import { GATEWAY_ROUTE_TEMPLATES } from '../../examples/payments/gateway/route-templates';

describe('route templates', () => {
  const table = new RouteTable(['/v1/users/{id}', '/v1/users/me', ...GATEWAY_ROUTE_TEMPLATES]);
  const cases: Array<[string, string]> = [
    ['/v3/pay/transactions/jsapi', '/v3/pay/transactions/jsapi'],
    ['/v3/pay/transactions/out-trade-no/T1?mchid=1', '/v3/pay/transactions/out-trade-no/{out_trade_no}'],
    ['/v3/pay/transactions/out-trade-no/T1/close', '/v3/pay/transactions/out-trade-no/{out_trade_no}/close'],
    ['/v3/pay/transactions/id/4200000001', '/v3/pay/transactions/id/{transaction_id}'],
    ['/v3/refund/domestic/refunds', '/v3/refund/domestic/refunds'],
    ['/v3/refund/domestic/refunds/R1', '/v3/refund/domestic/refunds/{out_refund_no}'],
    ['/api/orders', '/api/orders'],
    ['/api/orders/', '/api/orders'],
    ['/api/orders/O1/refund', '/api/orders/{out_trade_no}/refund'],
    ['/notify/wxpay', '/notify/wxpay'],
    ['/v1/users/42', '/v1/users/{id}'],
    ['/v1/users/me', '/v1/users/me'],
    ['/', '/'],
    ['/api/orders/O1/refund/extra', '/{unmatched}'],
    ['/api//orders', '/{unmatched}'],
    ['/nothing/here', '/{unmatched}'],
    ['*', '/{unmatched}'],
    ['http://evil.example/api/orders', '/{unmatched}'],
  ];
  for (const [path, want] of cases) {
    it(`${path} → ${want}`, () => assert.equal(table.match(path), want));
  }

  it("knows WeChat Pay v3 paths by default, and nothing of the included example's API", () => {
    const builtIn = new RouteTable();
    assert.equal(builtIn.match('/v3/pay/transactions/native'), '/v3/pay/transactions/native');
    for (const path of ['/api/orders', '/api/orders/O1', '/notify/wxpay', '/api/accounts/7']) assert.equal(builtIn.match(path), '/{unmatched}', path);
  });

  it('validates templates', () => {
    assert.ok(parseRouteTemplate('/v1/users/{id}'));
    assert.equal(parseRouteTemplate('v1/users'), undefined);
    assert.equal(parseRouteTemplate('/v1/{bad id}'), undefined);
    assert.equal(parseRouteTemplate('/v1/{}'), undefined);
  });
});
