/**
 * Reads the request-duration exemplars back for the OpenMetrics writer: a bucket line's label
 * values, as the exporter wrote them, lead to the slot the record stage filled.
 */
import { ATTR_ERROR_TYPE, ATTR_METHOD, ATTR_ROUTE, ATTR_STATUS, ATTR_TRAFFIC, HTTP_SERVER_REQUEST_DURATION, prom, promLabel } from '../names';
import { MERGED_SOURCE_LABEL } from '../names/runtime';
import type { ExemplarSource } from './openmetrics';
import type { RequestExemplars } from './request-exemplars';

const L_ROUTE = promLabel(ATTR_ROUTE);
const L_STATUS = promLabel(ATTR_STATUS);
const L_METHOD = promLabel(ATTR_METHOD);
const L_TRAFFIC = promLabel(ATTR_TRAFFIC);
const L_ERROR_TYPE = promLabel(ATTR_ERROR_TYPE);

export function requestExemplarSource(store: RequestExemplars): ExemplarSource {
  return {
    family: prom(HTTP_SERVER_REQUEST_DURATION),
    exemplarFor(labels, le) {
      // Series merged in from the agent are not the sidecar's requests.
      if (labels.has(MERGED_SOURCE_LABEL)) return undefined;
      const route = labels.get(L_ROUTE);
      const method = labels.get(L_METHOD);
      const traffic = labels.get(L_TRAFFIC);
      if (route === undefined || method === undefined || traffic === undefined) return undefined;
      return store.lookup(route, Number(labels.get(L_STATUS)), method, traffic, labels.get(L_ERROR_TYPE) ?? '', le);
    },
  };
}
