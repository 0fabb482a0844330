import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { tempDir } from '../helpers/temp-dir.js';

interface Probe {
  httpGet: { path: string; port: string | number };
}
interface Container {
  name: string;
  args: string[];
  ports: { name: string; containerPort: number }[];
  volumeMounts: { name: string; mountPath: string }[];
  livenessProbe: Probe;
  readinessProbe: Probe;
  resources: { requests: { cpu: string; memory: string } };
}
interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
  data?: Record<string, string>;
}
interface StatefulSetSpec {
  serviceName: string;
  replicas: number;
  selector: { matchLabels: Record<string, string> };
  template: {
    metadata: { labels: Record<string, string> };
    spec: {
      terminationGracePeriodSeconds: number;
      securityContext: { runAsNonRoot: boolean };
      containers: Container[];
      volumes: { name: string; configMap?: { name: string } }[];
    };
  };
  volumeClaimTemplates: {
    metadata: { name: string };
    spec: { resources: { requests: { storage: string } } };
  }[];
}
interface ServiceSpec {
  clusterIP?: string;
  selector: Record<string, string>;
  ports: { name: string; port: number; targetPort: string | number }[];
}

const DIR = 'deploy/k8s';
const manifests: Manifest[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) => parseAllDocuments(readFileSync(join(DIR, f), 'utf8')).map((d) => d.toJS() as Manifest));
const one = (kind: string) => manifests.filter((m) => m.kind === kind);
const sts = one('StatefulSet')[0]!;
const spec = sts.spec as unknown as StatefulSetSpec;
const container = spec.template.spec.containers[0]!;
const configMap = one('ConfigMap')[0]!;

/** The server's configuration as the pod loads it: the ConfigMap's file through kvstore's own loader. */
async function podConfig() {
  const flag = container.args.indexOf('--config');
  expect(flag, '--config FILE in args').toBeGreaterThanOrEqual(0);
  const path = container.args[flag + 1]!;
  const mount = container.volumeMounts.find((m) => path.startsWith(`${m.mountPath}/`))!;
  const volume = spec.template.spec.volumes.find((v) => v.name === mount.name)!;
  expect(volume.configMap?.name).toBe(configMap.metadata.name);
  const key = path.slice(mount.mountPath.length + 1);
  const file = join(await tempDir(), key);
  writeFileSync(file, configMap.data![key]!);
  return loadConfig({ file, env: {} }).config; // throws, naming the setting, on anything it does not accept
}

describe('deploy/k8s', () => {
  it('parses, and kustomization lists every manifest', () => {
    const kustomization = parse(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8')) as {
      resources: string[];
    };
    expect(kustomization.resources.sort()).toEqual(
      readdirSync(DIR)
        .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
        .sort(),
    );
    expect(manifests.map((m) => m.kind).sort()).toEqual(['ConfigMap', 'Service', 'Service', 'StatefulSet']);
  });

  it('runs a StatefulSet with a volume per pod mounted at data.dir, as a non-root user, with resource requests', async () => {
    const config = await podConfig();
    const claim = spec.volumeClaimTemplates[0]!;
    expect(container.volumeMounts.find((m) => m.name === claim.metadata.name)?.mountPath).toBe(
      config.data.dir,
    );
    expect(claim.spec.resources.requests.storage).toMatch(/^\d+Gi$/);
    // The SQLite log has one writer: more replicas would be independent stores.
    expect(spec.replicas).toBe(1);
    expect(spec.template.spec.securityContext.runAsNonRoot).toBe(true);
    expect(container.resources.requests.cpu).toBeTruthy();
    expect(container.resources.requests.memory).toBeTruthy();
    expect(spec.template.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(
      config.shutdown.timeoutMs,
    );
  });

  it('probes /healthz (liveness) and /readyz (readiness) on the admin port, and exposes the gRPC port', async () => {
    const config = await podConfig();
    const portNamed = (name: string | number) =>
      container.ports.find((p) => p.name === name)?.containerPort ?? name;
    const port = (listen: string) => Number(listen.split(':').at(-1));
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(portNamed(container.livenessProbe.httpGet.port)).toBe(port(config.http.listen));
    expect(portNamed(container.readinessProbe.httpGet.port)).toBe(port(config.http.listen));
    expect(portNamed('grpc')).toBe(port(config.grpc.listen));
    // Listening on every interface: probes and the Service reach the pod's IP, not its loopback.
    expect(config.grpc.listen.startsWith('0.0.0.0:')).toBe(true);
    expect(config.http.listen.startsWith('0.0.0.0:')).toBe(true);
  });

  it('has a headless Service for the StatefulSet and a client Service, both selecting its pods and ports', () => {
    const services = one('Service');
    const headless = services.find((s) => (s.spec as unknown as ServiceSpec).clusterIP === 'None')!;
    expect(headless.metadata.name).toBe(spec.serviceName);
    expect(services.some((s) => (s.spec as unknown as ServiceSpec).clusterIP !== 'None')).toBe(true);
    for (const service of services) {
      const s = service.spec as unknown as ServiceSpec;
      for (const [k, v] of Object.entries(s.selector)) expect(spec.template.metadata.labels[k]).toBe(v);
      for (const p of s.ports) expect(container.ports.map((c) => c.name)).toContain(p.targetPort);
    }
    for (const [k, v] of Object.entries(spec.selector.matchLabels))
      expect(spec.template.metadata.labels[k]).toBe(v);
  });
});
