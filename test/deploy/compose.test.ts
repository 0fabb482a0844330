import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SETTINGS } from '../../src/config/settings.js';
import { DEPLOY_SETTINGS_BY_ENV, parseLogUrl } from './contract-settings.js';
import { exportedMetricNames, metricsIn } from './exported-metrics.js';
import { checkNatsConf, readNatsConf, routeTarget } from './nats-conf.js';

// There is no Docker engine here: these tests check what can be checked without one, against the code.

interface ComposeService {
  image?: string;
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  profiles?: string[];
  depends_on?: Record<string, unknown> | string[];
}

const compose = parse(readFileSync('docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};
const services = compose.services;
const byEnv = new Map(SETTINGS.map((s) => [s.env, s]));

/** Compose's ${VAR:-default} as it resolves with VAR unset. */
const resolve = (value: string) => value.replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1');
const portOf = (listen: string) => Number(listen.split(':').at(-1));
const kvEnv = (name: string) => resolve(services.kvstore!.environment![name]!);

/** Host path of a container path through a service's bind mounts, or undefined. */
function hostPath(service: ComposeService, containerPath: string): string | undefined {
  for (const volume of service.volumes ?? []) {
    const [host, target] = volume.split(':') as [string, string];
    if (!host.startsWith('.')) continue;
    if (containerPath === target) return host;
    if (containerPath.startsWith(`${target}/`)) return join(host, posix.relative(target, containerPath));
  }
  return undefined;
}

describe('docker-compose.yml', () => {
  it('runs kvstore, NATS with JetStream, Prometheus, Grafana and k6, and a 3-node NATS cluster profile', () => {
    for (const name of ['kvstore', 'nats', 'prometheus', 'grafana', 'k6'])
      expect(services, name).toHaveProperty(name);
    expect(services.nats!.command).toContain('--jetstream');
    const cluster = Object.entries(services).filter(([, s]) => s.profiles?.includes('nats-cluster'));
    expect(cluster.map(([n]) => n).sort()).toEqual(['nats-1', 'nats-2', 'nats-3']);
    const conf = readFileSync(hostPath(cluster[0]![1], '/etc/nats/cluster.conf')!, 'utf8');
    expect(conf).toMatch(/jetstream/);
    for (const [name] of cluster) expect(conf).toContain(`nats-route://${name}:6222`);
  });

  it('gives kvstore only settings the code knows, with values it accepts', () => {
    const env = services.kvstore!.environment!;
    expect(Object.keys(env).length).toBeGreaterThan(0);
    for (const [name, raw] of Object.entries(env)) {
      const setting = byEnv.get(name);
      expect(setting, `${name} is not a setting`).toBeDefined();
      expect(setting!.parse(resolve(raw)), `${name}=${raw}`).not.toBeNull();
    }
  });

  it('publishes the listen ports, mounts the data volume at data.dir and health-checks the admin port', () => {
    const kv = services.kvstore!;
    const published = (kv.ports ?? []).map((p) => Number(p.split(':').at(-1)));
    expect(published).toContain(portOf(kvEnv('KVSTORE_GRPC_LISTEN')));
    expect(published).toContain(portOf(kvEnv('KVSTORE_HTTP_LISTEN')));
    const dataMount = kv
      .volumes!.map((v) => v.split(':'))
      .find(([, target]) => target === kvEnv('KVSTORE_DATA_DIR'));
    expect(dataMount, 'a volume at data.dir').toBeDefined();
    expect(compose.volumes).toHaveProperty(dataMount![0]!);
    const check = kv.healthcheck!.test.join(' ');
    expect(check).toMatch(
      new RegExp(`127\\.0\\.0\\.1:${portOf(kvEnv('KVSTORE_HTTP_LISTEN'))}/(readyz|healthz)`),
    );
    const shutdownMs = SETTINGS.find((s) => s.key === 'shutdown.timeout')!.parse(
      kvEnv('KVSTORE_SHUTDOWN_TIMEOUT'),
    ) as number;
    expect(Number.parseInt(kv.stop_grace_period!, 10) * 1000).toBeGreaterThan(shutdownMs);
  });

  it('points Prometheus at /metrics on the admin port, with alert rules on exported metrics', async () => {
    const prometheus = services.prometheus!;
    const config = parse(readFileSync(hostPath(prometheus, '/etc/prometheus/prometheus.yml')!, 'utf8')) as {
      rule_files: string[];
      scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[];
    };
    const job = config.scrape_configs.find((j) => j.job_name === 'kvstore')!;
    expect(job.metrics_path).toBe('/metrics');
    expect(job.static_configs[0]!.targets).toEqual([`kvstore:${portOf(kvEnv('KVSTORE_HTTP_LISTEN'))}`]);
    const exported = await exportedMetricNames();
    for (const file of config.rule_files) {
      const rules = parse(readFileSync(hostPath(prometheus, file)!, 'utf8')) as {
        groups: { rules: { alert: string; expr: string }[] }[];
      };
      const all = rules.groups.flatMap((g) => g.rules);
      expect(all.length).toBeGreaterThan(5);
      for (const rule of all) {
        expect(metricsIn(rule.expr).length, rule.alert).toBeGreaterThan(0);
        for (const name of metricsIn(rule.expr)) expect(exported, `${rule.alert}: ${name}`).toContain(name);
      }
    }
  });

  it('provisions Grafana with a kvstore dashboard whose queries name metrics /metrics exports', async () => {
    const grafana = services.grafana!;
    for (const v of grafana.volumes!) expect(existsSync(v.split(':')[0]!), v).toBe(true);
    const datasources = parse(
      readFileSync(hostPath(grafana, '/etc/grafana/provisioning/datasources/prometheus.yml')!, 'utf8'),
    ) as { datasources: { uid: string; url: string }[] };
    expect(datasources.datasources[0]!.url).toBe('http://prometheus:9090');
    const dashboard = JSON.parse(
      readFileSync(hostPath(grafana, '/var/lib/grafana/dashboards/kvstore.json')!, 'utf8'),
    ) as { panels: { title: string; targets: { expr: string; datasource: { uid: string } }[] }[] };
    const exported = await exportedMetricNames();
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join(' | ');
    for (const topic of ['requests', 'latency', 'revision', 'watchers', 'nats'])
      expect(titles).toContain(topic);
    for (const panel of dashboard.panels) {
      for (const target of panel.targets) {
        expect(target.datasource.uid).toBe(datasources.datasources[0]!.uid);
        expect(metricsIn(target.expr).length, panel.title).toBeGreaterThan(0);
        for (const name of metricsIn(target.expr))
          expect(exported, `${panel.title}: ${name}`).toContain(name);
      }
    }
  });

  it('runs k6 on scripts that exist, against the kvstore gRPC port, with the proto mounted', () => {
    const k6 = services.k6!;
    const scripts = k6.command!.filter((a) => a.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts)
      expect(existsSync(hostPath(k6, script) ?? '(not mounted)'), script).toBe(true);
    // The other scenarios are run with `docker compose run --rm k6 run /load/k6/<script>`.
    for (const script of ['mixed.js', 'watch.js', 'soak.js'])
      expect(existsSync(hostPath(k6, `/load/k6/${script}`)!)).toBe(true);
    expect(k6.environment!.KVSTORE_ADDR).toBe(`kvstore:${portOf(kvEnv('KVSTORE_GRPC_LISTEN'))}`);
    expect(
      existsSync(join(hostPath(k6, k6.environment!.KVSTORE_PROTO_DIR!)!, 'kvstore/v1/kvstore.proto')),
    ).toBe(true);
  });

  it('names only files that exist in its bind mounts', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const v of service.volumes ?? []) {
        const host = v.split(':')[0]!;
        if (host.startsWith('.')) expect(existsSync(host), `${name}: ${v}`).toBe(true);
        else expect(compose.volumes, `${name}: ${v}`).toHaveProperty(host);
      }
    }
  });
});

describe('docker-compose.yml, profile "cluster"', () => {
  const inProfile = Object.entries(services).filter(([, s]) => s.profiles?.includes('cluster'));
  const natsNodes = inProfile.filter(([, s]) => s.image?.startsWith('nats:'));
  const kvNodes = inProfile.filter(([, s]) => s.build === '.');
  const confText = (s: ComposeService) =>
    readFileSync(hostPath(s, s.command![s.command!.indexOf('--config') + 1]!)!, 'utf8');
  const env = (s: ComposeService, name: string) => resolve(s.environment![name]!);
  /** The named volume mounted at a container path (never a bind mount: data must outlive the container). */
  const namedVolumeAt = (s: ComposeService, target: string) =>
    (s.volumes ?? [])
      .map((v) => v.split(':'))
      .find(([host, t]) => t === target && !host!.startsWith('.'))?.[0];

  it('runs 3 NATS 2.9 servers with JetStream, routed to one another, and 3 kvstore nodes built here', async () => {
    expect(natsNodes.map(([n]) => n)).toEqual(['nats1', 'nats2', 'nats3']);
    expect(kvNodes.map(([n]) => n)).toEqual(['kvstore1', 'kvstore2', 'kvstore3']);
    expect(inProfile).toHaveLength(6);
    const serverNames = new Set<string>();
    for (const [name, s] of natsNodes) {
      expect(s.image, name).toMatch(/^nats:2\.9[.-]/);
      const text = confText(s);
      const check = await checkNatsConf(text);
      expect(check.ok, `nats-server -t: ${check.output}`).toBe(true);
      const conf = readNatsConf(text);
      expect(conf.values.get('jetstream.store_dir'), name).toBeDefined();
      // Every server is routed to, on the cluster port; JetStream needs a stable, distinct server name.
      const routed = conf.routes.map(routeTarget);
      for (const [peer] of natsNodes)
        expect(routed, `${name}: route to ${peer}`).toContainEqual({
          host: peer,
          port: Number(conf.values.get('cluster.port')),
        });
      serverNames.add(s.command![s.command!.indexOf('--name') + 1]!);
      expect(s.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${conf.values.get('http_port')}/healthz`);
    }
    expect(serverNames.size).toBe(3);
  });

  it('gives each NATS server a volume of its own at its JetStream store', () => {
    const seen = new Set<string>();
    for (const [name, s] of natsNodes) {
      const volume = namedVolumeAt(s, readNatsConf(confText(s)).values.get('jetstream.store_dir')!);
      expect(volume, `${name}: a named volume at the store`).toBeDefined();
      expect(compose.volumes).toHaveProperty(volume!);
      seen.add(volume!);
    }
    expect(seen.size).toBe(natsNodes.length);
  });

  it('gives every kvstore node the same known settings, with log.url naming the 3 NATS servers and R3', () => {
    const first = kvNodes[0]![1].environment!;
    for (const [name, s] of kvNodes) {
      expect(s.environment, `${name}: nodes are interchangeable`).toEqual(first);
      for (const [key, raw] of Object.entries(s.environment!)) {
        const setting = DEPLOY_SETTINGS_BY_ENV.get(key);
        expect(setting, `${name}: ${key} is not a setting`).toBeDefined();
        expect(setting!.parse(resolve(raw)), `${name}: ${key}=${raw}`).not.toBeNull();
      }
      const url = parseLogUrl(env(s, 'KVSTORE_LOG_URL'));
      expect(url?.scheme).toBe('nats');
      if (url?.scheme !== 'nats') continue;
      const clientPorts = natsNodes.map(([, n]) => Number(readNatsConf(confText(n)).values.get('port')));
      expect(url.servers).toEqual(natsNodes.map(([peer], i) => ({ host: peer, port: clientPorts[i] })));
      expect(url.replicas).toBe(natsNodes.length);
      expect(url.stream).toMatch(/^[A-Za-z0-9_-]+$/);
    }
  });

  it('gives each kvstore node its own volume at data.dir, a /readyz check, and waits for healthy NATS', () => {
    const seen = new Set<string>();
    for (const [name, s] of kvNodes) {
      const volume = namedVolumeAt(s, env(s, 'KVSTORE_DATA_DIR'));
      expect(volume, `${name}: a named volume at data.dir`).toBeDefined();
      expect(compose.volumes).toHaveProperty(volume!);
      seen.add(volume!);
      const http = portOf(env(s, 'KVSTORE_HTTP_LISTEN'));
      expect(s.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${http}/readyz`);
      const published = (s.ports ?? []).map((p) => Number(p.split(':').at(-1)));
      expect(published).toEqual([portOf(env(s, 'KVSTORE_GRPC_LISTEN')), http]);
      const shutdownMs = SETTINGS.find((x) => x.key === 'shutdown.timeout')!.parse(
        env(s, 'KVSTORE_SHUTDOWN_TIMEOUT'),
      ) as number;
      expect(Number.parseInt(s.stop_grace_period!, 10) * 1000).toBeGreaterThan(shutdownMs);
      for (const [peer] of natsNodes)
        expect((s.depends_on as Record<string, { condition: string }>)[peer]?.condition).toBe(
          'service_healthy',
        );
    }
    expect(seen.size).toBe(kvNodes.length);
  });

  it('publishes no host port twice, so the default services and every profile can run together', () => {
    const hostPorts = Object.values(services).flatMap((s) =>
      (s.ports ?? []).map((p) => p.split(':').slice(0, -1).join(':')),
    );
    expect(new Set(hostPorts).size).toBe(hostPorts.length);
  });
});

describe('Dockerfile', () => {
  const text = readFileSync('Dockerfile', 'utf8');
  const lines = text.replace(/\\\n\s*/g, ' ').split('\n');
  const stages = text.split(/^FROM /m).slice(1);
  const final = stages.at(-1)!;
  const env = new Map<string, string>();
  for (const m of final.replace(/\\\n\s*/g, ' ').matchAll(/^ENV (.*)$/gm))
    for (const pair of m[1]!.trim().split(/\s+/)) env.set(pair.split('=')[0]!, pair.split('=')[1]!);

  it('builds in stages and runs with production dependencies only, as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/npm ci --omit=dev/);
    const user = /^USER (\S+)/m.exec(final)?.[1];
    expect(user).toBeDefined();
    expect(['root', '0']).not.toContain(user);
    expect(final).not.toMatch(/npm ci(?! --omit=dev)/);
  });

  it('sets only known settings, exposes their ports, keeps data.dir on a volume and health-checks /healthz', () => {
    for (const [name, value] of env) {
      if (!name.startsWith('KVSTORE_')) continue;
      expect(byEnv.get(name)?.parse(value), `${name}=${value}`).not.toBeNull();
    }
    const exposed = (/^EXPOSE (.*)$/m.exec(final)?.[1] ?? '').split(/\s+/).map(Number);
    expect(exposed).toContain(portOf(env.get('KVSTORE_GRPC_LISTEN')!));
    expect(exposed).toContain(portOf(env.get('KVSTORE_HTTP_LISTEN')!));
    expect(final).toContain(`VOLUME ["${env.get('KVSTORE_DATA_DIR')}"]`);
    expect(lines.find((l) => l.startsWith('HEALTHCHECK'))).toMatch(/\/healthz/);
  });

  it('copies only paths that exist', () => {
    for (const m of text.matchAll(/^COPY (?!--from)(.*) \S+$/gm))
      for (const source of m[1]!.trim().split(/\s+/)) expect(existsSync(source), source).toBe(true);
  });
});
