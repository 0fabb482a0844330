import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import {
  type ClientDuplexStream,
  credentials,
  type GrpcObject,
  loadPackageDefinition,
  type ServiceClientConstructor,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.js';
import { suiteDir } from '../helpers/temp-dir.js';

/** The reflection proto that @grpc/reflection ships (what grpcurl and Postman speak). */
const reflectionProtoDir = join(
  dirname(createRequire(import.meta.url).resolve('@grpc/reflection/package.json')),
  'build/proto',
);

interface ReflectionAnswer {
  list_services_response?: { service: { name: string }[] };
  file_containing_symbol?: unknown;
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_message: string };
}

let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess(await suiteDir());
});

afterAll(async () => {
  await server?.stop();
});

/** Sends reflection requests on one ServerReflectionInfo stream and collects the answers. */
function reflect(version: 'v1' | 'v1alpha', requests: object[]): Promise<ReflectionAnswer[]> {
  const definition = loadSync(`grpc/reflection/${version}/reflection.proto`, {
    keepCase: true,
    includeDirs: [reflectionProtoDir],
  });
  const pkg = (loadPackageDefinition(definition).grpc as GrpcObject).reflection as GrpcObject;
  const Client = (pkg[version] as GrpcObject).ServerReflection as ServiceClientConstructor;
  const client = new Client(server.addr, credentials.createInsecure());
  return new Promise((resolve, reject) => {
    const answers: ReflectionAnswer[] = [];
    const call = (
      client as unknown as { ServerReflectionInfo(): ClientDuplexStream<object, ReflectionAnswer> }
    ).ServerReflectionInfo();
    call.on('data', (answer: ReflectionAnswer) => {
      answers.push(answer);
      if (answers.length === requests.length) call.end();
    });
    call.on('error', reject);
    call.on('end', () => {
      client.close();
      resolve(answers);
    });
    for (const request of requests) call.write(request);
  });
}

describe('server reflection', () => {
  it('lists kvstore.v1.KV, kvstore.v1.Admin and grpc.health.v1.Health (v1 and v1alpha)', async () => {
    for (const version of ['v1', 'v1alpha'] as const) {
      const [answer] = await reflect(version, [{ list_services: '' }]);
      const names = answer!.list_services_response!.service.map((s) => s.name);
      expect(names, version).toEqual(
        expect.arrayContaining(['kvstore.v1.KV', 'kvstore.v1.Admin', 'grpc.health.v1.Health']),
      );
    }
  });

  it('describes the health service, so a reflection client can call it', async () => {
    const [answer] = await reflect('v1', [{ file_containing_symbol: 'grpc.health.v1.Health' }]);
    expect(answer!.error_response).toBeUndefined();
    const files = answer!.file_descriptor_response!.file_descriptor_proto.map((b) =>
      Buffer.from(b).toString('latin1'),
    );
    expect(files.some((f) => f.includes('HealthCheckRequest'))).toBe(true);
  });
});
