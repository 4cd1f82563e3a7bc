import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { AuthenticatedRequest } from '../access/access.decorators';
import { assertAdmin } from '../access/caller';
import { AppError } from '../common/app-error';
import { throttledWarning } from '../common/log-throttle';
import { withTimeout } from '../common/timeout';

/** How long one gauge's collect callback may take at a scrape before it is left out of that scrape. */
const COLLECT_TIMEOUT_MS = 2000;

/** Seconds; from a cached page (a few ms) to a request that waits on a slow backing service. */
const REQUEST_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The route label of a request no route matched: the raw URL would make one series per probe. */
export const UNMATCHED_ROUTE = 'unmatched';

export interface CollectedGaugeOptions<L extends string> {
  /** Prometheus name, `scheduler_…` for the service's own (`scheduler_outbox_backlog`). */
  name: string;
  help: string;
  labelNames?: readonly L[];
  /**
   * Called at each scrape to set the values (`gauge.set({ channel: 'email' }, 3)`). The gauge starts
   * each scrape empty, so a label that is no longer set disappears; if the callback fails or takes over
   * 2 s, the gauge is left out of that scrape (and a warning logged) rather than failing the scrape.
   */
  collect: (gauge: Gauge<L>) => void | Promise<void>;
}

/**
 * The app's Prometheus metrics, in a registry of its own (tests boot several apps in one process; the
 * prom-client default registry would mix them). Any module imports MetricsModule and adds its own
 * series with `addGauge` / `addCounter`.
 */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  private readonly registry = new Registry();
  private readonly requestDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly holdsClaimed: Counter;
  private readonly warn = throttledWarning(new Logger('Metrics'));

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.requestDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from receiving a request to the end of its answer, by method, route pattern and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: REQUEST_DURATION_BUCKETS,
      registers: [this.registry],
    });
    this.holdsClaimed = this.addCounter({
      name: 'scheduler_holds_claimed_total',
      help: 'Appointment requests whose slots were claimed (held awaiting validation)',
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** One answered request. `route` is the route's pattern (`/api/providers/:id`), never the raw URL. */
  observeRequest(method: string, route: string | undefined, statusCode: number, seconds: number): void {
    this.requestDuration.observe({ method, route: route ?? UNMATCHED_ROUTE, status_code: statusCode }, seconds);
  }

  /** An appointment request claimed its slots. */
  holdClaimed(): void {
    this.holdsClaimed.inc();
  }

  addCounter<L extends string = never>(options: { name: string; help: string; labelNames?: readonly L[] }): Counter<L> {
    return new Counter<L>({ ...options, labelNames: options.labelNames ?? [], registers: [this.registry] });
  }

  /** A gauge whose values are read when Prometheus scrapes (a backlog, a queue length). */
  addGauge<L extends string = never>({ collect, ...options }: CollectedGaugeOptions<L>): Gauge<L> {
    const warn = this.warn;
    return new Gauge<L>({
      ...options,
      labelNames: options.labelNames ?? [],
      registers: [this.registry],
      async collect(this: Gauge<L>) {
        this.reset();
        try {
          await withTimeout(Promise.resolve(collect(this)), COLLECT_TIMEOUT_MS);
        } catch (error) {
          this.reset();
          warn(`Could not read the metric ${options.name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      },
    });
  }

  /**
   * Every metric in the Prometheus text format, for the administrator or the METRICS_TOKEN (the
   * AuthGuard has checked the token); any other key: 403.
   */
  async scrape(request: AuthenticatedRequest): Promise<string> {
    if (!request.viaMetricsToken) {
      if (!request.caller) throw new AppError('UNAUTHENTICATED', 'Send the administrator key or the metrics token');
      assertAdmin(request.caller);
    }
    return this.registry.metrics();
  }

  onModuleDestroy(): void {
    this.registry.clear();
  }
}
