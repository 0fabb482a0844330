import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exportedMetricNames, metricsIn } from './exported-metrics.js';

// The alert rules and the Grafana dashboard, checked by Prometheus's own tool and against the metric names
// a real server exports.
const RULES = 'deploy/prometheus/alerts.yml';
const RULE_TESTS = 'deploy/prometheus/alerts.test.yml';
const DASHBOARD = 'deploy/grafana/dashboards/kvstore.json';

// promtool comes with Debian's `prometheus` package (.ci/run installs it): outside CI the checks skip
// without it, in CI they fail.
const promtool = spawnSync('promtool', ['--version']).status === 0;
if (!promtool && process.env.CI !== 'true')
  console.warn('promtool not found (apt-get install prometheus): the promtool checks are skipped');

describe.skipIf(!promtool && process.env.CI !== 'true')('promtool', () => {
  it('accepts the alert rules', () => {
    const out = execFileSync('promtool', ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('passes the rules unit tests (each alert fires on the series it is for, and not on a healthy one)', () => {
    const run = spawnSync('promtool', ['test', 'rules', RULE_TESTS], { encoding: 'utf8' });
    expect(run.status, run.stdout + run.stderr).toBe(0);
  });
});

describe('alert rules and dashboard', () => {
  const rules = (
    parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] }
  ).groups[0]!.rules;

  it('alert on log write failures, disk nearly full, NATS lag, watchers demoted and p99 latency', () => {
    const exprOf = (alert: string) => rules.find((r) => r.alert === alert)?.expr ?? '';
    expect(exprOf('KvstoreLogWriteFailed')).toContain('kvstore_log_commit_failures_total');
    expect(exprOf('KvstoreDiskNearlyFull')).toContain('kvstore_data_dir_available_bytes');
    expect(exprOf('KvstoreNatsLagging')).toContain('kvstore_nats_publish_lag_revisions');
    expect(exprOf('KvstoreWatchersDemoted')).toContain('kvstore_watch_demotions_total');
    for (const alert of ['KvstoreSlowReads', 'KvstoreSlowWrites', 'KvstoreSlowCommits'])
      expect(exprOf(alert)).toContain('histogram_quantile(0.99');
    // Every alert has a unit test in alerts.test.yml.
    const tested = new Set(
      (
        parse(readFileSync(RULE_TESTS, 'utf8')) as { tests: { alert_rule_test: { alertname: string }[] }[] }
      ).tests
        .flatMap((t) => t.alert_rule_test)
        .map((t) => t.alertname),
    );
    for (const alert of [
      'KvstoreLogWriteFailed',
      'KvstoreDiskNearlyFull',
      'KvstoreDiskFull',
      'KvstoreNatsLagging',
      'KvstoreWatchersDemoted',
      'KvstoreSlowWrites',
    ])
      expect(tested, alert).toContain(alert);
  });

  it('name only metrics that a real server exports on /metrics', async () => {
    const exported = await exportedMetricNames();
    for (const rule of rules) {
      expect(metricsIn(rule.expr).length, rule.alert).toBeGreaterThan(0);
      for (const name of metricsIn(rule.expr)) expect(exported, `${rule.alert}: ${name}`).toContain(name);
    }
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        expect(metricsIn(target.expr).length, panel.title).toBeGreaterThan(0);
        for (const name of metricsIn(target.expr))
          expect(exported, `${panel.title}: ${name}`).toContain(name);
      }
    }
    // The stream metrics of this wave are on the dashboard.
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    for (const name of [
      'kvstore_watch_streams',
      'kvstore_watch_events_sent_total',
      'kvstore_watch_demotions_total',
      'kvstore_watch_buffered_bytes',
      'kvstore_backups_running',
      'kvstore_data_dir_available_bytes',
    ])
      expect(exprs).toContain(name);
  }, 30_000);
});
