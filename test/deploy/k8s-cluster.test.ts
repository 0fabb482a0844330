import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { SETTINGS_BY_KEY } from '../../src/config/settings.js';
import { CONTRACT_SETTINGS, loadConfigText, parseLogUrl } from './contract-settings.js';
import { checkNatsConf, readNatsConf, routeTarget } from './nats-conf.js';

// No cluster here: the manifests are checked against the code, nats-server -t and each other.

interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  args: string[];
  env?: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports: { name: string; containerPort: number }[];
  volumeMounts: { name: string; mountPath: string }[];
  livenessProbe: Probe;
  readinessProbe: Probe;
  startupProbe?: Probe;
}
interface AntiAffinityTerm {
  topologyKey: string;
  labelSelector: { matchLabels: Record<string, string> };
}
interface PodSpec {
  terminationGracePeriodSeconds: number;
  securityContext: { runAsNonRoot: boolean };
  affinity?: {
    podAntiAffinity?: {
      requiredDuringSchedulingIgnoredDuringExecution?: AntiAffinityTerm[];
      preferredDuringSchedulingIgnoredDuringExecution?: { podAffinityTerm: AntiAffinityTerm }[];
    };
  };
  containers: Container[];
  volumes: { name: string; configMap?: { name: string } }[];
}
interface StatefulSetSpec {
  serviceName: string;
  replicas: number;
  podManagementPolicy?: string;
  selector: { matchLabels: Record<string, string> };
  template: {
    metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
    spec: PodSpec;
  };
  volumeClaimTemplates: {
    metadata: { name: string };
    spec: { accessModes: string[]; resources: { requests: { storage: string } } };
  }[];
}
interface ServiceSpec {
  clusterIP?: string;
  publishNotReadyAddresses?: boolean;
  selector: Record<string, string>;
  ports: { name: string; port: number; targetPort: string | number }[];
}
interface Manifest {
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown>;
  data?: Record<string, string>;
}

const DIR = 'deploy/k8s/cluster';
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const manifests: Manifest[] = files.flatMap((f) =>
  parseAllDocuments(readFileSync(join(DIR, f), 'utf8')).map((d) => d.toJS() as Manifest),
);
const named = (kind: string, name: string) =>
  manifests.find((m) => m.kind === kind && m.metadata.name === name) ??
  (() => {
    throw new Error(`no ${kind} ${name} in ${DIR}`);
  })();
const stsSpec = (name: string) => named('StatefulSet', name).spec as unknown as StatefulSetSpec;
const svcSpec = (name: string) => named('Service', name).spec as unknown as ServiceSpec;
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

const nats = stsSpec('nats');
const kv = stsSpec('kvstore');
const natsBox = nats.template.spec.containers[0]!;
const kvBox = kv.template.spec.containers[0]!;

/** The text of the file a container reads from a ConfigMap volume (`--config PATH` in its args). */
function mountedFile(spec: StatefulSetSpec, box: Container): string {
  const path = box.args[box.args.indexOf('--config') + 1]!;
  const mount = box.volumeMounts.find((m) => path.startsWith(`${m.mountPath}/`))!;
  const volume = spec.template.spec.volumes.find((v) => v.name === mount.name)!;
  const map = named('ConfigMap', volume.configMap!.name);
  return map.data![path.slice(mount.mountPath.length + 1)]!;
}
const natsText = mountedFile(nats, natsBox);
const natsConf = readNatsConf(natsText);
const portNamed = (box: Container, port: string | number) =>
  typeof port === 'number' ? port : box.ports.find((p) => p.name === port)?.containerPort;
const kvConfig = () => loadConfigText(mountedFile(kv, kvBox));

describe('deploy/k8s/cluster', () => {
  it('parses, and its kustomization lists every manifest', () => {
    const kustomization = parse(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')) as {
      resources: string[];
    };
    expect([...kustomization.resources].sort()).toEqual([...files].sort());
    expect(manifests.map((m) => `${m.kind} ${m.metadata.name}`).sort()).toEqual([
      'ConfigMap kvstore-config',
      'ConfigMap nats-config',
      'PodDisruptionBudget kvstore',
      'PodDisruptionBudget nats',
      'Service kvstore',
      'Service kvstore-headless',
      'Service nats',
      'StatefulSet kvstore',
      'StatefulSet nats',
    ]);
  });

  it('runs 3 NATS servers whose configuration nats-server accepts, routed to one another by pod DNS name', async () => {
    expect(nats.replicas).toBe(3);
    // A server is ready only once a quorum exists: OrderedReady would never start the second pod.
    expect(nats.podManagementPolicy).toBe('Parallel');
    const podName = natsBox.env?.find((e) => e.valueFrom?.fieldRef?.fieldPath === 'metadata.name')?.name;
    expect(natsConf.values.get('server_name')).toBe(`$${podName}`);
    const check = await checkNatsConf(natsText, { [podName!]: 'nats-0' });
    expect(check.ok, `nats-server -t: ${check.output}`).toBe(true);
    const headless = svcSpec(nats.serviceName);
    expect(headless.clusterIP).toBe('None');
    expect(headless.publishNotReadyAddresses).toBe(true);
    const clusterPort = Number(natsConf.values.get('cluster.port'));
    expect(natsConf.routes.map(routeTarget)).toEqual(
      Array.from({ length: nats.replicas }, (_, i) => ({
        host: `nats-${i}.${nats.serviceName}`,
        port: clusterPort,
      })),
    );
    expect(portNamed(natsBox, 'client')).toBe(Number(natsConf.values.get('port')));
    expect(portNamed(natsBox, 'cluster')).toBe(clusterPort);
    expect(portNamed(natsBox, 'monitor')).toBe(Number(natsConf.values.get('http_port')));
    for (const p of headless.ports) expect(portNamed(natsBox, p.targetPort), p.name).toBe(p.port);
  });

  it('keeps each NATS server’s JetStream store on a volume of its own and probes its monitoring port', () => {
    const claim = nats.volumeClaimTemplates[0]!;
    expect(claim.spec.accessModes).toEqual(['ReadWriteOnce']);
    const mount = natsBox.volumeMounts.find((m) => m.name === claim.metadata.name);
    expect(mount?.mountPath).toBe(natsConf.values.get('jetstream.store_dir'));
    const volumeGi = Number.parseInt(claim.spec.resources.requests.storage, 10);
    expect(Number.parseInt(natsConf.values.get('jetstream.max_file_store')!, 10)).toBeLessThan(volumeGi);
    const pidDir = natsConf.values.get('pid_file')!.split('/').slice(0, -1).join('/');
    expect(natsBox.volumeMounts.map((m) => m.mountPath)).toContain(pidDir); // read-only root: a writable pid dir
    const monitor = Number(natsConf.values.get('http_port'));
    for (const probe of [natsBox.startupProbe!, natsBox.livenessProbe, natsBox.readinessProbe]) {
      expect(probe.httpGet.path).toMatch(/^\/healthz(\?js-(enabled|server)-only=true)?$/);
      expect(portNamed(natsBox, probe.httpGet.port)).toBe(monitor);
    }
    // Liveness must not hang on the cluster (a partition would restart every server).
    expect(natsBox.livenessProbe.httpGet.path).toBe('/healthz?js-enabled-only=true');
  });

  it('runs 3 kvstore nodes with settings the loader accepts and a log.url naming every NATS pod, R3', async () => {
    expect(kv.replicas).toBe(3);
    const { loaded, raw } = await kvConfig();
    expect(raw.has('log.url')).toBe(true);
    const url = parseLogUrl(String(raw.get('log.url')));
    expect(url?.scheme).toBe('nats');
    if (url?.scheme !== 'nats') return;
    const clientPort = Number(natsConf.values.get('port'));
    expect(url.servers).toEqual(
      Array.from({ length: nats.replicas }, (_, i) => ({
        host: `nats-${i}.${nats.serviceName}`,
        port: clientPort,
      })),
    );
    expect(url.replicas).toBe(nats.replicas);
    expect(loaded.config.grpc.listen.startsWith('0.0.0.0:')).toBe(true);
    expect(loaded.config.http.listen.startsWith('0.0.0.0:')).toBe(true);
    expect(kv.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
      loaded.config.shutdown.timeoutMs,
    );
    expect(kv.template.spec.securityContext.runAsNonRoot).toBe(true);
  });

  it('gives each kvstore pod its own volume at data.dir and probes /healthz and /readyz on the admin port', async () => {
    const { config } = (await kvConfig()).loaded;
    const claim = kv.volumeClaimTemplates[0]!;
    expect(claim.spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(kvBox.volumeMounts.find((m) => m.name === claim.metadata.name)?.mountPath).toBe(config.data.dir);
    const http = Number(config.http.listen.split(':').at(-1));
    expect(kvBox.livenessProbe.httpGet.path).toBe('/healthz');
    expect(kvBox.readinessProbe.httpGet.path).toBe('/readyz');
    expect(portNamed(kvBox, kvBox.livenessProbe.httpGet.port)).toBe(http);
    expect(portNamed(kvBox, kvBox.readinessProbe.httpGet.port)).toBe(http);
    expect(portNamed(kvBox, 'grpc')).toBe(Number(config.grpc.listen.split(':').at(-1)));
    const annotations = kv.template.metadata.annotations!;
    expect(annotations['prometheus.io/path']).toBe('/metrics');
    expect(Number(annotations['prometheus.io/port'])).toBe(http);
  });

  it('selects each StatefulSet’s pods from its Services, disruption budget and anti-affinity', () => {
    for (const [sts, services] of [
      [nats, ['nats']],
      [kv, ['kvstore', 'kvstore-headless']],
    ] as const) {
      const labels = sts.template.metadata.labels;
      const box = sts.template.spec.containers[0]!;
      expect(matches(sts.selector.matchLabels, labels)).toBe(true);
      expect(services).toContain(sts.serviceName);
      for (const name of services) {
        const s = svcSpec(name);
        expect(matches(s.selector, labels), name).toBe(true);
        for (const p of s.ports) expect(portNamed(box, p.targetPort), `${name} ${p.name}`).toBe(p.port);
      }
      const budget = manifests.find(
        (m) =>
          m.kind === 'PodDisruptionBudget' &&
          matches((m.spec.selector as { matchLabels: Record<string, string> }).matchLabels, labels),
      );
      // One at a time: NATS keeps its quorum (2 of 3), kvstore keeps two nodes serving.
      expect(budget?.spec.maxUnavailable).toBe(1);
      const anti = sts.template.spec.affinity?.podAntiAffinity;
      const terms = [
        ...(anti?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
        ...(anti?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => t.podAffinityTerm),
      ];
      expect(
        terms.some(
          (t) => t.topologyKey === 'kubernetes.io/hostname' && matches(t.labelSelector.matchLabels, labels),
        ),
      ).toBe(true);
    }
    // Two NATS servers on one machine would lose the quorum with it: required, not preferred.
    expect(
      nats.template.spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
    ).toHaveLength(1);
  });

  it('names the contract settings as settings.ts does, and as the code does once it defines them', () => {
    for (const s of CONTRACT_SETTINGS) {
      const words = s.key.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
      expect(s.flag).toBe(`--${words.replace(/\./g, '-')}`);
      expect(s.env).toBe(`KVSTORE_${words.replace(/[.-]/g, '_').toUpperCase()}`);
      const code = SETTINGS_BY_KEY.get(s.key);
      if (code) expect([code.flag, code.env]).toEqual([s.flag, s.env]);
    }
  });
});
