import { Counter, Gauge, type Registry } from 'prom-client';
import type { StatsProviders, WatchHubStats } from './providers.js';

/**
 * Watch streams by API (`grpc`: kvstore.v1 Watch; `http`: the JSON API's SSE watch; `etcd`: the etcd API's
 * Watch), read from the hubs on every scrape: streams live and catching up, events sent, bytes held for
 * slow watchers, demotions.
 */
export class WatchMetrics {
  constructor(registry: Registry, providers: StatsProviders) {
    const hubs = (): [string, WatchHubStats][] => Object.entries(providers.watchHubs?.() ?? {});
    new Gauge({
      name: 'kvstore_watch_streams',
      help: 'Open watch streams by API and mode: live (following the feed) or catchup (reading the log)',
      labelNames: ['api', 'mode'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [api, s] of hubs()) {
          this.set({ api, mode: 'live' }, s.watchers - s.readingLog);
          this.set({ api, mode: 'catchup' }, s.readingLog);
        }
      },
    });
    new Counter({
      name: 'kvstore_watch_events_sent_total',
      help: 'Events written to watch streams (an event sent to three watchers counts three times)',
      labelNames: ['api'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [api, s] of hubs()) this.inc({ api }, s.eventsSent);
      },
    });
    new Counter({
      name: 'kvstore_watch_demotions_total',
      help: 'Live watchers that held too much (watch.maxBufferedBytes, its total or maxBufferedEvents) and were moved to reading the log',
      labelNames: ['api'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [api, s] of hubs()) this.inc({ api }, s.demotions);
      },
    });
    new Counter({
      name: 'kvstore_watch_log_read_retries_total',
      help: 'Catch-up reads of the log that failed because the log could not be reached (a stream leader election, a database restart) and were made again',
      labelNames: ['api'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [api, s] of hubs()) this.inc({ api }, s.logReadRetries);
      },
    });
    new Gauge({
      name: 'kvstore_watch_buffered_bytes',
      help: 'Bytes of watch messages held for slow watchers, in all (bounded by watch.maxBufferedBytesTotal)',
      labelNames: ['api'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [api, s] of hubs()) this.set({ api }, s.bufferedBytes);
      },
    });
    new Gauge({
      name: 'kvstore_watch_buffered_bytes_max',
      help: 'The most bytes one watcher holds (bounded by watch.maxBufferedBytes)',
      labelNames: ['api'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [api, s] of hubs()) this.set({ api }, s.maxWatcherBufferedBytes);
      },
    });
  }
}
