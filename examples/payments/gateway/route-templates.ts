/**
 * The gateway's own API as `http.route` templates. The product's route table knows only WeChat Pay
 * v3 paths; a sidecar in front of the gateway is given these with `--route` (the demo, the
 * Kubernetes example and the tests do), as any user passes their app's routes.
 */
export const GATEWAY_ROUTE_TEMPLATES: readonly string[] = [
  '/api/orders',
  '/api/orders/{out_trade_no}',
  '/api/orders/{out_trade_no}/refund',
  '/api/orders/{out_trade_no}/close',
  '/api/accounts/{id}',
  '/api/accounts/{id}/deduct',
  '/notify/wxpay',
  '/notify/refund',
];
